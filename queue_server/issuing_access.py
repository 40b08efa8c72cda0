"""Who may take a ticket, and how many: one anonymous client must not be able to flood a hall.

- An officer's token (``Authorization: Bearer``, or the console's session) always issues: a ticket
  made at a desk by someone the hall trusts, whatever the hour.
- A kiosk proves it is one with its device key (queue_server/device_keys.py), like the print agent:
  ``antre kiosk-key ID`` makes it, only its SHA-256 is stored (meta ``kiosk_key:ID``), and the kiosk PC sends it as
  ``Authorization: Kiosk KEY`` or, once paired at ``/kiosk/pair``, in an HttpOnly cookie that the
  page's script cannot read (nothing secret is in the page's source). Naming a ``kiosk`` without its
  key is 401: a kiosk's tickets are printed on paper the hall pays for.
- Anyone else (a phone, a script) issues only where config ``issuing.anonymous`` is true, at most
  ``per_address_per_hour`` tickets per address and ``anonymous_per_day`` in all per local day. The
  counts live in this process's memory: a restart forgets them, which costs at most one more
  allowance; holding them in the database would add a write per refusal. Several server processes
  (``--workers N``) each count their own, so together they allow up to N times as many.

Kiosks and anonymous clients also obey the hall's rules (opening hours, an open counter), checked by
the issuer (queue_server/issuing.py); an officer's desk ticket does not.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import request

from .accounts import Throttled
from .config import IssuingSettings
from .device_keys import KIOSK, device_of_key, new_device_key
from .engine import Engine, InvalidInput
from .errors import ApiError
from .ratelimit import SlidingWindow
from .roles import require_own_password
from .session import csrf_valid, session_token
from .store import Store

if TYPE_CHECKING:
    from .hall import Hall

COOKIE = "antre_kiosk_key"
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Channel:
    """Where a ticket request comes from: a kiosk, an officer's desk, or an anonymous address."""

    kiosk: str | None = None
    officer_id: int | None = None
    address: str | None = None

    @property
    def desk(self) -> bool:
        return self.officer_id is not None


def new_kiosk_key(store: Store, kiosk: str) -> str:
    """A new device key for a kiosk (replacing any earlier one); shown once, stored as a digest."""
    return new_device_key(store, KIOSK, kiosk)


def kiosk_of_key(store: Store, kiosks: Iterable[str], key: str) -> str | None:
    """The kiosk among ``kiosks`` whose key this is, or None; compared in constant time."""
    return device_of_key(store, KIOSK, kiosks, key)


def request_channel(hall: Hall, named_kiosk: object, bearer: str) -> Channel:
    """The channel of the current request (``bearer``: its Bearer token or ''), or ApiError 401
    when it may not issue at all."""
    if named_kiosk is not None and (not isinstance(named_kiosk, str) or named_kiosk not in hall.config.kiosks):
        raise InvalidInput("error.unknown_kiosk", "kiosk", kiosk=named_kiosk)
    key = _kiosk_credential()
    if key is not None:
        kiosk = kiosk_of_key(hall.store, hall.config.kiosks if named_kiosk is None else [named_kiosk], key)
        if kiosk is None:
            raise ApiError(401, "unauthorized", "error.kiosk_key", "kiosk")
        return Channel(kiosk=kiosk)
    if named_kiosk is not None:
        raise ApiError(401, "unauthorized", "error.kiosk_key", "kiosk")
    # The console's session counts only with its CSRF token; without it the request is anyone's
    # (a phone page in the browser where an officer is logged in), never a 403.
    officer_token = bearer or (session_token() if csrf_valid() else "")
    if officer_token:
        officer = hall.accounts.authenticate(officer_token)
        if officer is None:
            raise ApiError(401, "unauthorized", "error.log_in_first")
        require_own_password(officer)
        return Channel(officer_id=officer["id"])
    if not hall.config.issuing.anonymous:
        raise ApiError(401, "unauthorized", "error.issuing_closed")
    return Channel(address=client_of(request.remote_addr or ""))


def requesting_kiosk(hall: Hall) -> str | None:
    """The kiosk this request proves to be (its key in the header or the paired browser's cookie),
    None when it sends no kiosk key; ApiError 401 for a key no kiosk has."""
    key = _kiosk_credential()
    if key is None:
        return None
    kiosk = kiosk_of_key(hall.store, hall.config.kiosks, key)
    if kiosk is None:
        raise ApiError(401, "unauthorized", "error.kiosk_key", "kiosk")
    return kiosk


def client_of(address: str) -> str:
    """What the per-address limit counts: an IPv4 address, or an IPv6 /64 (one phone or home gets a
    whole /64 and may pick any address in it, so counting single IPv6 addresses would limit nothing)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def _kiosk_credential() -> str | None:
    """The kiosk key sent with this request (header first, then the paired browser's cookie), or None."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "kiosk":
        return credential.strip()
    if scheme:
        return None
    return request.cookies.get(COOKIE)


class AnonymousLimit:
    """``issuing.per_address_per_hour`` and ``issuing.anonymous_per_day`` for anonymous tickets.

    A slot is taken before the ticket is issued and given back if issuing fails (an unknown service,
    the hall closed), so refused requests cost the client nothing and parallel ones cannot overshoot."""

    def __init__(self, settings: IssuingSettings, engine: Engine):
        self.settings = settings
        self.engine = engine
        self._per_address = SlidingWindow(settings.per_address_per_hour, HOUR, engine.clock, "error.issuing_rate")
        self._lock = threading.Lock()
        self._day = ""
        self._today = 0

    @contextmanager
    def slot(self, address: str) -> Iterator[None]:
        day = self.engine.local_day(self.engine.clock())
        with self._lock:  # the day's cap and the address's window are judged together
            if day != self._day:
                self._day, self._today = day, 0
            if self._today >= self.settings.anonymous_per_day:
                raise Throttled("error.issuing_daily_cap")
            taken = self._per_address.take(address)
            self._today += 1
        try:
            yield
        except BaseException:
            self._per_address.give_back(address, taken)
            with self._lock:
                if self._day == day:
                    self._today -= 1
            raise
