"""Connections to the printer named in config: one small interface, whatever carries the bytes.

Each connection has ``send(data)``, which puts one whole ticket on the paper or raises
``PrinterError`` saying which printer failed and how, and ``check()``, which asks the same
questions without printing, so that staff see an unplugged printer before a visitor does.
Connections open per ticket and close after it: a printer that was switched off and on, or
re-plugged, works again at the next ticket without restarting anything.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from escpos.exceptions import DeviceNotFoundError

if TYPE_CHECKING:
    from escpos.printer import Serial, Usb

# DLE EOT 4: "transmit roll paper sensor status", answered at once even while the printer is busy.
PAPER_STATUS_REQUEST = b"\x10\x04\x04"
STATUS_FIXED_MASK, STATUS_FIXED_BITS = 0x93, 0x12  # bits 1 and 4 set, 0 and 7 clear in every status byte
PAPER_END = 0x60  # bits 5 and 6: roll paper end detected


class PrinterError(Exception):
    """A ticket that did not reach the paper; the message names the printer and what went wrong."""


class PaperOut(PrinterError):
    """The printer answered and said it has no paper; nothing was sent."""


class Connection(Protocol):
    name: str  # how staff know the printer: "printer 192.168.1.50:9100"

    def send(self, data: bytes) -> None: ...

    def check(self) -> None: ...


def open_connection(printer: dict[str, Any], base_dir: Path | None = None) -> Connection:
    """The connection for a validated ``printer`` config section; a relative ``path`` is taken
    from ``base_dir`` (the config file's folder), as the database path is."""
    kind = printer["kind"]
    timeout = float(printer.get("timeout_seconds", 5))
    if kind == "network":
        return NetworkConnection(printer["host"], printer.get("port", 9100), timeout)
    if kind == "file":
        path = Path(printer["path"])
        return FileConnection(base_dir / path if base_dir and not path.is_absolute() else path, timeout)
    if kind == "usb":
        return UsbConnection(printer["vendor_id"], printer["product_id"], timeout)
    if kind == "serial":
        return SerialConnection(printer["device"], printer.get("baudrate", 9600), timeout)
    if kind == "dummy":
        return DummyConnection()
    raise ValueError(f"printer.kind must be one of network, usb, serial, file, dummy, got {kind!r}")


class NetworkConnection:
    """A printer on TCP port 9100 (raw / JetDirect), over a plain socket.

    Not python-escpos's ``Network``: it folds every socket failure into one ``DeviceNotFoundError``
    whose text is a generic traceback line, and it offers no way to ask for the paper status with a
    short timeout of its own. Here each failure becomes a sentence staff can act on, and before
    sending the printer is asked whether it has paper (DLE EOT 4). A printer that never answers
    that question is remembered as one that does not report status, so only its first ticket waits
    ``status_timeout`` for the answer; one that did answer and falls silent is offline.
    """

    def __init__(self, host: str, port: int = 9100, timeout: float = 5.0, status_timeout: float = 0.3):
        self.host, self.port, self.timeout, self.status_timeout = host, port, timeout, status_timeout
        self.name = f"printer {host}:{port}"
        self.reports_status: bool | None = None  # None: not known yet

    def send(self, data: bytes) -> None:
        with self._connect() as sock:
            self._check_paper(sock)
            try:
                sock.sendall(data)
            except TimeoutError:
                raise PrinterError(f"{self.name} stopped taking data for {self.timeout:g} s (cover open or paper jam?)") from None
            except OSError as error:
                raise PrinterError(f"{self.name} dropped the connection while printing ({error.strerror or error})") from None
            _drain(sock)

    def check(self) -> None:
        with self._connect() as sock:
            self._check_paper(sock)

    def _connect(self) -> socket.socket:
        try:
            return socket.create_connection((self.host, self.port), timeout=self.timeout)
        except ConnectionRefusedError:
            self.reports_status = None  # whatever answers next on this address may be another printer
            raise PrinterError(f"{self.name} refused the connection (switched off, or not at this address?)") from None
        except TimeoutError:
            self.reports_status = None
            raise PrinterError(f"{self.name} did not answer within {self.timeout:g} s (switched off or unplugged?)") from None
        except socket.gaierror:
            raise PrinterError(f"{self.name}: the host name {self.host!r} cannot be resolved") from None
        except OSError as error:
            self.reports_status = None
            raise PrinterError(f"{self.name} cannot be reached ({error.strerror or error})") from None

    def _check_paper(self, sock: socket.socket) -> None:
        """Ask for the paper status. A printer that answered before and is silent now is offline:
        it accepts the connection but has stopped reading (hung, or its buffer full), so the ticket
        would sit in the network's buffers, marked sent and never printed. It gets the full
        ``timeout`` to answer, not ``status_timeout``, so a slow network does not hold it back."""
        if self.reports_status is False:
            return
        known = self.reports_status is True
        try:
            sock.sendall(PAPER_STATUS_REQUEST)
            sock.settimeout(self.timeout if known else self.status_timeout)
            status = sock.recv(1)
        except TimeoutError:
            status = b""
        except OSError as error:
            raise PrinterError(f"{self.name} dropped the connection ({error.strerror or error})") from None
        finally:
            sock.settimeout(self.timeout)
        if not status and known:
            raise PrinterError(
                f"{self.name} takes the connection but no longer answers, though it did before "
                "(hung, or a paper jam?): tickets wait until it answers; switch it off and on"
            )
        if not status or status[0] & STATUS_FIXED_MASK != STATUS_FIXED_BITS:
            self.reports_status = False
            return
        self.reports_status = True
        if status[0] & PAPER_END:
            raise PaperOut(f"{self.name} reports paper out")


def _drain(sock: socket.socket) -> None:
    """Read whatever the printer sent unasked (a late status byte): closing a socket with unread
    input makes Linux reset the connection and drop the end of the ticket still being sent."""
    sock.setblocking(False)  # a timeout would make recv wait for input even when asked not to
    try:
        while sock.recv(256):
            pass
    except OSError:  # BlockingIOError when nothing is waiting, which is the usual case
        pass


class FileConnection:
    """A device file (``/dev/usb/lp0``) or an ordinary file that collects tickets.

    Not python-escpos's ``File``: it opens with ``"wb"``, so an ordinary file would keep only the
    last ticket, and a write to a device that stopped taking data blocks forever. This appends, and
    writes without blocking so that a stalled device gives up after ``timeout``. Under ``/dev`` the
    file must exist already: creating ``/dev/usb/lp0`` as a plain file while the printer is
    unplugged would swallow every ticket silently.
    """

    def __init__(self, path: str | Path, timeout: float = 5.0):
        self.path = Path(path)
        self.timeout = timeout
        self.name = f"printer {self.path}"

    def send(self, data: bytes) -> None:
        fd = self._open()
        try:
            self._write_all(fd, memoryview(data))
        finally:
            os.close(fd)

    def check(self) -> None:
        os.close(self._open())

    def _open(self) -> int:
        device = self.path.is_relative_to("/dev")
        flags = os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | (0 if device else os.O_CREAT)
        try:
            return os.open(self.path, flags, 0o644)
        except FileNotFoundError:
            if device:
                raise PrinterError(f"{self.name} is not there (unplugged or switched off?)") from None
            raise PrinterError(f"{self.name}: the folder {self.path.parent} does not exist") from None
        except PermissionError:
            raise PrinterError(f"{self.name}: no permission to write (for a device, add the server's user to the lp group)") from None
        except OSError as error:
            raise PrinterError(f"{self.name} cannot be opened ({error.strerror or error})") from None

    def _write_all(self, fd: int, data: memoryview) -> None:
        deadline = time.monotonic() + self.timeout
        while data:
            try:
                data = data[os.write(fd, data) :]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [fd], [], left)[1]:
                    raise PrinterError(f"{self.name} stopped taking data for {self.timeout:g} s (paper out or cover open?)") from None
            except OSError as error:
                if error.errno == errno.ENODEV:
                    raise PrinterError(f"{self.name} went away while printing (unplugged?)") from None
                raise PrinterError(f"{self.name} failed while printing ({error.strerror or error})") from None


class _EscposDevice:
    """USB and serial through python-escpos, which knows their plumbing (endpoints, kernel driver
    detaching, serial framing). python-escpos has no public call for ready-made bytes, so ``send``
    uses ``_raw``, the method all its own commands write through. Its printer classes are imported
    when a device is opened: they bring Pillow, qrcode and PyYAML, which a printer-agent driving a
    file or network printer has no use for."""

    name: str

    def _printer(self) -> Usb | Serial:
        raise NotImplementedError

    def send(self, data: bytes) -> None:
        printer = self._open()
        try:
            printer._raw(data)
        except Exception as error:  # pyusb and pyserial raise their own hierarchies
            raise PrinterError(f"{self.name} failed while printing ({error})") from None
        finally:
            printer.close()

    def check(self) -> None:
        self._open().close()

    def _open(self) -> Usb | Serial:
        printer = self._printer()
        try:
            printer.open()
        except DeviceNotFoundError as error:  # its text ends with the cause: "not found", "Access denied", ...
            cause = str(error).splitlines()[-1].rstrip(")")
            raise PrinterError(f"{self.name} cannot be opened ({cause}; unplugged, or no permission?)") from None
        return printer


class UsbConnection(_EscposDevice):
    def __init__(self, vendor_id: int, product_id: int, timeout: float = 5.0):
        self.vendor_id, self.product_id, self.timeout = vendor_id, product_id, timeout
        self.name = f"USB printer {vendor_id:04x}:{product_id:04x}"

    def _printer(self) -> Usb:
        from escpos.printer import Usb

        if not Usb.is_usable():
            raise PrinterError(f"{self.name}: USB printing needs pyusb (pip install 'python-escpos[usb]')")
        return Usb(self.vendor_id, self.product_id, timeout=int(self.timeout * 1000))


class SerialConnection(_EscposDevice):
    def __init__(self, device: str, baudrate: int = 9600, timeout: float = 5.0):
        self.device, self.baudrate, self.timeout = device, baudrate, timeout
        self.name = f"serial printer {device}"

    def _printer(self) -> Serial:
        from escpos.printer import Serial

        if not Serial.is_usable():
            raise PrinterError(f"{self.name}: serial printing needs pyserial (pip install 'python-escpos[serial]')")
        return Serial(self.device, baudrate=self.baudrate, timeout=self.timeout)


class DummyConnection:
    """Keeps each ticket's bytes in memory: the demo hall and tests without any printer.

    A list of tickets rather than python-escpos's ``Dummy``, whose single buffer would run the
    tickets together."""

    name = "dummy printer (memory)"

    def __init__(self) -> None:
        self.received: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.received.append(data)

    def check(self) -> None:
        return None
