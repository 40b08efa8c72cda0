"""Errors as JSON: ``{"error": {"code", "message", "field"?}}``, never an HTML page or a traceback."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .accounts import LoginFailed, Throttled
from .engine import Conflict, InvalidInput, NotFound, QueueError
from .hall import current_hall
from .i18n import gettext, negotiate
from .roles import Forbidden, PasswordChangeRequired

log = logging.getLogger(__name__)

STATUS = {InvalidInput: 400, LoginFailed: 401, Forbidden: 403, PasswordChangeRequired: 403, NotFound: 404, Conflict: 409, Throttled: 429}


class ApiError(QueueError):
    """An error raised by the web layer itself (authentication, permissions, malformed bodies)."""

    def __init__(self, status: int, code: str, key: str, field: str | None = None, details: dict | None = None, **params: Any):
        super().__init__(key, field, **params)
        self.status = status
        self.code = code
        self.details = details or {}


def error_response(status: int, code: str, message: str, field: str | None = None, details: dict | None = None):
    """The error body; ``details`` are what a program needs besides the sentence (the problems of
    an invalid setup, how many tickets wait)."""
    body = {"code": code, "message": message, **(details or {})}
    if field:
        body["field"] = field
    return jsonify(error=body), status


def request_language() -> str:
    """The language of the words an answer carries: the best of ``Accept-Language`` that the
    catalogue has (the kiosk sends the visitor's choice, the console the hall's), else the hall's."""
    return negotiate(request.headers.get("Accept-Language"), current_hall().config.language)


def _queue_error(error: QueueError):
    status = getattr(error, "status", None) or STATUS.get(type(error), 400)
    details = getattr(error, "details", None)
    response, status = error_response(status, error.code, error.text(request_language()), error.field, details)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response, status


def _http_error(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_")
    if error.code in (404, 405, 413):
        message = gettext(request_language(), f"error.http_{error.code}", method=request.method, path=request.path)
    else:
        message = error.description or error.name
    response, status = error_response(error.code or 500, code, message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


def _unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", gettext(request_language(), "error.internal"))


def _database_error(error: sqlite3.DatabaseError):
    """A full disk or a damaged file is the administrator's to fix: say which, not "unexpected".

    A full disk refuses writes only; what is saved can still be read, so displays and ticket pages
    keep working while the administrator frees space."""
    reason = getattr(error, "sqlite_errorname", "")
    if reason == "SQLITE_FULL":
        log.error("disk full: %s %s could not be saved (%s)", request.method, request.path, error)
        return error_response(507, "disk_full", gettext(request_language(), "error.disk_full"))
    if reason in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        log.error("database damaged on %s %s: %s", request.method, request.path, error)
        return error_response(500, "database_damaged", gettext(request_language(), "error.database_damaged"))
    return _unexpected(error)


def register(app: Flask) -> None:
    app.register_error_handler(QueueError, _queue_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sqlite3.DatabaseError, _database_error)
    app.register_error_handler(Exception, _unexpected)
