"""Config keys of printing and the kiosk: per-kiosk printers, opening hours, kiosk timers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.config import ConfigError, parse_config

from tests.support import SMALL_HALL

JAKARTA = ZoneInfo("Asia/Jakarta")


def hall(**changes) -> dict:
    return {**SMALL_HALL, **changes}


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, Path("/tmp/config.yaml"))
    return caught.value.problems


def test_kiosk_printers_by_name_or_own_section():
    kiosks = [
        {"id": "k1", "name": "A"},
        {"id": "k2", "name": "B", "printer": "agent"},
        {"id": "k3", "name": "C", "printer": {"kind": "network", "host": "192.168.1.51"}, "return_seconds": 10, "idle_seconds": 30},
    ]
    config = parse_config(hall(kiosks=kiosks), Path("/tmp/config.yaml"))
    assert config.kiosks["k1"].printer == "default" and config.kiosks["k2"].printer == "agent"
    assert config.kiosks["k3"].printer == {"kind": "network", "width_mm": 80, "port": 9100, "timeout_seconds": 5, "host": "192.168.1.51"}
    assert (config.kiosks["k3"].return_seconds, config.kiosks["k3"].idle_seconds) == (10, 30)


@pytest.mark.parametrize(
    ("kiosk", "problem"),
    [
        ({"printer": "usb"}, "kiosks[0].printer: must be one of default, network, agent, none or a printer section"),
        ({"printer": {"kind": "network"}}, "kiosks[0].printer.host: is required for a network printer"),
        ({"printer": {"kind": "network", "host": "h", "colour": 1}}, "kiosks[0].printer.colour: unknown key"),
        ({"return_seconds": 1}, "kiosks[0].return_seconds: must be between 3 and 600, got 1"),
        ({"idle_seconds": "long"}, "kiosks[0].idle_seconds: must be a whole number"),
    ],
)
def test_bad_kiosk_printer_keys_name_the_path(kiosk, problem):
    found = problems(hall(kiosks=[{"id": "k1", "name": "A", **kiosk}]))
    assert any(p.startswith(problem) for p in found), found


def test_opening_hours_are_kept_and_checked():
    config = parse_config(hall(hall={**SMALL_HALL["hall"], "opening_hours": "07:30-16:00"}), Path("/tmp/config.yaml"))
    assert config.is_open(datetime(2026, 11, 25, 7, 30, tzinfo=JAKARTA))
    assert not config.is_open(datetime(2026, 11, 25, 16, 0, tzinfo=JAKARTA))
    assert not config.is_open(datetime(2026, 11, 25, 0, 0, tzinfo=ZoneInfo("UTC")))  # 07:00 in Jakarta
    assert parse_config(hall(), Path("/tmp/config.yaml")).is_open(datetime(2026, 11, 25, 3, 0, tzinfo=JAKARTA))


def test_opening_hours_must_close_after_they_open():
    assert problems(hall(hall={**SMALL_HALL["hall"], "opening_hours": "16:00-07:30"})) == [
        "hall.opening_hours: must close after it opens, got '16:00-07:30'"
    ]
