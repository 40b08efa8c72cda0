"""Tracking codes: what a complainant keeps to follow their complaint, and all they need to.

A code is 10 symbols of Crockford's base32 (no I, L, O, U) drawn by ``secrets``: 50 bits, so neither
guessed nor walked through; shown grouped behind ``PGD`` (pengaduan) as ``PGD-7K3M-Q9XA-2F``. Read
back as people type it: any case, with or without the dashes, spaces and the ``PGD``, O for 0 and
I or L for 1. Only the 10 symbols are stored.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
PREFIX = "PGD"
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """The stored code as people read it: ``PGD-7K3M-Q9XA-2F``."""
    return f"{PREFIX}-{code[:4]}-{code[4:8]}-{code[8:]}"


def stored(typed: str) -> str | None:
    """The stored form of a code as typed, or None when it cannot be one (then it is not found,
    exactly as an unknown code is)."""
    text = typed.upper().translate(_TYPED)
    if len(text) == len(PREFIX) + LENGTH and text.startswith(PREFIX):
        text = text[len(PREFIX) :]
    if len(text) != LENGTH or any(symbol not in ALPHABET for symbol in text):
        return None
    return text
