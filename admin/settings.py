"""The hall's settings page (/admin/settings, hall admin): the hall's name and language, the
priority rules, the kiosk's and counters' switches and the announcements.

Every field is a key of the setup document (queue_server/config.py's schema) and is saved through
``PATCH /api/v1/admin/settings``: the config's rules judge it and name the field that is wrong.
"""

from __future__ import annotations

from antre.queue_server.config import LANGUAGES, PRIORITY_CATEGORIES, READING_MODES

from . import add_section, bp, hall_admin_page, render_page


@bp.get("/settings")
@hall_admin_page
def settings_page():
    return render_page("admin/settings.html", languages=LANGUAGES, readings=READING_MODES, categories=PRIORITY_CATEGORIES)


add_section("admin.settings_page", "admin.settings", hall_only=True)
