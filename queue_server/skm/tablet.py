"""The survey tablet beside a counter: its device key, and the offer it shows for the ticket that
counter has just completed.

A ticket's id is the survey's token (whoever holds it may answer once), so it must never reach a
browser the hall has not paired: the tablet is a paired device like a kiosk (queue_server/
device_keys.py), ``antre survey-key COUNTER`` makes its key and ``/survey/pair`` keeps it in the
HttpOnly cookie ``antre_survey_key``. The live channel (queue_server/live.py) sends the offer only
to a connection carrying that counter's key, and the survey endpoint records a response sent with it
as the ``tablet`` channel.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..clock import iso, parse_iso
from ..device_keys import SURVEY_TABLET, device_of_key, new_device_key
from ..store import Store

if TYPE_CHECKING:
    from ..hall import Hall

COOKIE = "antre_survey_key"
TABLET, PHONE = "tablet", "phone"


def new_tablet_key(store: Store, counter: str) -> str:
    """A new key for the survey tablet of ``counter`` (replacing any earlier one); shown once."""
    return new_device_key(store, SURVEY_TABLET, counter)


def tablet_of_key(store: Store, counters: Iterable[str], key: str | None) -> str | None:
    """The counter among ``counters`` whose tablet key this is, or None."""
    return device_of_key(store, SURVEY_TABLET, counters, key or "")


def channel_of(hall: Hall, ticket_id: str, key: str | None) -> str:
    """``tablet`` when the response comes with the tablet key of the counter that served the ticket,
    else ``phone``: the channel is read from the request, never believed from its body."""
    if not key:
        return PHONE
    with hall.store.read() as tx:
        ticket = tx.ticket(ticket_id)
    counter = ticket and ticket["counter_id"]
    return TABLET if counter and tablet_of_key(hall.store, [counter], key) == counter else PHONE


def offer(hall: Hall, event_id: int, ticket: dict, finished_at: str, now: datetime) -> dict[str, Any]:
    """The ``survey_offer`` message: the ticket just completed (its id is what the tablet answers
    with), and when the offer ends, as a time and as seconds left (a tablet's clock may be wrong)."""
    until = parse_iso(finished_at) + timedelta(seconds=hall.config.survey.tablet_seconds)
    service = hall.config.services.get(ticket["service"])
    return {
        "seq": event_id,
        "ticket": {"id": ticket["id"], "number": ticket["number"], "service_name": service.name if service else ticket["service"]},
        "until": iso(until),
        "seconds": max(0, round((until - now).total_seconds())),
    }


def open_offer(hall: Hall, counter: str) -> dict[str, Any] | None:
    """What a tablet joining now should show: the counter's last completed ticket while its offer
    lasts and nobody has answered for it yet; None otherwise."""
    if not hall.config.survey.enabled:
        return None
    now = hall.engine.clock()
    since = iso(now - timedelta(seconds=hall.config.survey.tablet_seconds))
    with hall.store.read() as tx:
        completed = tx.last_completed_at_counter(counter, since)
        ticket = tx.ticket(completed["ticket_id"]) if completed else None
    if ticket is None or hall.survey.state(ticket["id"])["state"] != "open":
        return None
    return offer(hall, completed["id"], ticket, completed["at"], now)
