"""Installing Antre claims one top-level name, ``antre``: generic names such as ``printer``,
``display``, ``counter`` or ``kiosk`` would collide with other distributions in site-packages.

The wheel is built from a copy of the tracked files, offline, with the setuptools of the test
environment, and its file list is what ``pip install .`` would put into site-packages.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.slow


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if (ROOT / line).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    if not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know the tracked files")
    source = tmp_path_factory.mktemp("source")
    for name in tracked_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (path,) = dist.glob("antre-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_installs_only_the_antre_namespace(wheel):
    tops = {name.split("/", 1)[0] for name in wheel.namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"antre"}


def test_the_six_folders_are_packages_of_antre_with_their_pages_and_catalogue(wheel):
    names = set(wheel.namelist())
    for package in ("queue_server", "kiosk", "display", "counter", "printer", "admin"):
        assert f"antre/{package}/__init__.py" in names
    assert "antre/display/static/js/notices.js" in names
    assert "antre/queue_server/announce/__init__.py" in names
    assert "antre/kiosk/templates/kiosk/kiosk.html" in names
    assert {"antre/admin/templates/admin/base.html", "antre/admin/static/officers.js"} <= names
    assert "antre/queue_server/openapi.json" in names
    assert {"antre/queue_server/static/vendor/chart.umd.min.js", "antre/queue_server/static/vendor/chart.js.LICENSE"} <= names
    assert {"antre/queue_server/translations/id.po", "antre/queue_server/translations/en.po"} <= names
    assert not any(name.startswith(("antre/tests/", "antre/bench/")) for name in names)


def test_the_console_script_points_into_the_namespace(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "antre = antre.queue_server.cli:main" in wheel.read(entry_points).decode()


def test_every_python_package_of_the_source_is_in_the_wheel(wheel):
    # A subpackage left out of pyproject's list installs without error and fails at the first import.
    names = set(wheel.namelist())
    for init in sorted(ROOT.glob("*/**/__init__.py")):
        relative = init.relative_to(ROOT)
        if relative.parts[0] in ("queue_server", "kiosk", "display", "counter", "printer", "admin"):
            assert f"antre/{relative.as_posix()}" in names, relative
