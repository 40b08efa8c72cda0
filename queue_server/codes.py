"""Tracking codes: what a visitor keeps to follow a complaint (``PGD``) or a booking (``BKG``), and
all they need to.

A code is 10 symbols of Crockford's base32 (no I, L, O, U) drawn by ``secrets``: 50 bits, so neither
guessed nor walked through; shown grouped behind its prefix as ``PGD-7K3M-Q9XA-2F``. Read back as
people type it: any case, with or without the dashes, spaces and the prefix, O for 0 and I or L for
1. Only the 10 symbols are stored.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


class TrackingCodes:
    """The codes of one kind, told apart by their ``prefix`` (three letters, none of them I, L, O or
    U, so the tolerant reading never changes them)."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    @staticmethod
    def new() -> str:
        return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))

    def shown(self, code: str) -> str:
        """The stored code as people read it: ``PGD-7K3M-Q9XA-2F``."""
        return f"{self.prefix}-{code[:4]}-{code[4:8]}-{code[8:]}"

    def stored(self, typed: str) -> str | None:
        """The stored form of a code as typed, or None when it cannot be one (then it is not found,
        exactly as an unknown code is)."""
        text = typed.upper().translate(_TYPED)
        if len(text) == len(self.prefix) + LENGTH and text.startswith(self.prefix):
            text = text[len(self.prefix) :]
        if len(text) != LENGTH or any(symbol not in ALPHABET for symbol in text):
            return None
        return text


COMPLAINTS = TrackingCodes("PGD")  # pengaduan
BOOKINGS = TrackingCodes("BKG")
