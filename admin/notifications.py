"""The delivery log page (/admin/notifications, hall admins): the latest notifications sent to
visitors by Web Push and the webhook, each with its status, attempts and last error, so a hall can
see whether its gateway takes them. The same rows as ``GET /api/v1/admin/notifications``."""

from __future__ import annotations

from datetime import datetime

from antre.queue_server.hall import current_hall

from . import add_section, bp, hall_admin_page, render_page

SHOWN = 100


@bp.get("/notifications")
@hall_admin_page
def notifications_page():
    hall = current_hall()
    deliveries = hall.notifier.store.deliveries(SHOWN)
    zone = hall.config.timezone
    for delivery in deliveries:
        delivery["created_local"] = datetime.fromisoformat(delivery["created_at"]).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    return render_page("admin/notifications.html", deliveries=deliveries, webhook=hall.config.notifications.webhook is not None)

add_section("admin.notifications_page", "notify.admin.nav", hall_only=True)
