"""The officer console's cookie session and the CSRF guard that goes with it.

Scripts use the Bearer API (docs/CONTRACT.md). A browser page must not hold a token where JavaScript
can read it, so the console keeps the same log-in token in Flask's signed, HttpOnly session cookie.
A cookie is sent by the browser whatever page started the request, so every state-changing request
that relies on it must also carry the session's CSRF token in the ``X-CSRF-Token`` header (or, for
a plain HTML form, the ``csrf_token`` field): another site can make the browser send the cookie, but
cannot read the token from the console page.

Flask's cookie is signed, not secret: anyone holding it reads its content in base64. So the log-in
token goes in encrypted (Fernet, with a key derived from the hall's secret key): a copied cookie
does not give away a Bearer token that works without the CSRF check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from flask import Blueprint, current_app, redirect, request, session, url_for

from .accounts import LoginFailed, Throttled
from .errors import ApiError
from .hall import current_hall

TOKEN_KEY = "officer_token"
CSRF_KEY = "csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def begin(token: str) -> str:
    """Start a fresh session for a log-in token; returns the new CSRF token (a log-in never reuses the old one)."""
    session.clear()
    session.permanent = True
    session[TOKEN_KEY] = _sealer().encrypt(token.encode()).decode()
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    return session[CSRF_KEY]


def end() -> str:
    """Forget the session; returns the log-in token it held (to be revoked), or ''."""
    token = session_token()
    session.clear()
    return token


def session_token() -> str:
    """The log-in token the cookie holds; '' without one, or for one not sealed with this hall's key."""
    sealed = session.get(TOKEN_KEY)
    if not isinstance(sealed, str):
        return ""
    try:
        return _sealer().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""


def _sealer() -> Fernet:
    """Fernet under a key of its own, derived from the app's secret key (which also signs the cookie)."""
    key = hashlib.sha256(b"antre session token|" + current_app.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def csrf_token() -> str:
    """The session's CSRF token, created on first use so that the log-in form is protected too."""
    if not isinstance(session.get(CSRF_KEY), str):
        session[CSRF_KEY] = secrets.token_urlsafe(32)
    return session[CSRF_KEY]


def csrf_valid() -> bool:
    expected = session.get(CSRF_KEY)
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    return isinstance(expected, str) and hmac.compare_digest(sent.encode(), expected.encode())


def require_csrf() -> None:
    """403 for a state-changing request that carries the session cookie but not its CSRF token."""
    if request.method not in SAFE_METHODS and not csrf_valid():
        raise ApiError(403, "csrf_failed", "error.csrf", CSRF_HEADER, header=CSRF_HEADER)


def request_token(bearer: str) -> str:
    """The log-in token of this request: the Bearer header if sent, else the session cookie's (CSRF-checked)."""
    if bearer:
        return bearer
    token = session_token()
    if token:
        require_csrf()
    return token


def officer() -> dict | None:
    """The officer the session cookie belongs to (active, token still valid), or None."""
    return current_hall().accounts.authenticate(session_token())


def log_in_from_form() -> tuple[str, int, dict] | None:
    """The log-in form's post, for the console and the administration alike (one throttling, one
    session): None once the session has begun, else (catalogue key, HTTP status, its params)."""
    username = request.form.get("username", "").strip().lower()
    if not csrf_valid():
        return "console.form_expired", 400, {}
    if not username or not request.form.get("password"):
        return "console.form_empty", 400, {}
    try:
        token, _ = current_hall().accounts.login(username, request.form["password"], request.remote_addr or "")
    except Throttled as error:
        return "console.throttled", 429, error.params
    except LoginFailed:
        return "console.login_failed", 401, {}
    begin(token)
    return None


def log_out() -> None:
    """End the session and revoke its token; the counters the officer held and served nobody at close."""
    token = end()
    if token:
        hall = current_hall()
        signed_in = hall.accounts.authenticate(token)
        hall.accounts.logout(token)
        if signed_in is not None:
            hall.presence.signed_out(signed_in["id"])


def safe_next(target: str | None, areas: tuple[str, ...], home: str) -> str:
    """``target`` if it is a path on this site under one of ``areas``, else ``home``'s URL: the
    log-in form must not be usable to send an officer to another site."""
    if target and target.startswith(areas) and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for(home)


def add_login_views(bp: Blueprint, login_page: Callable[..., object], areas: tuple[str, ...]) -> None:
    """The log-in and log-out routes of a staff area (the console, the administration), the same for
    each: one set of accounts, one throttling, one session. ``login_page(error_key, status, username,
    **params)`` renders the area's form; after log-in the officer goes to the ``next`` path if it is
    under ``areas``, else to the area's home."""
    home = f"{bp.name}.home"

    def login_form():
        if officer() is not None:
            return redirect(safe_next(request.args.get("next"), areas, home))
        return login_page()

    def login():
        refused = log_in_from_form()
        if refused is not None:
            key, status, params = refused
            return login_page(key, status, request.form.get("username", "").strip().lower(), **params)
        return redirect(safe_next(request.form.get("next"), areas, home))

    def logout():
        """Only with the page's CSRF token: another site must not be able to log an officer out mid-queue."""
        if not csrf_valid():
            return redirect(url_for(home))
        log_out()
        return redirect(url_for(f"{bp.name}.login_form", out=1))

    bp.add_url_rule("/login", "login_form", login_form, methods=["GET"])
    bp.add_url_rule("/login", "login", login, methods=["POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
