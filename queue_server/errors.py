"""Errors as JSON: ``{"error": {"code", "message", "field"?}}``, never an HTML page or a traceback."""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .accounts import LoginFailed, Throttled
from .engine import Conflict, InvalidInput, NotFound, QueueError

log = logging.getLogger(__name__)

STATUS = {InvalidInput: 400, LoginFailed: 401, NotFound: 404, Conflict: 409, Throttled: 429}


class ApiError(QueueError):
    """An error raised by the web layer itself (authentication, permissions, malformed bodies)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message, field)
        self.status = status
        self.code = code


def error_response(status: int, code: str, message: str, field: str | None = None):
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    return jsonify(error=body), status


def _queue_error(error: QueueError):
    status = getattr(error, "status", None) or STATUS.get(type(error), 400)
    response, status = error_response(status, error.code, error.message, error.field)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response, status


def _http_error(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_")
    message = {
        404: f"nothing at {request.path}",
        405: f"{request.method} is not allowed on {request.path}",
        413: "the request body is too large",
    }.get(error.code, error.description or error.name)
    response, status = error_response(error.code or 500, code, message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


def _unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "the server hit an unexpected error; it was logged for the administrator")


def _database_error(error: sqlite3.DatabaseError):
    """A full disk or a damaged file is the administrator's to fix: say which, not "unexpected".

    A full disk refuses writes only; what is saved can still be read, so displays and ticket pages
    keep working while the administrator frees space."""
    reason = getattr(error, "sqlite_errorname", "")
    if reason == "SQLITE_FULL":
        log.error("disk full: %s %s could not be saved (%s)", request.method, request.path, error)
        return error_response(507, "disk_full", "disk full: the server cannot save anything new until space is freed on its disk")
    if reason in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        log.error("database damaged on %s %s: %s", request.method, request.path, error)
        return error_response(
            500, "database_damaged", "the hall's database is damaged: stop the server and restore the latest backup (antre restore)"
        )
    return _unexpected(error)


def register(app: Flask) -> None:
    app.register_error_handler(QueueError, _queue_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sqlite3.DatabaseError, _database_error)
    app.register_error_handler(Exception, _unexpected)
