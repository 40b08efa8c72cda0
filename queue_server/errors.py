"""Errors as JSON: ``{"error": {"code", "message", "field"?}}``, never an HTML page or a traceback."""

from __future__ import annotations

import logging

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


def register(app: Flask) -> None:
    app.register_error_handler(QueueError, _queue_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
