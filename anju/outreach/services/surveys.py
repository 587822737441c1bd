"""Satisfaction surveys (满意度调查): a survey is drafted with its questions, sent to the
housed households of its estates (which opens it: one invitation each and a portal
message), answered once per household (anju.outreach.services.survey_answers) and
closed, by hand or by the daily task once its closing day has passed. The standard
yearly survey is built by anju.outreach.services.survey_yearly.

The statuses move through one table, `TRANSITIONS`: a draft is opened by sending it;
sending an open survey again invites the households housed since, and nobody twice."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify
from anju.core.errors import DomainError
from anju.core.models import MessageChannel
from anju.households.models import Household
from anju.housing.models import Estate

from ..models import Dimension, Invitation, Question, QuestionKind, Survey, SurveyKind, SurveyStatus

TRANSITIONS: dict[str, set[str]] = {
    SurveyStatus.DRAFT: {SurveyStatus.OPEN},
    SurveyStatus.OPEN: {SurveyStatus.OPEN, SurveyStatus.CLOSED},  # sent again: newcomers
    SurveyStatus.CLOSED: set(),
}
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
MAX_QUESTIONS = 60
MAX_OPTIONS = 20

notify.register(
    "survey.invited.portal",
    MessageChannel.PORTAL,
    gettext_lazy(
        "Please tell us what you think: “{title}”. It takes a few minutes and your "
        "answers are anonymous. Answer on the portal by {closes}."
    ),
)


def check_move(survey: Survey, to: str) -> None:
    if to not in TRANSITIONS[SurveyStatus(survey.status)]:
        raise DomainError(
            _("A survey that is “%(now)s” cannot become “%(to)s”.")
            % {"now": survey.get_status_display(), "to": SurveyStatus(to).label},
            code="bad_transition",
        )


def _check_draft(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise DomainError(
            _("The survey has been sent; its questions can no longer change."), code="sent"
        )


def _lock(survey: Survey) -> Survey:
    return Survey.objects.select_for_update().get(pk=survey.pk)


# --- The survey -------------------------------------------------------------------------


@dataclass
class SurveyInput:
    title: str
    year: int
    estates: Sequence[Estate]
    opens_on: datetime.date
    closes_on: datetime.date
    intro: str = ""

    def clean(self, actor) -> dict:
        title = (self.title or "").strip()
        if not title:
            raise DomainError(_("Give the survey a title."), code="title")
        try:
            year = int(self.year)
        except (TypeError, ValueError):
            year = 0
        if not 2000 <= year <= 2100:
            raise DomainError(_("Give the year the survey is about."), code="year")
        estates = list(self.estates or [])
        if not estates:
            raise DomainError(_("Choose the estates whose households are asked."), code="estates")
        visible = set(
            Estate.objects.visible_to(actor)
            .filter(pk__in=[e.pk for e in estates])
            .values_list("pk", flat=True)
        )
        if len(visible) != len({e.pk for e in estates}):
            raise DomainError(_("Choose among your estates."), code="estates")
        if not (self.opens_on and self.closes_on):
            raise DomainError(_("Give the days the survey opens and closes."), code="dates")
        if self.closes_on < self.opens_on:
            raise DomainError(_("The survey must close after it opens."), code="dates")
        return {
            "title": title[:120],
            "intro": (self.intro or "").strip(),
            "year": year,
            "opens_on": self.opens_on,
            "closes_on": self.closes_on,
            "estates": estates,
        }


FIELDS = ["title", "intro", "year", "opens_on", "closes_on", "status", "kind"]


def survey_create(data: SurveyInput, *, actor, kind: str = SurveyKind.AD_HOC) -> Survey:
    """A draft survey without questions yet."""
    values = data.clean(actor)
    estates = values.pop("estates")
    with transaction.atomic():
        survey = Survey.objects.create(**values, kind=kind, created_by=actor)
        survey.estates.set(estates)
        audit.record(
            actor=actor,
            action="survey.create",
            target=survey,
            changes={
                **audit.snapshot(survey, FIELDS),
                "estates": sorted(e.code for e in estates),
            },
        )
    return survey


def survey_edit(survey: Survey, data: SurveyInput, *, actor) -> Survey:
    """Change a draft's title, introduction, year, estates or days."""
    values = data.clean(actor)
    estates = values.pop("estates")
    with transaction.atomic():
        survey = _lock(survey)
        _check_draft(survey)
        before = audit.snapshot(survey, FIELDS)
        before_estates = sorted(survey.estates.values_list("code", flat=True))
        for name, value in values.items():
            setattr(survey, name, value)
        survey.save(update_fields=list(values))
        survey.estates.set(estates)
        changes = audit.diff(before, audit.snapshot(survey, FIELDS))
        after_estates = sorted(e.code for e in estates)
        if after_estates != before_estates:
            changes["estates"] = [before_estates, after_estates]
        audit.record(actor=actor, action="survey.edit", target=survey, changes=changes)
    return survey


# --- Questions --------------------------------------------------------------------------


def clean_options(kind: str, options: Iterable[str] | None) -> list[str]:
    options = [str(o).strip() for o in (options or []) if str(o).strip()]
    if kind not in CHOICE_KINDS:
        return []
    if len(options) < 2:
        raise DomainError(_("Give at least two choices, one a line."), code="options")
    if len(options) > MAX_OPTIONS:
        raise DomainError(_("Give at most %(n)s choices.") % {"n": MAX_OPTIONS}, code="options")
    if len(set(options)) != len(options):
        raise DomainError(_("Each choice must be different."), code="options")
    if any(len(o) > 100 for o in options):
        raise DomainError(_("Keep each choice under 100 characters."), code="options")
    return options


def question_add(
    survey: Survey,
    *,
    actor,
    kind: str,
    text: str,
    options: Iterable[str] | None = None,
    dimension: str = "",
    required: bool = True,
) -> Question:
    """Add a question at the end of a draft. Only a rating question measures a
    dimension (the evaluation averages its ratings)."""
    text = (text or "").strip()
    if kind not in QuestionKind.values:
        raise DomainError(_("Choose the type of question."), code="kind")
    if not text:
        raise DomainError(_("Write the question."), code="text")
    if len(text) > 300:
        raise DomainError(_("Keep the question under 300 characters."), code="text")
    dimension = dimension or ""
    if dimension and dimension not in Dimension.values:
        raise DomainError(_("Unknown dimension."), code="dimension")
    if dimension and kind != QuestionKind.RATING:
        raise DomainError(_("Only a rating question measures a dimension."), code="dimension")
    options = clean_options(kind, options)
    with transaction.atomic():
        survey = _lock(survey)
        _check_draft(survey)
        if survey.questions.count() >= MAX_QUESTIONS:
            raise DomainError(
                _("A survey has at most %(n)s questions.") % {"n": MAX_QUESTIONS},
                code="too_many",
            )
        last = survey.questions.aggregate(m=Max("sort"))["m"]
        question = Question.objects.create(
            survey=survey,
            sort=0 if last is None else last + 1,
            kind=kind,
            text=text,
            options=options,
            dimension=dimension,
            required=bool(required),
        )
        audit.record(
            actor=actor,
            action="survey.question_add",
            target=survey,
            changes={"question": text, "kind": kind, "options": options, "dimension": dimension},
        )
    return question


def question_remove(question: Question, *, actor) -> None:
    with transaction.atomic():
        survey = _lock(question.survey)
        _check_draft(survey)
        text = question.text
        question.delete()
        _renumber(survey)
        audit.record(
            actor=actor, action="survey.question_remove", target=survey, changes={"question": text}
        )


def question_move(question: Question, *, actor, by: int) -> None:
    """Move a question up (`by` = -1) or down (+1) among the draft's questions."""
    with transaction.atomic():
        survey = _lock(question.survey)
        _check_draft(survey)
        order = list(survey.questions.order_by("sort", "id"))
        at = next(i for i, q in enumerate(order) if q.pk == question.pk)
        to = min(max(at + (1 if by > 0 else -1), 0), len(order) - 1)
        if to == at:
            return
        order.insert(to, order.pop(at))
        _renumber(survey, order)
        audit.record(
            actor=actor,
            action="survey.question_move",
            target=survey,
            changes={"question": question.text, "position": [at + 1, to + 1]},
        )


def _renumber(survey: Survey, order: list[Question] | None = None) -> None:
    order = order if order is not None else list(survey.questions.order_by("sort", "id"))
    for i, q in enumerate(order):
        q.sort = i
    Question.objects.bulk_update(order, ["sort"])


# --- Sending and closing ----------------------------------------------------------------


def housed_households(survey: Survey):
    """The households a survey asks: those living in one of its estates."""
    return Household.objects.filter(estate__in=survey.estates.all(), unit__isnull=False)


def survey_send(survey: Survey, *, actor) -> int:
    """Open the survey: an invitation and a portal message for every household housed in
    its estates that has none yet. Sending again is harmless: it invites only the
    households housed since. Returns how many households were invited now."""
    today = timezone.localdate()
    with transaction.atomic():
        survey = _lock(survey)
        check_move(survey, SurveyStatus.OPEN)
        if not survey.questions.exists():
            raise DomainError(_("Add at least one question first."), code="no_questions")
        if not survey.estates.exists():
            raise DomainError(_("Choose the estates whose households are asked."), code="estates")
        if survey.closes_on < today:
            raise DomainError(
                _("The survey closes on %(d)s, before today: move its closing day first.")
                % {"d": survey.closes_on.isoformat()},
                code="dates",
            )
        households = list(
            housed_households(survey)
            .exclude(survey_invitations__survey=survey)
            .only("id", "number")
            .order_by("id")
        )
        now = timezone.now()
        Invitation.objects.bulk_create(
            [Invitation(survey=survey, household=h, sent_at=now) for h in households],
            batch_size=1000,
            ignore_conflicts=True,  # a send racing this one invited the same household
        )
        first = survey.status == SurveyStatus.DRAFT
        fields = []
        if first:
            survey.status, survey.sent_at = SurveyStatus.OPEN, now
            fields += ["status", "sent_at"]
            if survey.opens_on > today:  # sending opens it
                survey.opens_on = today
                fields.append("opens_on")
            survey.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="survey.send",
            target=survey,
            changes={"invited": len(households), "first": first},
        )
        context = {"title": survey.title, "closes": survey.closes_on.isoformat()}
        rows = [
            ("survey.invited.portal", f"survey:{survey.pk}:{h.pk}", h, context) for h in households
        ]
        transaction.on_commit(lambda: notify.queue_many(rows))
    return len(households)


def survey_close(survey: Survey, *, actor) -> Survey:
    """Close an open survey: no more answers."""
    with transaction.atomic():
        survey = _lock(survey)
        check_move(survey, SurveyStatus.CLOSED)
        survey.status = SurveyStatus.CLOSED
        survey.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="survey.close",
            target=survey,
            changes={"status": [SurveyStatus.OPEN, SurveyStatus.CLOSED]},
        )
    return survey


def surveys_close_due(today: datetime.date | None = None) -> int:
    """Close the open surveys whose closing day has passed. Returns how many."""
    today = today or timezone.localdate()
    due = list(Survey.objects.filter(status=SurveyStatus.OPEN, closes_on__lt=today))
    if not due:
        return 0
    with transaction.atomic():
        Survey.objects.filter(pk__in=[s.pk for s in due]).update(status=SurveyStatus.CLOSED)
        audit.record_many(
            actor=None,
            items=[
                ("survey.close", s, {"status": [SurveyStatus.OPEN, SurveyStatus.CLOSED]})
                for s in due
            ],
        )
    return len(due)
