"""The public writes' limiter (queue_server/ratelimit.py): a key's takes within the window are
counted, a refused write gives its take back, and the window slides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from antre.queue_server.accounts import Throttled
from antre.queue_server.clock import ManualClock
from antre.queue_server.ratelimit import SlidingWindow


def test_the_window_counts_per_key_gives_back_and_slides():
    clock = ManualClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    limit = SlidingWindow(2, timedelta(hours=1), clock)
    limit.take("10.0.0.1")
    clock.advance(minutes=20)
    limit.take("10.0.0.1")
    with pytest.raises(Throttled) as refused:
        limit.take("10.0.0.1")
    assert refused.value.params == {"num": 40}  # the first take leaves the window in 40 minutes
    limit.take("10.0.0.2")  # another address has its own allowance
    limit.give_back("10.0.0.1")
    limit.take("10.0.0.1")  # the given-back take is free again
    clock.advance(minutes=41)
    limit.take("10.0.0.1")  # the first take has left the window
    with pytest.raises(Throttled):
        limit.take("10.0.0.1")


def test_a_slot_gives_back_its_own_take_when_the_write_fails_and_none_is_not_counted():
    clock = ManualClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    limit = SlidingWindow(2, timedelta(hours=1), clock)
    with limit.slot("10.0.0.1"):
        pass  # stored: counted
    clock.advance(minutes=30)
    with pytest.raises(ValueError), limit.slot("10.0.0.1"):
        raise ValueError("refused write")  # stored nothing: its take (not the first) is given back
    for _ in range(5):
        with limit.slot(None):
            pass  # a kiosk or a paired device: never counted
    with limit.slot("10.0.0.1"):
        pass
    with pytest.raises(Throttled) as refused:
        limit.take("10.0.0.1")
    assert refused.value.params == {"num": 30}  # the first take, still there, leaves in 30 minutes
