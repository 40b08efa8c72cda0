"""Wait-time estimate shown on the kiosk, the ticket and the API.

A first, honest estimate: the people ahead share the counters open for the service, each taking
the service's configured duration. It never promises zero while someone is ahead.
"""

from __future__ import annotations

import math


def estimate_wait(ahead: int, duration_minutes: float, open_counters: int) -> int | None:
    """Minutes until this ticket is likely called; None when no counter serves it right now."""
    if open_counters <= 0:
        return None
    return math.ceil(ahead * duration_minutes / open_counters)
