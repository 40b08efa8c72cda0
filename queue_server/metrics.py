"""Prometheus metrics of one hall (``GET /metrics``), fed by what the hall already reports.

Why built this way: each app has its own ``CollectorRegistry`` (tests build many halls in one
process, and a process-wide registry would mix them), and nothing here polls the database. Queue
figures come from the engine's committed events, so a refused operation counts nothing; print
failures from the print queues' job changes; commit latency from the store's commit hook; the
connected clients are read from the live channel when Prometheus scrapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .clock import parse_iso
from .engine import Event

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FINISHED = ("completed", "no_show", "cancelled", "expired")
CALLS = {"called": "false", "recalled": "true"}
WAIT_BUCKETS = (60, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400)
COMMIT_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class HallMetrics:
    """The hall's counters and histograms, and the registry ``/metrics`` renders."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.issued = Counter("antre_tickets_issued", "Tickets issued, by service.", ["service"], registry=self.registry)
        self.calls = Counter(
            "antre_calls",
            "Calls of a ticket to a counter (recall=true: called again).",
            ["service", "counter", "recall"],
            registry=self.registry,
        )
        self.finished = Counter(
            "antre_tickets_finished", "Tickets that left the queue, by outcome: completed, no_show, cancelled, expired.",
            ["service", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.wait = Histogram(
            "antre_wait_seconds", "Wait from issue to the call, per call (recalls not counted).", ["service"],
            buckets=WAIT_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.print_failures = Counter(
            "antre_print_failures", "Failed print attempts (outcome=retrying) and jobs given up (outcome=gave_up), by printer.",
            ["printer", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.commit = Histogram(
            "antre_commit_seconds", "Time of the database COMMIT (durable=true waits for the disk).", ["durable"],
            buckets=COMMIT_BUCKETS, registry=self.registry,
        )  # fmt: skip

    # --- feeds ----------------------------------------------------------------------------------
    def on_events(self, events: list[Event]) -> None:
        """Engine listener: runs in commit order under the write lock, so it only counts."""
        for event in events:
            service = (event.ticket or {}).get("service", "")
            if event.kind == "issued":
                self.issued.labels(service).inc()
            elif event.kind in CALLS:
                self.calls.labels(service, event.counter_id or "", CALLS[event.kind]).inc()
                if event.kind == "called" and event.ticket:
                    waited = (parse_iso(event.at) - parse_iso(event.ticket["issued_at"])).total_seconds()
                    self.wait.labels(service).observe(max(0.0, waited))
            elif event.kind in FINISHED:
                self.finished.labels(service, event.kind).inc()

    def on_commit(self, seconds: float, durable: bool) -> None:
        self.commit.labels("true" if durable else "false").observe(seconds)

    def on_print_job(self, printer: str, job: dict | None) -> None:
        """A job changed: a pending job with an error is an attempt that failed, a failed job was given up."""
        if job is None:
            return
        if job["status"] == "failed":
            self.print_failures.labels(printer, "gave_up").inc()
        elif job["status"] == "pending" and job["last_error"]:
            self.print_failures.labels(printer, "retrying").inc()

    def gauge(self, name: str, documentation: str, label: str, read: Callable[[], dict[str, float]]) -> None:
        """A gauge read at scrape time, one sample per key of ``read()`` (e.g. clients per audience)."""
        self.registry.register(_ReadAtScrape(name, documentation, label, read))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _ReadAtScrape(Collector):
    def __init__(self, name: str, documentation: str, label: str, read: Callable[[], dict[str, float]]):
        self.name, self.documentation, self.label, self.read = name, documentation, label, read

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.name, self.documentation, labels=[self.label])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=[self.label])
        for key, value in self.read().items():
            family.add_metric([key], value)
        yield family
