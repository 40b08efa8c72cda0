"""The visitor's live ticket page at /t/<id>: the target of the QR code on the printed ticket.

The page is rendered complete on the server (number, service, status, people ahead, estimate,
requirements and fee), so it is useful even before its script runs on a slow phone; the script then
follows the ticket over the live channel (``ticket=ID`` audience, see queue_server/live.py) and
offers cancelling. The random ticket id is the visitor's capability: an id that does not exist gets
a plain not-found page, with no hint of which ids do.
"""

from __future__ import annotations

from antre.queue_server.engine import NotFound
from antre.queue_server.hall import current_hall
from flask import Response, render_template, request

from . import bp

# Every sentence of the page in both languages; the script gets the same table, so what the server
# renders first and what the live updates write can never disagree.
WORDS = {
    "id": {
        "waiting": "Menunggu giliran",
        "called": "Silakan menuju {counter}",
        "serving": "Sedang dilayani di {counter}",
        "done": "Selesai",
        "no_show": "Nomor Anda terlewat",
        "cancelled": "Antrean dibatalkan",
        "expired": "Nomor ini sudah tidak berlaku",
        "ahead": "{n} orang di depan Anda",
        "ahead_none": "Anda berikutnya",
        "eta": "Perkiraan tunggu sekitar {low}–{high} menit",
        "eta_soon": "Perkiraan: sebentar lagi",
        "eta_none": "Belum ada loket yang buka untuk layanan ini",
        "recalled": "Dipanggil ulang",
        "thanks": "Terima kasih telah menggunakan layanan kami.",
        "missed": "Silakan hubungi petugas informasi.",
        "cancel": "Batalkan antrean",
        "cancel_sure": "Yakin ingin membatalkan? Nomor ini tidak bisa dipakai lagi.",
        "cancel_yes": "Ya, batalkan",
        "cancel_no": "Tidak",
        "cancel_failed": "Gagal membatalkan, coba lagi.",
        "offline": "Menyambung ulang…",
    },
    "en": {
        "waiting": "Waiting for your turn",
        "called": "Please go to {counter}",
        "serving": "Being served at {counter}",
        "done": "Done",
        "no_show": "Your number was missed",
        "cancelled": "Cancelled",
        "expired": "This number is no longer valid",
        "ahead": "{n} people ahead of you",
        "ahead_none": "You are next",
        "eta": "Estimated wait about {low}–{high} minutes",
        "eta_soon": "Estimated: very soon",
        "eta_none": "No counter is open for this service yet",
        "recalled": "Called again",
        "thanks": "Thank you for visiting.",
        "missed": "Please ask at the information desk.",
        "cancel": "Cancel my place",
        "cancel_sure": "Cancel for sure? This number cannot be used again.",
        "cancel_yes": "Yes, cancel",
        "cancel_no": "No",
        "cancel_failed": "Could not cancel, please try again.",
        "offline": "Reconnecting…",
    },
}


def say(lang: str, key: str, ticket: dict) -> str:
    """One sentence about a ticket, as the server renders it before the script takes over."""
    low, high = ticket.get("eta_range") or (0, 0)
    counter = (ticket.get("counter") or {}).get("name", "")
    return WORDS[lang][key].format(counter=counter, n=ticket.get("waiting_ahead"), low=low, high=high)


def eta_key(ticket: dict) -> str:
    if ticket.get("eta_range") is None:
        return "eta_none"
    return "eta_soon" if ticket["eta_range"][1] <= 1 else "eta"


@bp.get("/t/<ticket_id>")
def ticket_page(ticket_id: str):
    hall = current_hall()
    try:
        ticket = hall.engine.ticket(ticket_id)
    except NotFound:
        return render_template("kiosk/ticket.html", hall=hall.config, ticket=None, service=None, langs=_langs(hall.config)), 404
    service = hall.config.services[ticket["service"]]
    return render_template(
        "kiosk/ticket.html",
        hall=hall.config,
        ticket=ticket,
        service=service,
        langs=_langs(hall.config),
        words=WORDS,
        say=say,
        eta_key=eta_key,
    )


def _langs(hall) -> tuple[str, str]:
    """The hall's language first, the other one second."""
    return ("en", "id") if hall.language == "en" else ("id", "en")


@bp.after_request
def _ticket_headers(response: Response) -> Response:
    """A ticket page is private to its holder and changes by the minute: never cached, never indexed."""
    if request.path.startswith("/t/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response
