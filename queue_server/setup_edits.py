"""Edits on the setup document (queue_server/setup.py): one item of a list found by its key, added,
merged or removed, and what must follow it elsewhere in the document.

Plain functions on the dict in config.yaml's shape, so the admin API (admin/setup_api.py) hands
them to ``Setup.change`` and the config's own validation judges the result. They refuse only what
validation could not explain well: renaming a key that tickets and events carry, or a removal that
would leave a counter or a break with nothing, which they name in the words of the hall.
"""

from __future__ import annotations

from typing import Any

from .engine import Conflict, InvalidInput, NotFound

KEYS = {"services": "code", "counters": "id", "agencies": "name", "kiosks": "id", "displays": "id"}
RENAMABLE = ("agencies",)  # only an agency's name lives in no ticket; services and displays follow it


def items(document: dict, kind: str) -> list[dict]:
    """The list ``kind`` of the document, made explicit: without an ``agencies`` section the
    services' agency names are the agencies (config.py), so editing one writes the section out."""
    if kind == "agencies" and "agencies" not in document:
        names = dict.fromkeys(service.get("agency") for service in document.get("services") or [])
        document["agencies"] = [{"name": name} for name in names if name]
    return document.setdefault(kind, [])


def position(document: dict, kind: str, key: str) -> int:
    """Where the item with this key is in its list; NotFound otherwise."""
    for index, item in enumerate(items(document, kind)):
        if item.get(KEYS[kind]) == key:
            return index
    raise NotFound("error.unknown_item", KEYS[kind], kind=kind, item=key)


def find(document: dict, kind: str, key: str) -> dict:
    return items(document, kind)[position(document, kind, key)]


def add(document: dict, kind: str, item: dict) -> int:
    """Append ``item``; returns its index (duplicates are the validation's to name)."""
    listed = items(document, kind)
    listed.append(dict(item))
    return len(listed) - 1


def merge(document: dict, kind: str, key: str, fields: dict[str, Any]) -> int:
    """Merge ``fields`` into the item (a field set to None is removed); returns its index.

    A new key is refused except for an agency, whose services and displays follow the new name."""
    index = position(document, kind, key)
    item = document[kind][index]
    key_name = KEYS[kind]
    new_key = fields.get(key_name, key)
    if new_key != key:
        if kind not in RENAMABLE:
            raise InvalidInput("error.key_fixed", key_name, name=key_name, item=key)
        _rename_agency(document, key, new_key)
    for name, value in fields.items():
        if value is None:
            item.pop(name, None)
        else:
            item[name] = value
    return index


def _rename_agency(document: dict, old: str, new: Any) -> None:
    for service in document.get("services") or []:
        if service.get("agency") == old:
            service["agency"] = new
    for screen in document.get("displays") or []:
        screen["agencies"] = [new if name == old else name for name in screen.get("agencies") or []]


def remove(document: dict, kind: str, key: str) -> dict:
    """Take the item out, and out of every list that names it; returns it."""
    item = items(document, kind).pop(position(document, kind, key))
    if kind == "services":
        _leave_counters(document, key)
    elif kind == "counters":
        _leave_breaks(document, key)
    elif kind == "agencies":
        _leave_displays(document, item)
    return item


def _leave_counters(document: dict, code: str) -> None:
    for counter in document.get("counters") or []:
        served = [c for c in counter.get("services") or [] if c != code]
        if not served:
            raise Conflict("error.counter_left_empty", service=code, counter=counter.get("name"))
        counter["services"] = served


def _leave_breaks(document: dict, counter_id: str) -> None:
    for planned in (document.get("hall") or {}).get("breaks") or []:
        if "counters" not in planned:
            continue
        left = [c for c in planned["counters"] if c != counter_id]
        if not left:
            raise Conflict("error.break_left_empty", counter=counter_id, time=planned.get("time"))
        planned["counters"] = left


def _leave_displays(document: dict, agency: dict) -> None:
    names = {agency.get("name"), agency.get("short_name")} - {None}
    for service in document.get("services") or []:
        if service.get("agency") in names:
            raise Conflict("error.agency_has_services", agency=agency.get("name"), service=service.get("code"))
    for screen in document.get("displays") or []:
        screen["agencies"] = [name for name in screen.get("agencies") or [] if name not in names]


def merge_settings(document: dict, fields: dict[str, Any]) -> None:
    """Top-level setup keys: a section (``hall``, ``priority``, ``announcements``) is merged one
    level deep, a field set to None removed; any other value replaces the key's."""
    for name, value in fields.items():
        current = document.get(name)
        if value is None:
            document.pop(name, None)
        elif isinstance(value, dict) and isinstance(current, dict):
            for field, sub in value.items():
                if sub is None:
                    current.pop(field, None)
                else:
                    current[field] = sub
        else:
            document[name] = value
