"""The clock of feedback: escalating each missed deadline one level up, and closing
answered feedback that nobody rated.

Each deadline that passes unmet (to acknowledge, to answer) moves the feedback one level
up: a property company or an operator to the authority, a community to its street, a
street to the authority; the authority keeps it, and the escalation still counts (it is
flagged by `level`). The deadlines themselves stay: an escalation is the sign of a
lapse, not a fresh start.

The sweep must not escalate the same missed deadline twice, however often it runs. The
ESCALATED step records the moment of the deadline it answers for as its time (`at`):
a feedback whose deadline already has an ESCALATED step at that moment is done. A
reopened feedback gets a new deadline to answer, a new moment, and so can be escalated
again when it misses that one too."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from anju.core import audit
from anju.core.models import Organisation, OrgKind

from ..models import OPEN_FEEDBACK, Feedback, FeedbackStep, FeedbackStepKind
from ..models.feedback import FeedbackStatus
from .feedback import (
    MESSAGE_LANGUAGE,
    add_step,
    add_timeline,
    authority,
    check_move,
    local_text,
    notify_staff,
)

S = FeedbackStatus
ACKNOWLEDGE, ANSWER = "acknowledge", "answer"
DEADLINE_WORDS = {
    ACKNOWLEDGE: gettext_lazy("acknowledge it"),
    ANSWER: gettext_lazy("answer it"),
}


def level_up(org: Organisation) -> Organisation:
    """The organisation one level above `org` for feedback: a community's street; the
    authority for the others; the authority itself stays."""
    if org.kind == OrgKind.AUTHORITY:
        return org
    parent = org.parent if org.kind == OrgKind.COMMUNITY else None
    if parent is not None and parent.kind == OrgKind.STREET:
        return parent
    return authority()


def _escalated_at(moment_field: str) -> Exists:
    return Exists(
        FeedbackStep.objects.filter(
            feedback=OuterRef("pk"), kind=FeedbackStepKind.ESCALATED, at=OuterRef(moment_field)
        )
    )


def overdue_unescalated(now: datetime.datetime):
    """Feedback with a deadline passed unmet and not yet escalated for it: one set-based
    query; the sweep then takes them one by one, locked."""
    missed_ack = Q(status=S.RECEIVED, acknowledge_by__lte=now) & ~_escalated_at("acknowledge_by")
    missed_answer = Q(status__in=OPEN_FEEDBACK, answer_by__lte=now) & ~_escalated_at("answer_by")
    # The status filter on its own lets PostgreSQL start from the few open feedback
    # rather than from every escalation step in the history.
    return Feedback.objects.filter(status__in=OPEN_FEEDBACK).filter(missed_ack | missed_answer)


def _missed(feedback: Feedback, now: datetime.datetime) -> list[tuple[str, datetime.datetime]]:
    """The deadlines of a locked feedback passed unmet and not yet escalated, earliest
    first."""
    done = set(feedback.steps.filter(kind=FeedbackStepKind.ESCALATED).values_list("at", flat=True))
    missed = []
    if feedback.status == S.RECEIVED and feedback.acknowledge_by <= now:
        missed.append((ACKNOWLEDGE, feedback.acknowledge_by))
    if feedback.status in OPEN_FEEDBACK and feedback.answer_by <= now:
        missed.append((ANSWER, feedback.answer_by))
    return [(kind, at) for kind, at in sorted(missed, key=lambda m: m[1]) if at not in done]


def feedback_escalate(feedback: Feedback, *, now: datetime.datetime | None = None) -> int:
    """Escalate one feedback for each of its deadlines passed unmet since the last
    sweep; returns how many levels it went up (0 when nothing was due)."""
    now = now or timezone.now()
    with transaction.atomic():
        feedback = (
            Feedback.objects.select_for_update(of=("self",))
            .select_related("organisation__parent", "estate", "household")
            .get(pk=feedback.pk)
        )
        missed = _missed(feedback, now)
        for kind, due in missed:
            _escalate_once(feedback, kind, due)
    return len(missed)


def _escalate_once(feedback: Feedback, kind: str, due: datetime.datetime) -> None:
    before = feedback.organisation
    to = level_up(before)
    feedback.organisation, feedback.level = to, feedback.level + 1
    feedback.save(update_fields=["organisation", "level"])
    # The step's time is the deadline it answers for: that is how the sweep knows it
    # has escalated this one (see the module's docstring).
    add_step(feedback, FeedbackStepKind.ESCALATED, from_org=before, to_org=to, at=due)
    audit.record(
        actor=None,
        action="feedback.escalate",
        target=feedback,
        changes={
            "deadline": kind,
            "due": due,
            "organisation": [before.pk, to.pk],
            "level": feedback.level,
        },
    )
    add_timeline(feedback, "feedback.escalated", from_org=before.name, to_org=to.name)
    with translation.override(MESSAGE_LANGUAGE):
        deadline = str(DEADLINE_WORDS[kind])
    notify_staff(
        feedback,
        "feedback.escalated.in_app",
        to,
        key=f"feedback:{feedback.number}:escalated:{kind}:{due:%Y%m%d%H%M}",
        deadline=deadline,
        due=local_text(due),
        from_org=before.name,
    )


def feedback_escalate_overdue(now: datetime.datetime | None = None) -> int:
    """The sweep (every quarter of an hour): escalate every feedback whose deadline has
    passed unmet, one level per missed deadline. Running it again escalates nothing
    more. Returns the number of escalations."""
    now = now or timezone.now()
    total = 0
    for feedback in overdue_unescalated(now).order_by("pk").only("pk").iterator(500):
        total += feedback_escalate(feedback, now=now)
    return total


# --- Closing the unrated --------------------------------------------------------------------


def feedback_autoclose(now: datetime.datetime | None = None) -> int:
    """Close answered feedback that nobody rated within ANJU_FEEDBACK_AUTOCLOSE_DAYS of
    the answer (daily). Returns how many were closed."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.ANJU_FEEDBACK_AUTOCLOSE_DAYS)
    closed = 0
    due = Feedback.objects.filter(status=S.ANSWERED, answered_at__lte=since).order_by("pk")
    for pk in due.values_list("pk", flat=True).iterator(500):
        with transaction.atomic():
            feedback = (
                Feedback.objects.select_for_update(of=("self",))
                .select_related("household")
                .get(pk=pk)
            )
            if feedback.status != S.ANSWERED or (feedback.answered_at or now) > since:
                continue  # rated or reopened since the list was read
            check_move(feedback, S.CLOSED)
            feedback.status, feedback.closed_at = S.CLOSED, now
            feedback.save(update_fields=["status", "closed_at"])
            add_step(feedback, FeedbackStepKind.CLOSED, at=now)
            audit.record(
                actor=None,
                action="feedback.autoclose",
                target=feedback,
                changes={"closed_at": now, "answered_at": feedback.answered_at},
            )
            add_timeline(feedback, "feedback.closed")
            closed += 1
    return closed
