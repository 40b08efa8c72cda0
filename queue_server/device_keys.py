"""Device keys: how a hall's own devices (a kiosk PC, the survey tablet beside a counter) prove what
they are, with no officer logged in on them.

``antre kiosk-key ID`` / ``antre survey-key COUNTER`` make a key and print it once; only its SHA-256
is stored (meta ``<kind>_key:<device>``), so a copy of the database opens no device. The device's
browser is paired once by opening a pairing page with the key, which keeps it in an HttpOnly cookie:
the page's script cannot read it and other sites' requests do not carry it (SameSite=Strict).
A new key for the same device replaces the old one at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from flask import Response, request

from .store import Store

COOKIE_YEARS = 10
KIOSK = "kiosk"
SURVEY_TABLET = "survey"


def new_device_key(store: Store, kind: str, device: str) -> str:
    """A new key for one device of ``kind`` (replacing any earlier one); shown once, stored as a digest."""
    key = secrets.token_urlsafe(24)
    with store.write() as tx:
        tx.set_meta(_meta_name(kind, device), _digest(key))
    return key


def device_of_key(store: Store, kind: str, devices: Iterable[str], key: str) -> str | None:
    """The device among ``devices`` whose key this is, or None; compared in constant time."""
    if not key:
        return None
    sent = _digest(key)
    with store.read() as tx:
        for device in devices:
            stored = tx.meta(_meta_name(kind, device))
            if stored and hmac.compare_digest(stored, sent):
                return device
    return None


def keep_in_cookie(response: Response, cookie: str, key: str) -> Response:
    """The pairing: the browser keeps ``key`` for years, out of its scripts' reach."""
    response.set_cookie(
        cookie, key, max_age=COOKIE_YEARS * 365 * 86400, httponly=True, samesite="Strict", secure=request.is_secure, path="/"
    )
    return response


def _meta_name(kind: str, device: str) -> str:
    return f"{kind}_key:{device}"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
