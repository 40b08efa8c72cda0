"""Taking a served visitor's SKM response: who may answer, what a valid answer is, and what is kept.

The rules of integrity (docs/CONTRACT.md, "SKM survey API"):

* The ticket id is the token: only its holder (the phone page, the counter's tablet) knows it.
* One response per ticket, only for a ticket that was served (its last event is ``completed``),
  and only within ``survey.days`` of that; ``survey.enabled`` false takes no response at all.
* A response keeps the answers, the optional profile and comment, and what the aggregates need: the
  service, agency, counter and officer of the served leg. No name, contact or address. It is not
  written to the event log, which officers read: an officer sees only aggregates.
* Any error stores nothing: the body is checked whole before the write, and the checks that need
  the database run in the same transaction as the insert.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..clock import Clock, iso
from ..config import HallConfig
from ..engine import Conflict, InvalidInput, NotFound
from ..store import Store, Tx
from .elements import AGE_RANGE, ELEMENTS, PROFILE_CHOICES, SCORES
from .index import PROFILE_FIELDS
from .store import AlreadyAnswered, SkmStore

BODY_FIELDS = ("answers", "profile", "comment")
CHANNELS = ("phone", "tablet")
MAX_COMMENT = 1_000  # characters: room for a paragraph, not for a document


class SurveyRefused(Conflict):
    """The ticket may not answer (now): HTTP 409 with the reason as its code."""

    status = 409

    def __init__(self, code: str):
        super().__init__(f"error.skm_{code}")
        self.code = code


class Survey:
    def __init__(self, store: Store, config: HallConfig, clock: Clock):
        self.store = store
        self.responses = SkmStore(store)
        self.config = config
        self.clock = clock

    def reconfigure(self, config: HallConfig) -> None:
        self.config = config

    def state(self, ticket_id: str) -> dict:
        """Whether a page should offer the survey: ``open``, ``answered``, ``not_served``, ``closed``
        (past ``survey.days``) or ``disabled``, and ``until`` (when it closes, for a served ticket).
        NotFound (404) for an unknown id."""
        with self.store.read() as tx:
            _ticket, served_at = _served(tx, ticket_id)
            answered = self.responses.answered(tx, ticket_id)
        until = None if served_at is None else iso(self._closes(served_at))
        if not self.config.survey.enabled:
            state = "disabled"
        elif answered:
            state = "answered"
        elif served_at is None:
            state = "not_served"
        elif self.clock() > self._closes(served_at):
            state = "closed"
        else:
            state = "open"
        return {"state": state, "until": until}

    def answer(self, ticket_id: str, body: Any, channel: str) -> None:
        """Store the response ``body`` (the contract's ``{answers, profile?, comment?}``) for a
        served ticket; raise InvalidInput (400, naming the field), NotFound (404) or SurveyRefused
        (409: ``survey_disabled``, ``not_served``, ``already_answered``, ``survey_closed``) with
        nothing stored."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown survey channel {channel!r}")
        if not self.config.survey.enabled:
            raise SurveyRefused("survey_disabled")
        response = {**checked_body(body), "channel": channel}

        def work(tx: Tx) -> None:
            ticket, served_at = _served(tx, ticket_id)
            if served_at is None:
                raise SurveyRefused("not_served")
            if self.responses.answered(tx, ticket_id):
                raise SurveyRefused("already_answered")
            now = self.clock()
            if now > self._closes(served_at):
                raise SurveyRefused("survey_closed")
            try:
                self.responses.insert(tx, {**response, **self._attribution(tx, ticket, served_at, now)})
            except AlreadyAnswered:
                raise SurveyRefused("already_answered") from None

        self.store.transact(work)

    def _closes(self, served_at: datetime) -> datetime:
        return served_at + timedelta(days=self.config.survey.days)

    def _local_day(self, moment: datetime) -> str:
        return moment.astimezone(self.config.timezone).date().isoformat()

    def _attribution(self, tx: Tx, ticket: dict, served_at: datetime, now: datetime) -> dict:
        """What the aggregates count a response under: the served leg's counter and officer (the last
        ``completed`` event), its service and that service's agency now, and the days."""
        completed = next(e for e in reversed(tx.events_for_ticket(ticket["id"])) if e["kind"] == "completed")
        return {
            "ticket_id": ticket["id"],
            "answered_at": iso(now),
            "day": self._local_day(now),
            "served_day": self._local_day(served_at),
            "service": ticket["service"],
            "agency": self.config.service(ticket["service"]).agency,
            "counter_id": completed["counter_id"],
            "officer_id": completed["officer_id"],
        }


def _served(tx: Tx, ticket_id: str) -> tuple[dict, datetime | None]:
    """The ticket (NotFound, with no hint, for an unknown id) and when it was served (None when it
    was not: still open, or ended otherwise than completed)."""
    ticket = tx.ticket(ticket_id) if isinstance(ticket_id, str) else None
    if ticket is None:
        raise NotFound("error.no_ticket", "ticket_id")
    served = ticket["status"] == "done" and ticket["finished_at"] is not None
    return ticket, datetime.fromisoformat(ticket["finished_at"]) if served else None


def checked_body(body: Any) -> dict:
    """The response's columns from a request body, or InvalidInput naming the first bad field."""
    if not isinstance(body, dict):
        raise InvalidInput("error.body", "body")
    unknown = next((name for name in body if name not in BODY_FIELDS), None)
    if unknown is not None:
        raise InvalidInput("error.unknown_field", unknown, name=unknown)
    return {**_answers(body.get("answers")), **_profile(body.get("profile")), "comment": _comment(body.get("comment"))}


def _answers(answers: Any) -> dict:
    """Each element's score 1–4 (a whole number: not "3", 3.0 or true), or None when left out."""
    if not isinstance(answers, dict):
        raise InvalidInput("error.skm_answers", "answers")
    unknown = next((key for key in answers if key not in ELEMENTS), None)
    if unknown is not None:
        raise InvalidInput("error.skm_element", f"answers.{unknown}", element=unknown)
    scores = {}
    for element in ELEMENTS:
        score = answers.get(element)
        if score is not None and (type(score) is not int or score not in SCORES):
            raise InvalidInput("error.skm_score", f"answers.{element}", element=element)
        scores[element] = score
    if all(score is None for score in scores.values()):
        raise InvalidInput("error.skm_no_answers", "answers")
    return scores


def _profile(profile: Any) -> dict:
    """The respondent's sex, age, education and occupation, each optional (None: not given)."""
    if profile is None:
        profile = {}
    if not isinstance(profile, dict):
        raise InvalidInput("error.skm_profile", "profile")
    unknown = next((key for key in profile if key not in PROFILE_FIELDS), None)
    if unknown is not None:
        raise InvalidInput("error.unknown_field", f"profile.{unknown}", name=f"profile.{unknown}")
    for field, choices in PROFILE_CHOICES.items():
        value = profile.get(field)
        if value is not None and value not in choices:
            raise InvalidInput("error.skm_choice", f"profile.{field}", choices=", ".join(choices))
    age = profile.get("age")
    if age is not None and (type(age) is not int or not AGE_RANGE[0] <= age <= AGE_RANGE[1]):
        raise InvalidInput("error.skm_age", "profile.age", low=AGE_RANGE[0], high=AGE_RANGE[1])
    return {field: profile.get(field) for field in PROFILE_FIELDS}


def _comment(comment: Any) -> str | None:
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise InvalidInput("error.skm_comment", "comment", max=MAX_COMMENT)
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput("error.skm_comment", "comment", max=MAX_COMMENT)
    return comment or None
