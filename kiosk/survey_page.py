"""The SKM survey where the visitor is: the form both pages share, and the tablet beside a counter
at /survey?counter=ID.

The tablet is a paired device (queue_server/skm/tablet.py): ``antre survey-key COUNTER`` prints its
key, ``/survey/pair?counter=ID&key=KEY`` keeps it in an HttpOnly cookie, and only then does the page
join the live channel's ``survey=ID`` audience, which tells it of each ticket the counter completes
(``survey_offer``, with the ticket's id: the survey's token). An unpaired browser gets a page saying
how to pair it and nothing else. The phone page's part is in kiosk/ticket_page.py.
"""

from __future__ import annotations

from typing import Any

from antre.queue_server.device_keys import keep_in_cookie
from antre.queue_server.hall import current_hall
from antre.queue_server.i18n import second_language
from antre.queue_server.skm import elements as skm
from antre.queue_server.skm.survey import MAX_COMMENT
from antre.queue_server.skm.tablet import COOKIE, tablet_of_key
from flask import redirect, render_template, request, url_for

from . import bp

THANKS_SECONDS = 6  # the tablet's thank-you stays this long before the idle screen


def form_fields() -> dict[str, Any]:
    """What kiosk/templates/kiosk/survey_form.html draws, from the regulation's lists (skm/elements.py)."""
    return {
        "elements": [
            {
                "key": element,
                "title": skm.title_key(element),
                "question": skm.question_key(element),
                "answers": [{"score": score, "key": skm.answer_key(element, score)} for score in skm.SCORES],
            }
            for element in skm.ELEMENTS
        ],
        "sexes": _choices("sex"),
        "selects": [{"name": name, "label": f"skm.{name}.label", "choices": _choices(name)} for name in ("education", "occupation")],
        "age_min": skm.AGE_RANGE[0],
        "age_max": skm.AGE_RANGE[1],
        "comment_max": MAX_COMMENT,
    }


def _choices(field: str) -> list[dict[str, str]]:
    return [{"value": value, "key": skm.choice_key(field, value)} for value in skm.PROFILE_CHOICES[field]]


def langs() -> tuple[str, str]:
    """The hall's language first, its second language under it (as on the phone page)."""
    language = current_hall().config.language
    return (language, second_language(language))


@bp.get("/survey")
def tablet():
    """The tablet's page, for a paired browser only: what it shows comes over the live channel."""
    hall = current_hall()
    counter_id = request.args.get("counter", "")
    counter = hall.config.counters.get(counter_id)
    if counter is None:
        return _unknown(counter_id)
    if tablet_of_key(hall.store, [counter.id], request.cookies.get(COOKIE)) is None:
        return _unpaired(counter.id, wrong_key=False)
    settings = {"counter": counter.id, "thanks_seconds": THANKS_SECONDS, "offer_seconds": hall.config.survey.tablet_seconds}
    return render_template(
        "kiosk/survey_tablet.html", hall=hall.config, counter=counter, settings=settings, form=form_fields(), langs=langs()
    )


@bp.get("/survey/pair")
def pair_tablet():
    """Once per tablet: keep the counter's tablet key (from ``antre survey-key COUNTER``) in an
    HttpOnly cookie, then open the tablet's page."""
    hall = current_hall()
    counter_id, key = request.args.get("counter", ""), request.args.get("key", "")
    if counter_id not in hall.config.counters:
        return _unknown(counter_id)
    if tablet_of_key(hall.store, [counter_id], key) is None:
        return _unpaired(counter_id, wrong_key=True)
    return keep_in_cookie(redirect(url_for(".tablet", counter=counter_id)), COOKIE, key)


def _unknown(counter_id: str) -> tuple[str, int]:
    """A counter the setup does not have: say which it has (404)."""
    hall = current_hall().config
    return render_template("kiosk/survey_unknown.html", hall=hall, counter_id=counter_id, known=", ".join(hall.counters)), 404


def _unpaired(counter_id: str, wrong_key: bool) -> tuple[str, int]:
    """A browser without the counter's tablet key: say how to pair it, show nothing else (403)."""
    return render_template("kiosk/survey_unpaired.html", hall=current_hall().config, counter_id=counter_id, wrong_key=wrong_key), 403
