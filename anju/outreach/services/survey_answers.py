"""Answering a survey, once per invited household, anonymously.

A response keeps only the estate and the day, never the household; the invitation
keeps only that the household has answered, and on which day (not the time: an exact
time could be matched with the response's). For the same reason answering writes no
audit entry and no timeline entry naming the household: either, written in the same
moment as the response, would be a path from the household to its answers. The
invitation's day is the record that the household answered."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anju.core.errors import DomainError

from ..models import Answer, Invitation, Question, QuestionKind, Response, SurveyStatus

RATINGS = range(1, 6)
MAX_TEXT = 2000


class AnswerProblems(DomainError):
    """The answers cannot be taken: `problems` says why, question by question (the
    key is the question's id, or None for the survey as a whole)."""

    def __init__(self, problems: dict[int | None, str]):
        super().__init__(
            ngettext(
                "%(n)s answer needs your attention.",
                "%(n)s answers need your attention.",
                len(problems),
            )
            % {"n": len(problems)},
            code="answers",
        )
        self.problems = problems


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _integer(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def clean_answer(question: Question, value) -> Answer | None:
    """The unsaved answer to one question, None for a question left blank; raises
    ValueError with the reason, in words for the household."""
    if _blank(value) or (question.kind == QuestionKind.TEXT and not str(value).strip()):
        if question.required:
            raise ValueError(_("Please answer this question."))
        return None
    if question.kind == QuestionKind.RATING:
        rating = _integer(value)
        if rating not in RATINGS:
            raise ValueError(_("Choose a rating from 1 to 5."))
        return Answer(question=question, value=rating)
    if question.kind == QuestionKind.SINGLE:
        index = _integer(value)
        if index is None or not 0 <= index < len(question.options):
            raise ValueError(_("Choose one of the choices given."))
        return Answer(question=question, value=index)
    if question.kind == QuestionKind.MULTIPLE:
        values = value if isinstance(value, list | tuple | set) else [value]
        indexes = [_integer(v) for v in values]
        if any(i is None or not 0 <= i < len(question.options) for i in indexes):
            raise ValueError(_("Choose among the choices given."))
        return Answer(question=question, choices=sorted(set(indexes)))  # type: ignore[type-var]
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise ValueError(_("Keep the answer under %(n)s characters.") % {"n": f"{MAX_TEXT:,}"})
    return Answer(question=question, text=text)


def clean_answers(questions: list[Question], answers: Mapping[int, object]) -> list[Answer]:
    problems: dict[int | None, str] = {}
    unknown = set(answers) - {q.pk for q in questions}
    if unknown:
        problems[None] = _("These questions are not in the survey: %(ids)s.") % {
            "ids": ", ".join(str(pk) for pk in sorted(unknown))
        }
    cleaned = []
    for question in questions:
        try:
            answer = clean_answer(question, answers.get(question.pk))
        except ValueError as exc:
            problems[question.pk] = str(exc)
            continue
        if answer is not None:
            cleaned.append(answer)
    if problems:
        raise AnswerProblems(problems)
    return cleaned


def _check_open(invitation: Invitation, today: datetime.date) -> None:
    survey = invitation.survey
    if survey.status == SurveyStatus.DRAFT:
        raise DomainError(_("This survey is not open yet."), code="not_open")
    if survey.status == SurveyStatus.CLOSED or survey.closes_on < today:
        raise DomainError(
            _("This survey closed on %(d)s.") % {"d": survey.closes_on.isoformat()},
            code="closed",
        )
    if invitation.responded_at is not None:
        raise DomainError(_("Your household has already answered this survey."), code="already")


def survey_answer(invitation: Invitation, *, answers: Mapping[int, object]) -> Response:
    """Take one household's answers: `answers` maps a question's id to a rating (1–5),
    the index of the choice, a list of indexes, or the text. Every required question
    must be answered and every value be one the question allows; otherwise nothing is
    saved and AnswerProblems names each problem. The response (its estate and the
    day), its answers and the invitation's mark are written together."""
    today = timezone.localdate()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("survey", "household__unit")
            .get(pk=invitation.pk)
        )
        _check_open(invitation, today)
        household = invitation.household
        estate_id = household.estate_id or (household.unit.estate_id if household.unit else None)
        if estate_id is None or not invitation.survey.estates.filter(pk=estate_id).exists():
            raise DomainError(
                _("Your household no longer lives in one of the survey's estates."),
                code="not_housed",
            )
        questions = list(invitation.survey.questions.order_by("sort", "id"))
        cleaned = clean_answers(questions, answers)
        # The mark, taken only if no other request took it first.
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
        marked = Invitation.objects.filter(pk=invitation.pk, responded_at__isnull=True).update(
            responded_at=midnight
        )
        if not marked:
            raise DomainError(_("Your household has already answered this survey."), code="already")
        response = Response.objects.create(
            survey=invitation.survey, estate_id=estate_id, submitted_on=today
        )
        for answer in cleaned:
            answer.response = response
        Answer.objects.bulk_create(cleaned)
    return response
