"""Who may do what: the one place for the administrators' roles.

A *hall admin* (role ``admin``, the name the contract has always used) may do everything. An
*agency admin* (role ``agency_admin``) has an ``agency``, the official name of one of the hall's
agencies, and manages only what belongs to it: its services, the counters all of whose services are
its own, and the officers of those counters. An *officer* serves the counters they are given.

The web layer and the accounts call these; a refusal is ``Forbidden`` (HTTP 403, code
``forbidden``), whose message names nothing the caller may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from .config import HallConfig
from .engine import QueueError

F = TypeVar("F")  # a report's filters (queue_server/reports/figures.py ReportFilters)

OFFICER = "officer"
HALL_ADMIN = "admin"
AGENCY_ADMIN = "agency_admin"
ROLES = (OFFICER, HALL_ADMIN, AGENCY_ADMIN)


class Forbidden(QueueError):
    code = "forbidden"


class PasswordChangeRequired(QueueError):
    code = "password_change_required"


def is_hall_admin(officer: dict) -> bool:
    return officer["role"] == HALL_ADMIN


def is_admin(officer: dict) -> bool:
    """A hall or an agency admin: who may open the administration at all."""
    return officer["role"] in (HALL_ADMIN, AGENCY_ADMIN)


def may_manage_agency(officer: dict, agency: str | None) -> bool:
    """A hall admin manages every agency; an agency admin only their own (never "no agency")."""
    if is_hall_admin(officer):
        return True
    return officer["role"] == AGENCY_ADMIN and agency is not None and officer.get("agency") == agency


def require_admin(officer: dict) -> None:
    if not is_admin(officer):
        raise Forbidden("error.admins_only")


def require_hall_admin(officer: dict) -> None:
    if not is_hall_admin(officer):
        raise Forbidden("error.hall_admins_only")


def require_agency(officer: dict, agency: str | None) -> None:
    if not may_manage_agency(officer, agency):
        raise Forbidden("error.other_agency")


def require_own_password(officer: dict) -> None:
    """An officer logged in with a one-time password (an administrator's reset) may do nothing but
    choose their own: the one-time password passed through other hands."""
    if officer["must_change_password"]:
        raise PasswordChangeRequired("error.password_change_required", "new_password")


def counter_agency(config: HallConfig, counter_id: str) -> str | None:
    """The agency a counter belongs to: the one all its services belong to; None for a counter that
    serves several agencies (the hall admin's) or an unknown one."""
    counter = config.counters.get(counter_id)
    if counter is None:
        return None
    agencies = {config.services[code].agency for code in counter.services if code in config.services}
    return agencies.pop() if len(agencies) == 1 else None


def officer_agency(config: HallConfig, officer: dict) -> str | None:
    """The agency an officer belongs to: the one they are given, else the one all their counters
    belong to; None for a hall admin or an officer spanning several agencies."""
    if officer["role"] == HALL_ADMIN:
        return None
    if officer.get("agency"):
        return officer["agency"]
    agencies = {counter_agency(config, c) for c in officer["counters"]}
    return agencies.pop() if len(agencies) == 1 else None


def report_scope(officer: dict, filters: F, config: HallConfig, officer_of: Callable[[int], dict | None] = lambda _id: None) -> F:
    """The filters a report may run with, for this caller: the one place the reports' roles are kept.

    A hall admin reads the whole hall. An agency admin reads only their agency: the agency is forced
    to theirs, and asking for another agency, or a service, counter or officer of another, is
    refused. An officer reads only their own figures: ``officer`` is forced to themselves, and asking
    for another officer is refused. ``officer_of(id)`` gives the account an ``officer`` filter names."""
    if is_hall_admin(officer):
        return filters
    if officer["role"] == AGENCY_ADMIN:
        own = officer.get("agency")
        asked = [filters.agency]
        if filters.service is not None:
            asked.append(config.services[filters.service].agency)
        if filters.counter is not None:
            asked.append(counter_agency(config, filters.counter))
        if filters.officer is not None:
            account = officer_of(filters.officer)
            asked.append(officer_agency(config, account) if account else None)
        if own is None or any(name != own for name in asked[1:]) or asked[0] not in (None, own):
            raise Forbidden("error.other_agency")
        return replace(filters, agency=own)
    if filters.officer not in (None, officer["id"]):
        raise Forbidden("error.own_figures_only")
    return replace(filters, officer=officer["id"])
