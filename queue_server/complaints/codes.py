"""The complaints' tracking codes (``PGD-7K3M-Q9XA-2F``): the shared codes of queue_server/codes.py
with the complaints' prefix."""

from __future__ import annotations

from ..codes import ALPHABET, COMPLAINTS, LENGTH

__all__ = ["ALPHABET", "LENGTH", "PREFIX", "new_code", "shown", "stored"]

PREFIX = COMPLAINTS.prefix
new_code = COMPLAINTS.new
shown = COMPLAINTS.shown
stored = COMPLAINTS.stored
