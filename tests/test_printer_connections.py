"""Printer connections, against a real loopback TCP printer and real files."""

from __future__ import annotations

import os

import pytest
from antre.printer.connections import DummyConnection, FileConnection, NetworkConnection, PaperOut, PrinterError, open_connection
from antre.printer.loopback import LoopbackPrinter

TICKET = b"\x1b@A012\n\x1dV\x00"


def test_network_printer_receives_the_bytes_after_a_paper_check():
    with LoopbackPrinter() as printer:
        connection = open_connection({"kind": "network", "host": "127.0.0.1", "port": printer.port, "timeout_seconds": 2})
        connection.send(TICKET)
        connection.send(TICKET + b"2")
        assert printer.wait_for_tickets(2) == [TICKET, TICKET + b"2"]
        assert connection.reports_status is True


def test_a_printer_that_reports_paper_out_gets_nothing():
    with LoopbackPrinter(paper=False) as printer:
        connection = NetworkConnection("127.0.0.1", printer.port, timeout=2)
        with pytest.raises(PaperOut, match=rf"printer 127\.0\.0\.1:{printer.port} reports paper out"):
            connection.send(TICKET)
        with pytest.raises(PaperOut):
            connection.check()
        printer.paper = True
        connection.send(TICKET)
        assert printer.wait_for_tickets(1) == [TICKET]


def test_a_printer_that_never_answers_status_questions_still_prints():
    with LoopbackPrinter(answers_status=False) as printer:
        connection = NetworkConnection("127.0.0.1", printer.port, timeout=2, status_timeout=0.1)
        connection.send(TICKET)
        assert connection.reports_status is False
        connection.send(TICKET)  # not asked again
        assert printer.wait_for_tickets(2) == [TICKET, TICKET]
        assert printer.status_requests == 1


def test_nothing_listening_is_a_clear_error():
    printer = LoopbackPrinter()
    port = printer.bind()  # the port is ours, but nothing listens on it
    try:
        with pytest.raises(PrinterError, match=rf"^printer 127\.0\.0\.1:{port} refused the connection"):
            NetworkConnection("127.0.0.1", port, timeout=2).send(TICKET)
    finally:
        printer.stop()


def test_file_printer_appends_each_ticket(tmp_path):
    connection = open_connection({"kind": "file", "path": "out/tickets.bin"}, base_dir=tmp_path)
    with pytest.raises(PrinterError, match=r"the folder .*out does not exist"):
        connection.send(TICKET)
    (tmp_path / "out").mkdir()
    connection.check()
    connection.send(TICKET)
    connection.send(b"second")
    assert (tmp_path / "out" / "tickets.bin").read_bytes() == TICKET + b"second"


def test_file_printer_under_dev_is_never_created():
    connection = FileConnection("/dev/usb/antre-no-such-printer")
    with pytest.raises(PrinterError, match="is not there"):
        connection.send(TICKET)
    assert not os.path.exists("/dev/usb/antre-no-such-printer")


def test_file_printer_writes_to_a_device():
    FileConnection("/dev/null").send(TICKET * 1000)


def test_dummy_keeps_each_ticket_in_memory():
    connection = open_connection({"kind": "dummy"})
    assert isinstance(connection, DummyConnection)
    connection.send(TICKET)
    connection.send(b"next")
    assert connection.received == [TICKET, b"next"]


@pytest.mark.parametrize(
    ("config", "name"),
    [
        ({"kind": "usb", "vendor_id": 0x0416, "product_id": 0x5011}, "USB printer 0416:5011"),
        ({"kind": "serial", "device": "/dev/antre-no-such-tty", "baudrate": 19200}, "serial printer /dev/antre-no-such-tty"),
    ],
)
def test_usb_and_serial_failures_name_the_printer(config, name):
    """Without the device (or without pyusb / pyserial installed) sending fails with a sentence, not a traceback."""
    connection = open_connection(config)
    assert connection.name == name
    with pytest.raises(PrinterError, match=f"^{name}"):
        connection.send(TICKET)
