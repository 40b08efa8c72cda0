"""The signed webhook: each message for a visitor who left a phone number, POSTed as JSON to the
hall's gateway (its WhatsApp or SMS provider), so the hall connects what it already pays for.

The receiver checks ``X-Antre-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` with the shared
secret (README shows how), and may use ``X-Antre-Delivery`` to ignore a repeat: a delivery is sent
again only when no 2xx answer was seen (a timeout, a restart in the middle of sending).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

import requests

from ..clock import Clock, iso
from ..config import NotificationSettings
from .channels import Undeliverable
from .messages import Message

PHONE = "phone"  # the one target of a message on the webhook: the visitor's number, in the message


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(delivery: dict) -> dict:
    """The JSON the gateway receives (docs/CONTRACT.md "Notifications")."""
    message = delivery["message"]
    body = {k: message[k] for k in ("kind", "at", "lang", "text", "phone")}
    body = {"id": delivery["id"], **body}
    for part in ("ticket", "booking"):
        if message[part] is not None:
            body[part] = {k: v for k, v in message[part].items() if v is not None}
    return body


class WebhookChannel:
    name = "webhook"

    def __init__(self, settings: Callable[[], NotificationSettings], clock: Clock):
        self.settings = settings
        self.clock = clock
        self.session = requests.Session()

    def attempts(self) -> int:
        webhook = self.settings().webhook
        return webhook.attempts if webhook else 1

    def targets(self, message: Message) -> list[str]:
        return [PHONE] if self.settings().webhook is not None and message.phone else []

    def deliver(self, delivery: dict) -> None:
        webhook = self.settings().webhook
        if webhook is None:
            raise Undeliverable("notifications.webhook is no longer set", final=True)
        raw = json.dumps(body_of(delivery), ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Antre-Signature": signature(webhook.secret, raw),
            "X-Antre-Delivery": str(delivery["id"]),
            "X-Antre-Timestamp": iso(self.clock()),
        }
        try:
            response = self.session.post(webhook.url, data=raw, headers=headers, timeout=webhook.timeout_seconds)
        except requests.RequestException as error:
            raise Undeliverable(f"{type(error).__name__}: {error}") from None
        if not 200 <= response.status_code < 300:
            raise Undeliverable(f"HTTP {response.status_code}")
