"""A network printer on 127.0.0.1 that keeps what it receives, for tests and benchmarks.

It behaves like a real TCP 9100 printer where Antre can tell the difference: one connection per
ticket, and an answer to the paper status request (DLE EOT 4) — "paper present" or "paper out",
as ``paper`` says — unless ``answers_status`` is off, like the many printers that stay silent.
With ``hung`` on it accepts connections and never reads them, like a printer that has locked up:
what is sent to it fills the network's buffers and never comes out.
``bind()`` takes the port without listening, so a test can point a print queue at a printer that
is "switched off" (connections refused) and switch it on later on the same port.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time

from .connections import PAPER_STATUS_REQUEST

PAPER_PRESENT, PAPER_ABSENT = b"\x12", b"\x72"


class LoopbackPrinter:
    def __init__(self, *, paper: bool = True, answers_status: bool = True):
        self.paper = paper
        self.answers_status = answers_status
        self.hung = False
        self._held: list[socket.socket] = []  # connections accepted while hung, never read
        self.host = "127.0.0.1"
        self.port = 0
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._received: list[tuple[int, bytes, float]] = []  # (connection number, bytes, time.monotonic() of the last byte)
        self._changed = threading.Condition()
        self._connections = itertools.count()  # numbers connections in the order they were accepted
        self.status_requests = 0

    def bind(self) -> int:
        """Reserve a free port (connections to it are refused until ``start``)."""
        if self._server is None:
            self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._server.bind((self.host, 0))
            self.port = self._server.getsockname()[1]
        return self.port

    def start(self) -> LoopbackPrinter:
        self.bind()
        assert self._server is not None
        self._server.listen(16)
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):  # a printer that never listened cannot shut down
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        for conn in self._held:
            conn.close()
        self._held.clear()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> LoopbackPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def tickets(self) -> list[bytes]:
        """What each connection carried, less the status request; connections that only asked for
        the status (a health check) are left out."""
        return [data for data, _ in self.arrivals]

    @property
    def arrivals(self) -> list[tuple[bytes, float]]:
        """Each ticket with the ``time.monotonic()`` at which its last byte arrived, in the order the
        connections were made (their threads may finish in another order)."""
        with self._changed:
            return [(data, at) for _, data, at in sorted(self._received) if data]

    def wait_for_tickets(self, count: int, timeout: float = 10.0) -> list[bytes]:
        """The first ``count`` tickets, waiting at most ``timeout`` seconds for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.tickets) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"loopback printer got {len(self.tickets)} of {count} tickets in {timeout:g} s")
                self._changed.wait(left)
        return self.tickets[:count]

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="loopback-printer")
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        server = self._server
        assert server is not None
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # stop() closed the listening socket
                return
            if self.hung:
                self._held.append(conn)
            else:
                self._spawn(self._serve, conn, next(self._connections))

    def _serve(self, conn: socket.socket, number: int) -> None:
        data, last_byte_at, answered = b"", time.monotonic(), 0
        with conn:
            try:
                while chunk := conn.recv(65536):
                    data, last_byte_at = data + chunk, time.monotonic()
                    if self.answers_status:
                        while data.count(PAPER_STATUS_REQUEST) > answered:
                            conn.sendall(PAPER_PRESENT if self.paper else PAPER_ABSENT)
                            answered += 1
            except OSError:  # the sender reset the connection; keep what arrived, as a printer would print it
                pass
        with self._changed:
            self.status_requests += data.count(PAPER_STATUS_REQUEST)
            self._received.append((number, data.removeprefix(PAPER_STATUS_REQUEST), last_byte_at))
            self._changed.notify_all()
