"""examples/mpp-besar.yaml, the hall at real size: what a reader of the file, and every screen tested on
it, relies on. The figures are those of the large halls it is modelled on (Palembang: 30+ agencies and
312 permits; DKI Jakarta: 328 services), so a screen that fits this hall fits theirs."""

from __future__ import annotations

import re
import shutil
from collections import Counter as Tally

import pytest
from antre.queue_server.config import HallConfig, load_config

from tests.support import REAL_SIZE_HALL as EXAMPLE
from tests.support import ROOT, antre

CODE = re.compile(r"^[A-HJ-NP-Z]{2}$")  # two letters, never I or O (misread as 1 and 0)


@pytest.fixture(scope="module")
def hall() -> HallConfig:
    return load_config(EXAMPLE)


def test_it_hosts_more_than_thirty_agencies_each_with_an_official_and_a_short_name(hall):
    assert len(hall.agencies) >= 32
    for agency in hall.agencies.values():
        assert agency.short_name, f"{agency.name} has no short name"
        assert len(agency.name) > len(agency.short_name), f"{agency.name}: the official name is the long one"
    assert sum(len(a.name) >= 40 for a in hall.agencies.values()) >= 15, "official names at their real length"
    per_agency = Tally(s.agency for s in hall.services.values())
    assert set(per_agency) == set(hall.agencies), "every agency offers services, and only listed agencies do"
    assert all(3 <= n <= 25 for n in per_agency.values()), per_agency


def test_it_offers_exactly_300_services_each_with_requirements_fee_and_search_words(hall):
    assert len(hall.services) == 300
    for code, service in hall.services.items():
        assert CODE.match(code), code
        assert 2 <= len(service.requirements) <= 6, code
        assert service.fee, code
        assert 2 <= len(service.keywords) <= 5, code
        assert all(word == word.lower() for word in service.keywords), code


def test_sixty_counters_on_three_floors_serve_every_service_each_for_one_agency(hall):
    floors = Tally(counter_id[0] for counter_id in hall.counters)
    assert len(hall.counters) == 60
    assert floors == {"1": 20, "2": 20, "3": 20}
    assert [code for code in hall.services if not hall.counters_for_service(code)] == []
    for counter in hall.counters.values():
        assert len({hall.services[code].agency for code in counter.services}) == 1, counter.name
    assert "Loket 7 Pengaduan dan Informasi Terpadu" in {c.name for c in hall.counters.values()}


def test_each_agency_is_on_exactly_one_floor_display_with_its_counters(hall):
    assert set(hall.displays) == {"lantai1", "lantai2", "lantai3"}
    shown = Tally(agency for screen in hall.displays.values() for agency in screen.agencies)
    assert shown == Tally(list(hall.agencies)), "every agency on exactly one display"
    for screen in hall.displays.values():
        floor = screen.id.removeprefix("lantai")
        for counter in hall.counters.values():
            if hall.services[counter.services[0]].agency in screen.agencies:
                assert counter.id.startswith(floor), f"{counter.name} is shown on {screen.name}"
    assert set(hall.kiosks) == {"lobi", "lantai2", "lantai3"}
    assert hall.kiosks["lobi"].name == "Kiosk Lobi Utama"


def test_a_visitor_typing_paspor_sim_or_npwp_has_services_to_find(hall):
    def tagged(word: str) -> list[str]:
        return [s.name for s in hall.services.values() if word in s.keywords]

    assert any(name.startswith("Paspor") for name in tagged("paspor"))
    passports = [s for s in hall.services.values() if "Paspor" in s.name and hall.agency(s.agency).label == "Imigrasi"]
    assert len(passports) >= 5 and all({"paspor", "passport"} <= set(s.keywords) for s in passports), "found in either language"
    assert any(name.startswith("SIM") for name in tagged("sim"))
    assert any("NPWP" in name for name in tagged("npwp"))
    assert any("KTP" in name for name in tagged("e-ktp"))


def test_it_is_a_real_hall_that_issues_only_from_kiosks_and_keeps_its_data_beside_the_repository(hall):
    assert not hall.issuing.anonymous
    assert not hall.kiosk_requires_open_counter
    assert hall.database.resolve() == ROOT / "data" / "mpp-besar.db", "data/ is ignored by git"
    assert hall.printer["kind"] == "file"
    assert hall.breaks, "a break rota"


def test_antre_init_creates_its_database_on_a_copy(tmp_path):
    folder = tmp_path / "examples"
    folder.mkdir()
    copy = shutil.copy(EXAMPLE, folder / EXAMPLE.name)

    result = antre(copy, "init")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "mpp-besar.db").exists(), "the database sits where the file says, relative to it"
