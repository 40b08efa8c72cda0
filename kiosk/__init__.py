"""The visitor's side: the touchscreen kiosk that issues tickets (and the phone's live ticket page)."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static", static_url_path="/kiosk/static")

from . import booking_page, complaint_page, kiosk_page, speech, survey_page, ticket_page  # noqa: E402, F401  (their routes register on bp; ticket_page: the phone's /t/<id>; complaint_page: /pengaduan; survey_page: the counter's survey tablet; speech: the kiosk's voice)
