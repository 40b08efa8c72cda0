"""The visitor's side: the touchscreen kiosk that issues tickets (and the phone's live ticket page)."""

from flask import Blueprint, Response, request

bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static", static_url_path="/kiosk/static")

# Pages of one visitor (a ticket, a booking, a complaint: their URL is the token) or of one of the
# hall's devices (the survey tablet, whose pairing URL carries its key).
PRIVATE_PATHS = ("/t/", "/booking", "/pengaduan", "/survey")


@bp.after_request
def _private_pages(response: Response) -> Response:
    """Private pages change by the minute and are nobody else's: never cached, never indexed, and
    their URL never sent on as a referrer."""
    if request.path.startswith(PRIVATE_PATHS):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


from . import booking_page, complaint_page, kiosk_page, speech, survey_page, ticket_page  # noqa: E402, F401  (their routes register on bp; ticket_page: the phone's /t/<id>; complaint_page: /pengaduan; survey_page: the counter's survey tablet; speech: the kiosk's voice)
