"""Officers managed by administrators (queue_server/accounts.py, queue_server/roles.py): roles, agency
admins, enabling, password resets, ending sessions, and the audit trail, on a temporary SQLite file."""

from __future__ import annotations

import json

import pytest
from antre.queue_server.accounts import LoginFailed, may_act_on
from antre.queue_server.config import load_config
from antre.queue_server.engine import Conflict, InvalidInput, NotFound
from antre.queue_server.hall import open_hall
from antre.queue_server.roles import Forbidden

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, write_config


@pytest.fixture
def people(hall):
    """A hall admin, the Disdukcapil agency admin, siti (counters 1, 2: Disdukcapil) and budi (3: Imigrasi)."""
    accounts = hall.accounts
    admin = accounts.add("admin", PASSWORD, "admin")
    dukcapil = accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    accounts.add("siti", PASSWORD, "officer", ["1", "2"])
    accounts.add("budi", PASSWORD, "officer", ["3"])
    return {"admin": admin, "dukcapil": dukcapil}


def audit(hall) -> list[dict]:
    with hall.store.read() as tx:
        rows = tx.conn.execute("SELECT officer_id, details FROM events WHERE kind = 'officer_changed' ORDER BY id").fetchall()
    return [{"by": row[0], **json.loads(row[1])} for row in rows]


def test_an_agency_admin_sees_and_manages_only_the_officers_of_their_agency(hall, people):
    dukcapil = people["dukcapil"]
    assert [o["username"] for o in hall.accounts.list(by=dukcapil)] == ["dukcapil", "siti"]
    hall.accounts.update("siti", dukcapil, counters=["2"])
    with pytest.raises(Forbidden):
        hall.accounts.disable("budi", dukcapil)
    with pytest.raises(Forbidden):
        hall.accounts.reset_password("admin", dukcapil)
    with pytest.raises(Forbidden):
        hall.accounts.update("siti", dukcapil, counters=["3"])  # Imigrasi's counter


def test_an_agency_admin_can_never_make_a_hall_admin(hall, people):
    with pytest.raises(Forbidden):
        hall.accounts.add("boss", PASSWORD, "admin", by=people["dukcapil"])
    with pytest.raises(Forbidden):
        hall.accounts.update("siti", people["dukcapil"], role="admin")
    with pytest.raises(Forbidden):
        hall.accounts.add("imi", PASSWORD, "agency_admin", agency="Kantor Imigrasi", by=people["dukcapil"])


def test_an_officer_added_by_an_agency_admin_belongs_to_their_agency(hall, people):
    added = hall.accounts.add("rina", PASSWORD, "officer", ["1"], by=people["dukcapil"])
    assert added["agency"] == "Disdukcapil"


def test_an_agency_admin_acts_on_the_counters_of_their_agency_only(hall, people):
    dukcapil = people["dukcapil"]
    assert may_act_on(dukcapil, "1", hall.config) and may_act_on(dukcapil, "2", hall.config)
    assert not may_act_on(dukcapil, "3", hall.config)
    assert may_act_on(people["admin"], "3", hall.config)


def test_a_disabled_officer_enabled_again_logs_in(hall, people):
    hall.accounts.disable("siti", people["admin"])
    with pytest.raises(LoginFailed):
        hall.accounts.login("siti", PASSWORD)
    assert hall.accounts.enable("siti", people["admin"])["active"] is True
    token, _ = hall.accounts.login("siti", PASSWORD)
    assert hall.accounts.authenticate(token)["username"] == "siti"


def test_a_reset_gives_a_one_time_password_that_must_be_changed(hall, people):
    old_token, _ = hall.accounts.login("siti", PASSWORD)
    one_time, officer = hall.accounts.reset_password("siti", people["admin"])
    assert officer["must_change_password"] is True
    assert hall.accounts.authenticate(old_token) is None  # the reset ended her sessions
    with pytest.raises(LoginFailed):
        hall.accounts.login("siti", PASSWORD)
    token, siti = hall.accounts.login("siti", one_time)
    assert siti["must_change_password"] is True
    with pytest.raises(InvalidInput) as same:
        hall.accounts.change_own_password(siti, one_time, one_time)
    assert same.value.field == "new_password"
    with pytest.raises(InvalidInput) as wrong:
        hall.accounts.change_own_password(siti, "not-the-one", "sandi-baru-siti")
    assert wrong.value.field == "current_password"
    assert hall.accounts.change_own_password(siti, one_time, "sandi-baru-siti")["must_change_password"] is False
    assert hall.accounts.authenticate(token)["must_change_password"] is False


def test_ending_sessions_logs_the_officer_out_everywhere(hall, people):
    tokens = [hall.accounts.login("siti", PASSWORD)[0] for _ in range(2)]
    assert hall.accounts.sessions()[hall.accounts.get("siti")["id"]]["sessions"] == 2
    hall.accounts.end_sessions("siti", people["admin"])
    assert [hall.accounts.authenticate(t) for t in tokens] == [None, None]
    assert hall.accounts.get("siti")["id"] not in hall.accounts.sessions()


def test_the_last_active_hall_admin_cannot_be_disabled_or_demoted(hall, people):
    with pytest.raises(Conflict) as refused:
        hall.accounts.disable("admin", people["admin"])
    assert "last active hall admin" in refused.value.message
    with pytest.raises(Conflict):
        hall.accounts.update("admin", people["admin"], role="officer", counters=["1"])
    hall.accounts.add("kepala", PASSWORD, "admin")
    assert hall.accounts.disable("admin", people["admin"])["active"] is False


def test_every_change_is_audited_with_who_and_before_and_after_but_no_password(hall, people):
    hall.accounts.update("siti", people["dukcapil"], counters=["1"])
    hall.accounts.reset_password("siti", people["admin"])
    trail = audit(hall)
    assert [entry["what"] for entry in trail][-2:] == ["edited", "password_reset"]
    edited = trail[-2]
    assert edited["by"] == people["dukcapil"]["id"]
    assert (edited["before"]["counters"], edited["after"]["counters"]) == (["1", "2"], ["1"])
    assert "hash" not in json.dumps(trail) and "password_hash" not in json.dumps(trail)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda a: a.add("Bad Name!", PASSWORD, "officer", ["1"]), "username"),
        (lambda a: a.add("rina", "short", "officer", ["1"]), "password"),
        (lambda a: a.add("rina", PASSWORD, "officer", ["9"]), "counters"),
        (lambda a: a.add("rina", PASSWORD, "agency_admin", agency="Samsat"), "agency"),
        (lambda a: a.add("rina", PASSWORD, "agency_admin"), "agency"),
        (lambda a: a.add("rina", PASSWORD, "chief"), "role"),
        (lambda a: a.add("rina", PASSWORD, "agency_admin", ["3"], "Disdukcapil"), "counters"),
    ],
)
def test_bad_input_names_its_field(hall, people, change, field):
    with pytest.raises(InvalidInput) as refused:
        change(hall.accounts)
    assert refused.value.field == field


def test_an_agency_is_found_by_its_short_name_too(tmp_path):
    data = {
        **SMALL_HALL,
        "agencies": [{"name": "Dinas Kependudukan dan Pencatatan Sipil", "short_name": "Disdukcapil"}, {"name": "Kantor Imigrasi"}],
    }
    hall = open_hall(load_config(write_config(tmp_path, data)))
    try:
        added = hall.accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
        assert added["agency"] == "Dinas Kependudukan dan Pencatatan Sipil"
    finally:
        hall.store.close()


def test_unknown_officers_are_not_found(hall, people):
    with pytest.raises(NotFound):
        hall.accounts.enable("nobody", people["admin"])
