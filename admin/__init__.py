"""The hall's administration: pages under /admin, REST under /api/v1/admin.

Each area is a module of its own that adds its views to these blueprints and, for a page, an entry
to ``SECTIONS`` (endpoint, catalogue key), which the navigation is built from. The server checks the
role on every request, pages and API alike.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
api = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")
SECTIONS: list[tuple[str, str]] = []

from . import lobby  # noqa: E402,F401  (the areas register their views on the blueprints above)
