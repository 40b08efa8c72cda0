"""python-escpos keeps its parsed printer profiles in one lasting folder, so a start reads them from
there instead of parsing its capabilities file again (a quarter of a second of every server start)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

IMPORT_PAPER = "import antre.printer.paper"


def start(home: Path, tmp: Path, **env: str) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("ESCPOS_CAPABILITIES_PICKLE_DIR", "XDG_CACHE_HOME")}
    environment.update(HOME=str(home), TMPDIR=str(tmp), **env)
    subprocess.run([sys.executable, "-c", IMPORT_PAPER], env=environment, check=True, timeout=60)


def test_the_second_start_reads_the_profiles_the_first_one_parsed(tmp_path):
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    start(home, tmp)
    (folder,) = (home / ".cache" / "antre" / "escpos").iterdir()
    (cache,) = folder.iterdir()
    assert cache.name == f"{sys.version.split()[0]}.capabilities.pickle"
    written = cache.stat().st_mtime_ns
    start(home, tmp)
    assert cache.stat().st_mtime_ns == written, "parsed again instead of read from the cache"


def test_a_folder_the_administrator_set_is_kept(tmp_path):
    home, tmp, chosen = tmp_path / "home", tmp_path / "tmp", tmp_path / "chosen"
    for folder in (home, tmp, chosen):
        folder.mkdir()
    start(home, tmp, ESCPOS_CAPABILITIES_PICKLE_DIR=str(chosen))
    assert len(list(chosen.iterdir())) == 1
    assert not (home / ".cache").exists()
