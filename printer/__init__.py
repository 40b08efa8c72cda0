"""Printed tickets: the layout (ESC/POS bytes and a PNG preview of the same blocks, layout.py,
paper.py, preview.py), the connections to the printer (connections.py), the print queue that sends
jobs off the request path (jobs.py, service.py), and the printer-agent of a kiosk PC (agent.py).

Nothing of the package is imported here: the printer-agent imports this package on a kiosk PC and
must not pay for the server's layout and preview (Pillow, qrcode, python-escpos's printer classes).
Only python-escpos's cache folder is set (below).
"""

import hashlib
import os
import tempfile
from importlib.util import find_spec
from pathlib import Path


def _escpos_capabilities_cache() -> None:
    """Give python-escpos a lasting folder for its parsed printer profiles.

    Without ``ESCPOS_CAPABILITIES_PICKLE_DIR`` it caches into a new temporary folder on every
    import, so it parses its capabilities file with YAML every time: a quarter of a second, the
    largest part of a server's start-up. Set here, before any module of this package imports escpos;
    a value set by the administrator wins.

    The folder is one per installed python-escpos (several virtual environments on one machine):
    python-escpos rewrites its cache in place whenever its capabilities file is newer than the cache,
    so two installations sharing one folder would keep rewriting it while the other one's processes
    read it, and a server starting then fails on a half-written file.
    """
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    installation = _escpos_installation()
    for folder in (base / "antre" / "escpos" / installation, Path(tempfile.gettempdir()) / f"antre-escpos-{os.getuid()}-{installation}"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)
            return


def _escpos_installation() -> str:
    """A short name for the python-escpos installation this process would import, found without importing it."""
    spec = find_spec("escpos")
    where = spec.origin if spec and spec.origin else "none"
    return hashlib.sha256(where.encode()).hexdigest()[:12]


_escpos_capabilities_cache()
