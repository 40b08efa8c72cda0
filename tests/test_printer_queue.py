"""The print queue with real parts: engine tickets, a loopback TCP printer, files, a worker thread."""

from __future__ import annotations

from datetime import timedelta

import pytest
from antre.printer.connections import FileConnection, NetworkConnection, open_connection
from antre.printer.hallstore import HallJobStore
from antre.printer.jobs import AgentJobs, PrintQueue, RetryPolicy, new_job
from antre.printer.loopback import LoopbackPrinter
from antre.printer.paper import ticket_bytes
from antre.queue_server.clock import iso
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from antre.queue_server.store import Store

from tests.support import SMALL_HALL, wait_until, write_config

FAST = RetryPolicy(first_delay=0.05, max_delay=0.2, give_up_after=60, lease=5, check_every=None)
PUBLIC_URL = "http://192.168.1.10:5000"


@pytest.fixture
def hall(tmp_path, clock, printer):
    data = {
        **SMALL_HALL,
        "public_url": PUBLIC_URL,
        "printer": {"kind": "network", "host": "127.0.0.1", "port": printer.port, "timeout_seconds": 2},
    }
    hall = open_hall(load_config(write_config(tmp_path, data)), clock)
    yield hall
    hall.store.close()


@pytest.fixture
def make_queue(hall):
    """Queues on the hall's printer, stopped at the end of the test."""
    started = []

    def make(store=None, connection=None, retry=FAST, listener=None, unprintable: str | None = None) -> PrintQueue:
        """``unprintable``: the id of a ticket whose layout fails (a broken logo, a font problem)."""

        def render(job: dict) -> bytes:
            if job["ticket_id"] == unprintable:
                raise ValueError("the logo image is not a picture")
            return ticket_bytes(hall.engine.ticket(job["ticket_id"]), hall.config, f"{PUBLIC_URL}/t/{job['ticket_id']}")

        queue = PrintQueue(store or HallJobStore(hall.store), connection or open_connection(hall.config.printer), render, retry=retry)
        if listener is not None:
            queue.subscribe(listener)
        queue.start()
        started.append(queue)
        return queue

    yield make
    for queue in started:
        queue.stop()


def status(queue: PrintQueue, job: dict) -> str:
    return queue.store.job(job["id"])["status"]


def assert_printed_once(queue: PrintQueue, printer: LoopbackPrinter, hall, numbers: list[str]) -> None:
    """After the jobs for ``numbers``, one more ticket goes through the same queue: the worker takes
    jobs oldest first, so any second copy of an earlier job would have come out before it."""
    sentinel = hall.engine.issue("C")
    queue.enqueue(sentinel["id"], "k1")
    tickets = printer.wait_for_tickets(len(numbers) + 1)
    assert [n for t in tickets for n in [*numbers, sentinel["number"]] if n.encode() in t] == [*numbers, sentinel["number"]]
    assert len(printer.tickets) == len(numbers) + 1


def test_a_kiosk_ticket_reaches_the_network_printer_with_number_qr_and_cut(hall, printer, make_queue):
    printer.start()
    queue = make_queue()
    ticket = hall.engine.issue("A", kiosk="k1")
    job = queue.enqueue(ticket["id"], "k1")
    assert job["status"] == "pending" and job["target"] == "default"
    (data,) = printer.wait_for_tickets(1)
    assert ticket["number"].encode() in data
    assert b"\x1dV" in data  # GS V: cut
    assert b"\x1d(k" + bytes([len(f"{PUBLIC_URL}/t/{ticket['id']}") + 3, 0]) + b"1P0" + f"{PUBLIC_URL}/t/{ticket['id']}".encode() in data
    wait_until(lambda: status(queue, job) == "sent", message="job marked sent")
    state = queue.printer_state()
    assert state["status"] == "ok" and state["pending"] == 0 and state["name"] == f"printer 127.0.0.1:{printer.port}"


def test_printer_down_the_job_is_retried_and_printed_once_it_listens(hall, printer, make_queue):
    queue = make_queue()
    ticket = hall.engine.issue("A", kiosk="k1")
    job = queue.enqueue(ticket["id"], "k1")
    wait_until(lambda: queue.store.job(job["id"])["attempts"] >= 3, message="three refused attempts")
    state = queue.printer_state()
    assert state["status"] == "offline" and "refused the connection" in state["last_error"] and state["pending"] == 1
    assert "refused the connection" in queue.store.job(job["id"])["last_error"]
    printer.start()
    wait_until(lambda: status(queue, job) == "sent", message="job sent after the printer came back")
    assert queue.printer_state()["status"] == "ok"
    assert_printed_once(queue, printer, hall, [ticket["number"]])


def test_paper_out_holds_the_job_until_paper_is_loaded(hall, printer, make_queue):
    printer.paper = False
    printer.start()
    queue = make_queue()
    job = queue.enqueue(hall.engine.issue("B")["id"])
    wait_until(lambda: queue.printer_state()["status"] == "paper_out", message="paper out reported")
    wait_until(lambda: "reports paper out" in (queue.store.job(job["id"])["last_error"] or ""), message="the job says why")
    assert status(queue, job) == "pending"
    assert printer.tickets == []
    printer.paper = True
    printer.wait_for_tickets(1)
    wait_until(lambda: status(queue, job) == "sent", message="job sent after paper was loaded")


def test_a_printer_that_answered_and_then_hangs_is_offline_and_its_jobs_wait(hall, printer, make_queue):
    """It still accepts TCP but reads nothing: each small ticket fits in the network's buffers, so
    sending it succeeded and five of five jobs passed for sent while nothing came out."""
    printer.start()
    queue = make_queue(connection=NetworkConnection("127.0.0.1", printer.port, timeout=0.5))
    first = hall.engine.issue("A")
    queue.enqueue(first["id"])
    printer.wait_for_tickets(1)
    printer.hung = True
    tickets = [hall.engine.issue("A") for _ in range(5)]
    jobs = [queue.enqueue(ticket["id"]) for ticket in tickets]
    wait_until(lambda: queue.store.job(jobs[0]["id"])["attempts"] >= 2, message="a second attempt at the first job")
    state = queue.printer_state()
    assert state["status"] == "offline" and "no longer answers" in state["last_error"]
    assert [status(queue, job) for job in jobs] == ["pending"] * 5
    printer.hung = False  # switched off and on
    wait_until(lambda: all(status(queue, job) == "sent" for job in jobs), message="the waiting jobs printed")
    assert_printed_once(queue, printer, hall, [first["number"], *(t["number"] for t in tickets)])


def test_a_printer_that_answered_before_a_restart_and_hangs_after_it_is_offline_at_once(hall, printer, make_queue):
    """Restarting the server is what staff try first: it must not turn the hung printer back into
    one whose silence is trusted."""
    printer.start()
    store = HallJobStore(hall.store)
    before = make_queue(store, NetworkConnection("127.0.0.1", printer.port, timeout=0.5))
    first = before.enqueue(hall.engine.issue("A")["id"])
    wait_until(lambda: status(before, first) == "sent", message="a ticket printed before the restart")
    before.stop()
    printer.hung = True
    after = make_queue(store, NetworkConnection("127.0.0.1", printer.port, timeout=0.5))
    job = after.enqueue(hall.engine.issue("A")["id"])
    wait_until(lambda: store.job(job["id"])["attempts"] >= 2, message="a second attempt")
    assert status(after, job) == "pending" and after.printer_state()["status"] == "offline"


def test_pending_jobs_survive_a_restart(hall, printer, make_queue):
    store = HallJobStore(hall.store)  # the hall's database file, which outlives the process
    before = make_queue(store)
    ticket = hall.engine.issue("A")
    job = before.enqueue(ticket["id"])
    wait_until(lambda: store.job(job["id"])["attempts"] >= 1, message="a failed attempt")
    before.stop()
    printer.start()
    after = make_queue(store)
    wait_until(lambda: status(after, job) == "sent", message="job sent by the restarted queue")
    assert_printed_once(after, printer, hall, [ticket["number"]])


def test_a_claim_keeps_other_senders_off_at_once_until_its_lease_ends(hall, clock):
    """A claim does not wait for the disk, yet another connection to the file (another process)
    sees it at once; a sender that died mid-send leaves the job to the next after the lease."""
    mine, other_store = HallJobStore(hall.store), Store(hall.store.path)
    other = HallJobStore(other_store)
    now = clock()
    job = mine.add_job(new_job(hall.engine.issue("A")["id"], "default", iso(now)))
    claimed = mine.claim_job("default", iso(now), iso(now + timedelta(seconds=30)))
    assert (claimed["id"], claimed["attempts"]) == (job["id"], 1)
    assert other.claim_job("default", iso(now + timedelta(seconds=29)), iso(now + timedelta(seconds=59))) is None
    assert other.claim_job("default", iso(now + timedelta(seconds=30)), iso(now + timedelta(seconds=60)))["attempts"] == 2
    other_store.close()


def test_a_job_too_old_to_help_is_failed_not_printed(hall, printer, make_queue):
    queue = make_queue(retry=RetryPolicy(first_delay=0.05, max_delay=0.1, give_up_after=0.4, lease=5, check_every=None))
    old = queue.enqueue(hall.engine.issue("A")["id"])
    wait_until(lambda: status(queue, old) == "failed", message="old job given up")
    assert "refused the connection" in queue.store.job(old["id"])["last_error"]
    printer.start()
    fresh = hall.engine.issue("A")
    queue.enqueue(fresh["id"])
    (data,) = printer.wait_for_tickets(1)
    assert fresh["number"].encode() in data
    assert_printed_once(queue, printer, hall, [fresh["number"]])


def test_file_printer_gets_each_job_in_order(tmp_path, hall, make_queue):
    path = tmp_path / "tickets.bin"
    queue = make_queue(connection=FileConnection(path))
    tickets = [hall.engine.issue(code) for code in ("A", "B", "A")]
    jobs = [queue.enqueue(t["id"], "k1") for t in tickets]
    wait_until(lambda: all(status(queue, j) == "sent" for j in jobs), message="three jobs sent")
    expected = b"".join(queue.render(queue.store.job(j["id"])) for j in jobs)
    assert path.read_bytes() == expected
    assert [t["number"] for t in tickets] == ["A001", "B001", "A002"]


def test_a_ticket_that_cannot_be_laid_out_fails_alone(hall, printer, make_queue):
    printer.start()
    unprintable = hall.engine.issue("A")
    queue = make_queue(unprintable=unprintable["id"])
    broken = queue.enqueue(unprintable["id"])
    good = hall.engine.issue("A")
    queue.enqueue(good["id"])
    wait_until(lambda: status(queue, broken) == "failed", message="broken job failed")
    assert "could not be laid out" in queue.store.job(broken["id"])["last_error"]
    assert_printed_once(queue, printer, hall, [good["number"]])


def test_an_idle_printer_is_checked_and_listeners_hear_about_it(hall, printer, make_queue):
    heard = []
    retry = RetryPolicy(first_delay=0.05, max_delay=0.1, check_every=0.05)
    queue = make_queue(retry=retry, listener=lambda job, state: heard.append((job, state["status"])))
    wait_until(lambda: queue.printer_state()["status"] == "offline", message="unplugged printer noticed")
    printer.start()
    wait_until(lambda: queue.printer_state()["status"] == "ok", message="printer back")
    assert (None, "offline") in heard and (None, "ok") in heard
    assert printer.tickets == []  # checks print nothing


def test_agent_jobs_are_redelivered_until_acknowledged(hall):
    store = HallJobStore(hall.store)
    agents = AgentJobs(store, lambda job: f"ticket {job['ticket_id']}".encode())
    first = agents.enqueue(hall.engine.issue("A")["id"], "k1")
    agents.enqueue(hall.engine.issue("A")["id"], "k2")
    delivered = agents.deliverable("k1")
    assert [(job["id"], job["status"], data) for job, data in delivered] == [(first["id"], "sent", f"ticket {first['ticket_id']}".encode())]
    assert [job["id"] for job, _ in agents.deliverable("k1")] == [first["id"]]  # after a reconnect: not acknowledged yet
    with pytest.raises(KeyError, match=f"kiosk k2 has no print job {first['id']}"):
        agents.acknowledge(first["id"], "k2")
    assert agents.acknowledge(first["id"], "k1")["status"] == "acknowledged"
    assert agents.deliverable("k1") == []
    assert agents.acknowledge(first["id"], "k1")["status"] == "acknowledged"


def test_a_server_printer_cannot_take_the_agents_target(hall):
    with pytest.raises(ValueError, match="'agent' names the printer-agents' jobs"):
        PrintQueue(HallJobStore(hall.store), open_connection({"kind": "dummy"}), bytes, target="agent")
