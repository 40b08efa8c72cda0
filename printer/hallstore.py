"""The print queue's ``JobStore`` on the hall's SQLite file, so that jobs outlive the process.

Each call is its own short transaction through ``Store`` (which holds all the SQL). A claim is one
``BEGIN IMMEDIATE`` transaction, so two senders can never take the same job. The claim does not wait
for the disk: it only keeps other live senders off the job, and a power cut that loses it also
stopped every sender. Other changes (a job sent, failed, acknowledged) are durable and go through
the store's group commit, so a job marked sent while a ticket is being committed shares its fsync.
"""

from __future__ import annotations

from typing import Any

from antre.queue_server.store import Store


class HallJobStore:
    def __init__(self, store: Store):
        self.store = store

    def add_job(self, job: dict) -> dict:
        with self.store.write() as tx:
            return tx.add_print_job(job)

    def claim_job(self, target: str, now: str, lease_until: str) -> dict | None:
        with self.store.read() as tx:
            due = tx.next_print_attempt_at(target)
        if due is None or due > now:
            return None  # the usual answer when idle, given without taking the write lock
        with self.store.write(durable=False) as tx:
            return tx.claim_print_job(target, now, lease_until)

    def update_job(self, job_id: int, **fields: Any) -> dict:
        return self.store.transact(lambda tx: tx.update_print_job(job_id, **fields))

    def job(self, job_id: int) -> dict | None:
        with self.store.read() as tx:
            return tx.print_job(job_id)

    def jobs(
        self,
        *,
        target: str | None = None,
        kiosk: str | None = None,
        statuses: tuple[str, ...] | None = None,
        ticket_id: str | None = None,
        newest: int | None = None,
    ) -> list[dict]:
        with self.store.read() as tx:
            return tx.print_jobs(target=target, kiosk=kiosk, statuses=statuses, ticket_id=ticket_id, newest=newest)

    def counts(self, target: str) -> dict[str, int]:
        with self.store.read() as tx:
            return tx.print_job_counts(target)

    def next_attempt_at(self, target: str) -> str | None:
        with self.store.read() as tx:
            return tx.next_print_attempt_at(target)

    def note(self, printer: str) -> str | None:
        """What the print queue keeps about a printer across restarts (meta ``printer_note:NAME``)."""
        with self.store.read() as tx:
            return tx.meta(f"printer_note:{printer}")

    def set_note(self, printer: str, note: str) -> None:
        with self.store.write() as tx:
            tx.set_meta(f"printer_note:{printer}", note)
