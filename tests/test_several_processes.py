"""Several server processes on one database (``antre run --workers N``): the hall's single jobs are
done once, by the leader, and what one process answers from memory (the wait estimate) agrees with
every other's. Two apps on one database file in this process stand for two workers; one test kills a
real process with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from antre.printer.loopback import LoopbackPrinter
from antre.queue_server.announce import Renderer, Voice, announcement_text
from antre.queue_server.app import create_app
from antre.queue_server.clock import system_clock
from antre.queue_server.hall import hall_of
from antre.queue_server.issuing_access import new_kiosk_key
from antre.queue_server.leader import Leadership, LogWatch

from tests.notify_support import Gateway, serve
from tests.support import BOOKABLE_HALL, RENDER_DEADLINE, SMALL_HALL, needs_espeak, wait_until, write_config

API = "/api/v1"


def printed_hall(printer: LoopbackPrinter) -> dict:
    return {**SMALL_HALL, "printer": {"kind": "network", "host": "127.0.0.1", "port": printer.port, "timeout_seconds": 2}}


@pytest.fixture
def workers(tmp_path, clock):
    """``workers(data, n)``: n apps on one config and database, made in order (the first leads)."""
    made = []

    def make(data: dict, n: int = 2, at=clock) -> list:
        config = write_config(tmp_path, data)
        apps = [create_app(config, at) for _ in range(n)]
        for app in apps:
            app.config["TESTING"] = True
        made.extend(apps)
        return apps

    yield make
    for app in made:
        close(app)


def close(app) -> None:
    """As the process ending would: its threads stop, its store closes, its leadership goes."""
    hall = hall_of(app)
    if hall.store.closed:
        return
    hall.presence.close()
    hall.announcer.close()
    hall.printing.stop()
    hall.store.close()


def kiosk_ticket(app, service: str = "A") -> dict:
    key = new_kiosk_key(hall_of(app).store, "k1")
    response = app.test_client().post(f"{API}/tickets", json={"service": service, "kiosk": "k1"}, headers={"Authorization": f"Kiosk {key}"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def job_status(app, ticket: dict) -> str:
    return app.test_client().get(f"{API}/tickets/{ticket['id']}").get_json()["print"]["status"]


# --- the estimate from the log --------------------------------------------------------------------
def test_calls_and_completions_through_one_process_move_the_estimates_of_the_other(workers, clock):
    first, second = (hall_of(app).engine for app in workers(SMALL_HALL))
    first.open_counter("1")
    first.open_counter("2")
    tickets = [first.issue("A") for _ in range(8)]
    for _ in range(3):  # much slower than the 6 minutes the config expects: the estimate learns it
        first.call_next("1")
        clock.advance(minutes=20)
        first.complete("1")
    waiting = [ticket["id"] for ticket in tickets[3:]]
    seen_first, seen_second = first.ticket_views(waiting), second.ticket_views(waiting)
    assert seen_second == seen_first
    assert second.estimates.times.mean("A") > 6, "the second process learnt from the first one's completions"
    last = waiting[-1]
    assert second.ticket(last) == first.ticket(last)
    first.call_next("1")
    clock.advance(minutes=40)
    first.complete("1")
    issued = second.issue("A")  # its answer already knows what the first process has just committed
    assert issued == first.ticket(issued["id"])


def test_both_processes_answer_the_same_ticket_page(workers, clock):
    first, second = workers(SMALL_HALL)
    one, two = first.test_client(), second.test_client()
    hall_of(first).engine.open_counter("3")
    ids = [one.post(f"{API}/tickets", json={"service": "C"}).get_json()["id"] for _ in range(4)]
    hall_of(second).engine.call_next("3")
    clock.advance(minutes=30)
    hall_of(first).engine.complete("3")  # called through the second, completed through the first
    hall_of(second).engine.pause("3", "istirahat")
    clock.advance(minutes=5)
    for ticket_id in ids[1:]:
        assert one.get(f"{API}/tickets/{ticket_id}").get_json() == two.get(f"{API}/tickets/{ticket_id}").get_json()


def test_a_process_started_at_noon_estimates_as_one_running_since_the_morning(clock, workers):
    (morning,) = workers(SMALL_HALL, 1)
    engine = hall_of(morning).engine
    engine.open_counter("3")
    tickets = [engine.issue("C") for _ in range(12)]
    for minutes in (25, 5, 18):  # slow visitors, each followed by the officer's pause before the next call
        engine.call_next("3")
        clock.advance(minutes=minutes)
        engine.complete("3")
        clock.advance(minutes=3)
    engine.pause("3", "sholat")
    clock.advance(minutes=20)
    engine.resume("3")
    noon = create_app(hall_of(morning).config.path, clock)  # a worker started (or restarted) now
    try:
        waiting = [ticket["id"] for ticket in tickets[3:]]
        assert hall_of(noon).engine.ticket_views(waiting) == engine.ticket_views(waiting)
        assert hall_of(noon).engine.estimates.times.gap == engine.estimates.times.gap > 0
    finally:
        close(noon)


# --- leadership -----------------------------------------------------------------------------------
def test_one_process_leads_and_another_takes_over_when_it_stops(tmp_path):
    database = tmp_path / "antre.db"
    first, second = Leadership(database).start(), Leadership(database).start()
    try:
        assert first.is_leader and not second.is_leader
        started = threading.Event()
        second.when_leading(started.set)
        assert not started.is_set()
        first.close()
        wait_until(started.is_set, timeout=5, message="the second process leads")
        assert second.is_leader
    finally:
        first.close()
        second.close()


def test_a_poke_makes_the_watch_look_at_once(hall):
    watch = LogWatch(hall.store, every=3600)  # it would look in an hour
    woken = threading.Event()
    watch.on_growth(woken.set)
    watch.start()
    hall.engine.issue("A")  # as another process's commit, told by the live channel's bus
    watch.poke()
    wait_until(woken.is_set, timeout=5, message="the watch looked")


CHILD = """
import sys
from antre.queue_server.app import create_app
from antre.queue_server.hall import hall_of

app = create_app(sys.argv[1])
print("leading" if hall_of(app).leadership.is_leader else "not leading", flush=True)
sys.stdin.read()
"""


def test_a_leader_killed_outright_hands_its_printing_to_another_process(tmp_path, workers):
    with LoopbackPrinter() as printer:
        config = write_config(tmp_path, printed_hall(printer))
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(config)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "leading"
            (app,) = workers(printed_hall(printer), 1, system_clock)
            assert not hall_of(app).leadership.is_leader
            first = kiosk_ticket(app)
            (data,) = printer.wait_for_tickets(1, timeout=15)  # printed by the other process, the leader
            assert first["number"].encode() in data
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
            wait_until(lambda: hall_of(app).leadership.is_leader, timeout=5, message="this process leads once the leader is gone")
            second = kiosk_ticket(app)
            tickets = printer.wait_for_tickets(2, timeout=15)
            assert second["number"].encode() in tickets[1]
            wait_until(lambda: job_status(app, second) == "sent", message="the job is sent")
            assert len(printer.tickets) == 2, "each ticket printed once"
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()


# --- printing -------------------------------------------------------------------------------------
def test_a_ticket_issued_through_another_process_is_printed_once_by_the_leader(workers, printer):
    printer.start()
    leader, other = workers(printed_hall(printer))
    assert hall_of(leader).leadership.is_leader and not hall_of(other).leadership.is_leader
    tickets = [kiosk_ticket(other), kiosk_ticket(leader), kiosk_ticket(other)]
    printed = printer.wait_for_tickets(3)
    assert [ticket["number"].encode() in data for ticket, data in zip(tickets, printed, strict=True)] == [True] * 3
    wait_until(lambda: all(job_status(other, ticket) == "sent" for ticket in tickets), message="every job sent")
    assert len(printer.tickets) == 3
    assert not any(queue.running for queue in hall_of(other).printing.queues.values()), "the other process sends nothing"


def test_when_the_leader_stops_the_next_process_prints(workers, printer):
    printer.start()
    leader, other = workers(printed_hall(printer))
    close(leader)
    ticket = kiosk_ticket(other)
    (data,) = printer.wait_for_tickets(1, timeout=15)
    assert ticket["number"].encode() in data
    wait_until(lambda: job_status(other, ticket) == "sent", message="the job is sent")
    assert len(printer.tickets) == 1


def test_every_process_tells_how_the_printer_is_as_the_leader_found_it(workers, printer):
    leader, other = workers(printed_hall(printer))  # the printer is off: connections refused
    ticket = kiosk_ticket(other)

    def seen_by(app) -> dict:
        return app.test_client().get(f"{API}/tickets/{ticket['id']}").get_json()["print"]

    wait_until(lambda: seen_by(other)["printer"] == "offline", message="the other process tells the printer is off")
    assert seen_by(leader)["printer"] == "offline" and seen_by(other)["status"] == "pending"
    printer.start()
    wait_until(lambda: seen_by(other) == {**seen_by(other), "printer": "ok", "status": "sent"}, timeout=15, message="printed, and told so")
    assert len(printer.tickets) == 1


# --- the hall's other single jobs -----------------------------------------------------------------
def test_a_console_seen_by_one_process_keeps_its_counter_open_in_the_leaders_sweep(workers, clock):
    leader, other = workers(SMALL_HALL)
    engine = hall_of(leader).engine
    engine.open_counter("1")
    idle = timedelta(minutes=hall_of(leader).config.counter_idle_minutes)
    clock.advance(seconds=(idle + timedelta(minutes=1)).total_seconds())
    hall_of(other).presence.seen("1")  # the console's requests reach the other process
    assert hall_of(leader).presence.sweep() == []
    assert engine.counters_held().keys() == {"1"}
    assert hall_of(leader).presence.last_seen("1") == clock()
    clock.advance(seconds=(idle + timedelta(minutes=1)).total_seconds())
    assert hall_of(leader).presence.sweep() == ["1"]


def test_the_daily_backup_is_taken_by_the_leader_and_every_process_reports_it(workers, tmp_path):
    (tmp_path / "backups").mkdir()
    leader, other = workers({**SMALL_HALL, "backup": {"folder": "backups", "time": "02:30", "keep": 3}})
    assert hall_of(leader).ops.schedule._thread is not None and hall_of(other).ops.schedule._thread is None
    hall_of(leader).ops.schedule.scheduled_run()  # what the leader's schedule does at 02:30
    (made,) = (tmp_path / "backups").iterdir()
    for app in (leader, other):
        backup = app.test_client().get("/healthz").get_json()["checks"]["backup"]
        assert backup["ok"] and backup["last"]["file"] == made.name


def test_a_booking_made_through_another_process_is_confirmed_once_by_the_leader(workers):
    gateway = Gateway("rahasia-gateway")
    with serve(gateway.handle) as origin:
        hall = {**BOOKABLE_HALL, "notifications": {"webhook": {"url": f"{origin}/antre", "secret": gateway.secret}}}
        leader, other = workers(hall)
        body = {"service": "A", "date": "2026-11-25", "session": "10:00-12:00", "name": "Ibu Sari", "phone": "081234567890"}
        code = other.test_client().post(f"{API}/bookings", json=body).get_json()["code"]
        wait_until(gateway.accepted, message="the booking's confirmation")
        wait_until(lambda: not hall_of(leader).notifier.store.due("webhook", "9999"), message="nothing left to send")
        assert [r["body"]["booking"]["code"] for r in gateway.requests] == [code]


def test_the_single_jobs_run_in_the_leader_only(workers):
    leader, other = workers(SMALL_HALL)
    assert hall_of(leader).monitor._periodic.started and not hall_of(other).monitor._periodic.started
    assert hall_of(leader).presence._periodic.started and not hall_of(other).presence._periodic.started


# --- announcements --------------------------------------------------------------------------------
@needs_espeak
def test_a_sentence_asked_for_by_two_processes_is_rendered_once(tmp_path):
    first, second = Renderer(tmp_path, Voice("id")), Renderer(tmp_path, Voice("id"))
    try:
        text = "Nomor antrean A001, silakan menuju Loket 1"
        keys = {first.request(text), second.request(text)}
        (key,) = keys
        assert first.wait(key, RENDER_DEADLINE) is not None and second.wait(key, RENDER_DEADLINE) is not None
        wait_until(lambda: first.stats["pending"] == second.stats["pending"] == 0, RENDER_DEADLINE)
        assert first.stats["renders"] + second.stats["renders"] == 1
        assert first.stats["cache_hits"] + second.stats["cache_hits"] == 1
    finally:
        first.close()
        second.close()


@needs_espeak
def test_the_audio_of_a_call_through_one_process_is_served_by_the_other(workers):
    first, second = workers(SMALL_HALL)
    engine = hall_of(first).engine
    engine.open_counter("1")
    engine.issue("A")
    engine.call_next("1")
    announcer = hall_of(second).announcer
    service = announcer.hall.services["A"]
    key = announcer.renderer.key(announcement_text("A001", "Loket 1", service.name, service.agency, announcer.settings))
    response = second.test_client().get(f"{API}/audio/{key}.wav")
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert hall_of(second).announcer.renderer.stats["renders"] == 0, "rendered by the process that made the call"


@needs_espeak
def test_the_leader_renders_ahead_for_tickets_issued_through_another_process(workers):
    leader, other = workers(SMALL_HALL)
    announcer = hall_of(leader).announcer
    announcer.warm_up()  # as a serving hall does
    client = other.test_client()
    for _ in range(3):
        client.post(f"{API}/tickets", json={"service": "C"})
    service = announcer.hall.services["C"]
    key = announcer.renderer.key(announcement_text("C001", "Loket 3", service.name, service.agency, announcer.settings))
    wait_until(lambda: announcer.renderer.state(key) == "ready", RENDER_DEADLINE, message="C001 at Loket 3 rendered ahead")
    assert hall_of(other).announcer.renderer.stats["renders"] == 0, "only the leader renders ahead"


# --- one tap, one ticket --------------------------------------------------------------------------
def test_a_tap_retried_through_another_process_at_the_same_moment_gives_one_ticket(workers):
    apps = workers(SMALL_HALL)
    key = new_kiosk_key(hall_of(apps[0]).store, "k1")  # one database: one key, for the kiosk whichever process it reaches
    for round_ in range(10):
        body = {"service": "A", "kiosk": "k1", "request_id": f"tap-{round_:04d}-both"}
        answers: list = [None, None]
        start = threading.Barrier(2)

        def tap(i: int, body=body, answers=answers, start=start) -> None:
            start.wait()
            client = apps[i].test_client()
            answers[i] = client.post(f"{API}/tickets", json=body, headers={"Authorization": f"Kiosk {key}"})

        threads = [threading.Thread(target=tap, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [answer.status_code for answer in answers] == [201, 201]
        assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert hall_of(apps[0]).engine.services()[0]["waiting"] == 10
