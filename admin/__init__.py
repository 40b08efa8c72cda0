"""Hall administration: the pages at /admin and the REST API at /api/v1/admin.

Each area is a module of its own that adds its views to ``bp`` (pages) or ``api`` (REST) and, for a
page in the navigation, appends ``(endpoint, catalogue key)`` to ``SECTIONS``: the base template
lists them, so a new area never edits another's files. Roles are enforced by the server on every
request (queue_server/roles.py), never by hiding a button.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")
api = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")
SECTIONS: list[tuple[str, str]] = []

from . import lobby, setup_api  # noqa: E402, F401  (the areas register their views on the blueprints above)
