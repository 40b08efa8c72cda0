"""Web Push (RFC 8030, payloads encrypted per RFC 8291 aes128gcm, VAPID per RFC 8292) through
pywebpush: the hall's VAPID key pair is made on first use and kept in the database's meta; only
the public key leaves the server (``GET /api/v1/push/key``).

A browser's ``PushSubscription`` is checked before it is kept (``subscription``): an https endpoint
(plain http only on 127.0.0.1/localhost, for tests and a hall's own trials) and the two keys. A
subscription its push service answers 404 or 410 is gone for good and is dropped.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPusher

from ..config import NotificationSettings
from ..engine import InvalidInput
from .channels import Undeliverable
from .messages import Message
from .store import NotifyStore

MOST_PER_OWNER = 3  # subscriptions one ticket or booking may have (a phone, a tablet, a second browser)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
TTL_SECONDS = 12 * 3600  # a push a phone cannot take now is kept this long; the VAPID token lives as long (at most 24 h)
TIMEOUT_SECONDS = 10


def _b64url_bytes(value: object, name: str, length: int) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise InvalidInput("notify.error.subscription", name)
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        raise InvalidInput("notify.error.subscription", name) from None
    if len(raw) != length:
        raise InvalidInput("notify.error.subscription", name)
    return value


def subscription(body: dict) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) of a browser's ``PushSubscription.toJSON()``, or 400 naming the field."""
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str) or len(endpoint) > 1000:
        raise InvalidInput("notify.error.subscription", "endpoint")
    parts = urlsplit(endpoint)
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)):
        raise InvalidInput("notify.error.endpoint", "endpoint")
    keys = body.get("keys")
    if not isinstance(keys, dict):
        raise InvalidInput("notify.error.subscription", "keys")
    return endpoint, _b64url_bytes(keys.get("p256dh"), "keys.p256dh", 65), _b64url_bytes(keys.get("auth"), "keys.auth", 16)


class PushChannel:
    name = "push"

    def __init__(self, store: NotifyStore, settings: Callable[[], NotificationSettings], contact: Callable[[], str]):
        self.store = store
        self.settings = settings
        self.contact = contact  # the hall's public address: the VAPID ``sub`` the push services may write to
        self.session = requests.Session()

    def attempts(self) -> int:
        return 5

    def vapid(self) -> Vapid:
        def make() -> str:
            vapid = Vapid()
            vapid.generate_keys()
            return vapid.private_pem().decode()

        return Vapid.from_pem(self.store.vapid_key(make).encode())

    def public_key(self) -> str:
        """The base64url uncompressed P-256 point a page passes as ``applicationServerKey``."""
        raw = self.vapid().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def targets(self, message: Message) -> list[str]:
        if not self.settings().push:
            return []
        return [str(row["id"]) for row in self.store.subscriptions(*message.owner)]

    def deliver(self, delivery: dict) -> None:
        row = self.store.subscription(int(delivery["target"]))
        if row is None:
            raise Undeliverable("the subscription was removed", final=True)
        message = delivery["message"]
        payload = {"title": message["title"], "body": message["text"], "url": message["url"], "tag": f"{message['kind']}:{message['ref']}"}
        endpoint = urlsplit(row["endpoint"])
        claims = {"sub": self._sub(), "aud": f"{endpoint.scheme}://{endpoint.netloc}", "exp": int(time.time()) + TTL_SECONDS}
        info = {"endpoint": row["endpoint"], "keys": {"p256dh": row["p256dh"], "auth": row["auth"]}}
        try:
            headers = self.vapid().sign(claims)
            response = WebPusher(info, requests_session=self.session).send(
                json.dumps(payload, ensure_ascii=False), headers, ttl=TTL_SECONDS, content_encoding="aes128gcm", timeout=TIMEOUT_SECONDS
            )
        except requests.RequestException as error:
            raise Undeliverable(f"{type(error).__name__}: {error}") from None
        if response.status_code in (404, 410):
            self.store.drop_endpoint(row["endpoint"])
            raise Undeliverable(f"HTTP {response.status_code}: the subscription is gone", final=True)
        if not 200 <= response.status_code < 300:
            raise Undeliverable(f"HTTP {response.status_code}")

    def _sub(self) -> str:
        base = urlsplit(self.contact())
        return base.geturl() if base.scheme == "https" else f"mailto:antre@{base.hostname or 'localhost'}"
