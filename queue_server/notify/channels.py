"""What a notification channel is: the ``Channel`` protocol a hall's own channel implements too.

A channel names the targets a message has on it (``targets``: push subscriptions, a phone number)
and delivers one delivery at a time on its own worker thread (queue_server/notify/notifier.py),
outside every transaction. ``deliver`` returns on success and raises ``Undeliverable`` otherwise:
``final`` when trying again cannot help (the subscription is gone).
"""

from __future__ import annotations

from typing import Protocol

from .messages import Message


class Undeliverable(Exception):
    def __init__(self, reason: str, final: bool = False):
        super().__init__(reason)
        self.reason = reason[:500]
        self.final = final


class Channel(Protocol):
    name: str

    def attempts(self) -> int:
        """How many tries a delivery gets before it is given up."""
        ...

    def targets(self, message: Message) -> list[str]:
        """Where ``message`` goes on this channel (none: the channel is off, or the visitor left nothing)."""
        ...

    def deliver(self, delivery: dict) -> None:
        """Send ``delivery`` (its ``message`` as ``Message.as_json`` made it, its ``target``)."""
        ...
