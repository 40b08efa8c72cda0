"""The printer-agent: runs on a kiosk PC whose printer hangs on USB or serial (or any connection),
receives that kiosk's jobs from the hall server over Socket.IO, prints them, acknowledges each.

Never twice: the ids of printed jobs are kept in a small local file, written (and flushed to disk)
right after the printer took the ticket and before the acknowledgement. The server sends every
job not acknowledged again after a reconnect; a job whose id is in the file is only acknowledged.
(Should the PC lose power between the printer taking a ticket and that write, that one ticket
prints again — the one duplicate a printer without job numbers cannot rule out.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from pathlib import Path
from typing import Any

import socketio

from .agent_protocol import NAMESPACE
from .connections import Connection, PaperOut, PrinterError

log = logging.getLogger(__name__)

KEEP_IDS = 5000
RETRY_SECONDS = (1, 2, 4, 8)


class PrintedJobs:
    """Job ids already on paper, one per line in ``path``: survives a crash or restart of the agent."""

    def __init__(self, path: Path):
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = self.path.read_text().split() if self.path.exists() else []
        self._ids = [int(x) for x in lines if x.isdigit()][-KEEP_IDS:]
        self._set = set(self._ids)

    def __contains__(self, job_id: int) -> bool:
        return job_id in self._set

    def add(self, job_id: int) -> None:
        self._ids.append(job_id)
        self._set.add(job_id)
        if len(self._ids) > 2 * KEEP_IDS:
            self._ids = self._ids[-KEEP_IDS:]
            self._set = set(self._ids)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text("".join(f"{i}\n" for i in self._ids))
            os.replace(temporary, self.path)
            return
        with open(self.path, "a") as file:
            file.write(f"{job_id}\n")
            file.flush()
            os.fsync(file.fileno())


class PrinterAgent:
    def __init__(self, server: str, kiosk: str, key: str, connection: Connection, state_file: Path):
        self.server = server.rstrip("/")
        self.kiosk = kiosk
        self.key = key
        self.connection = connection
        self.printed = PrintedJobs(state_file)
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=5, logger=False)
        self.client.on("connect", self._connected, namespace=NAMESPACE)
        self.client.on("job", self._received, namespace=NAMESPACE)
        self.client.on("connect_error", self._refused, namespace=NAMESPACE)
        self._stopping = threading.Event()
        self._status: dict[str, Any] = {"status": "ok"}

    def run(self) -> None:
        """Connect (retrying until the server answers) and print until stopped."""
        worker = threading.Thread(target=self._print_loop, name="agent-printer", daemon=True)
        worker.start()
        while not self._stopping.is_set():
            try:
                self.client.connect(
                    self.server, namespaces=[NAMESPACE], auth={"kiosk": self.kiosk, "key": self.key}, wait_timeout=10, retry=True
                )
                break
            except socketio.exceptions.ConnectionError as error:
                log.warning("printer-agent: cannot connect to %s (%s); trying again", self.server, error)
                self._stopping.wait(2)
        self._stopping.wait()
        self.client.disconnect()

    def stop(self) -> None:
        self._stopping.set()
        self.jobs.put(None)

    def _connected(self) -> None:
        log.info("printer-agent: connected to %s as kiosk %s", self.server, self.kiosk)
        self.client.emit("ready", self._status, namespace=NAMESPACE)

    def _refused(self, data: Any = None) -> None:
        why = data.get("message") if isinstance(data, dict) else data
        log.warning("printer-agent: the server refused kiosk %s: %s", self.kiosk, why)

    def _received(self, job: dict) -> None:
        self.jobs.put(job)

    def _print_loop(self) -> None:
        while (job := self.jobs.get()) is not None:
            job_id = int(job["id"])
            if job_id not in self.printed:
                if not self._print(job_id, job["data"]):
                    return
                self.printed.add(job_id)
            self._acknowledge(job_id)

    def _print(self, job_id: int, data: bytes) -> bool:
        """Print, retrying with backoff while the printer fails; False only when stopping."""
        for attempt in range(10**9):
            try:
                self.connection.send(data)
            except PrinterError as error:
                status = "paper_out" if isinstance(error, PaperOut) else "offline"
                self._report(status, str(error), job_id)
                if self._stopping.wait(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]):
                    return False
                continue
            if self._status.get("status") != "ok":
                self._report("ok", None, None)
            return True
        return False

    def _report(self, status: str, error: str | None, job_id: int | None) -> None:
        self._status = {"status": status, "error": error, "job": job_id}
        if error:
            log.warning("printer-agent: %s", error)
        if self.client.connected:
            with contextlib.suppress(socketio.exceptions.SocketIOError):
                self.client.emit("status", self._status, namespace=NAMESPACE)

    def _acknowledge(self, job_id: int) -> None:
        """Best effort: an acknowledgement lost with the connection is made up when the job comes again."""
        try:
            self.client.emit("ack", {"id": job_id}, namespace=NAMESPACE)
        except socketio.exceptions.SocketIOError:
            log.info("printer-agent: job %s printed; acknowledgement waits for the reconnect", job_id)


def parse_printer(spec: str) -> dict:
    """``--printer`` as a printer section: file:PATH, usb:VID:PID (hex), serial:DEVICE[:BAUD],
    network:HOST[:PORT], dummy."""
    kind, _, rest = spec.partition(":")
    if kind == "file" and rest:
        return {"kind": "file", "path": rest}
    if kind == "usb":
        vendor, _, product = rest.partition(":")
        try:
            return {"kind": "usb", "vendor_id": int(vendor, 16), "product_id": int(product, 16)}
        except ValueError:
            pass
    if kind == "serial" and rest:
        device, _, baud = rest.partition(":")
        if not baud or baud.isdigit():
            return {"kind": "serial", "device": device, "baudrate": int(baud or 9600)}
    if kind == "network" and rest:
        host, _, port = rest.partition(":")
        if not port or port.isdigit():
            return {"kind": "network", "host": host, "port": int(port or 9100)}
    if spec == "dummy":
        return {"kind": "dummy"}
    raise ValueError(
        f"--printer {spec!r} is not understood; use file:/dev/usb/lp0, usb:0416:5011, serial:/dev/ttyUSB0:19200, network:192.168.1.50:9100 or dummy"
    )
