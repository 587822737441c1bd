"""Reads of feedback: the scoped list with its filters, the queue of one's own
organisation (overdue first), a feedback's trail as staff and as its submitter see it,
the household's own feedback for the portal, and the public status by tracking code,
which shows no personal data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, F, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import get_or_404

from ..models import OPEN_FEEDBACK, Feedback, FeedbackStatus, FeedbackStepKind
from ..services.feedback import CODE_LENGTH, normalise_code

S = FeedbackStatus
QUEUE_SHOWN = 10


def feedback_for(user) -> QuerySet[Feedback]:
    return Feedback.objects.visible_to(user).select_related("estate", "organisation")


def feedback_for_user(user, pk) -> Feedback:
    """One feedback the user may see; 404 for one they may not, as for a missing one."""
    return get_or_404(
        feedback_for(user).select_related(
            "household", "submitted_by", "answered_by", "work_order", "violation", "tip"
        ),
        pk=pk,
    )


def overdue_q(now: datetime.datetime) -> Q:
    """Open feedback with a deadline passed: not acknowledged in time, or not answered."""
    return Q(status=S.RECEIVED, acknowledge_by__lt=now) | Q(
        status__in=OPEN_FEEDBACK, answer_by__lt=now
    )


def with_next_deadline(feedback: QuerySet[Feedback]) -> QuerySet:
    """`next_due`: the deadline an open feedback waits on (to acknowledge, then to
    answer)."""
    return feedback.annotate(
        next_due=Case(
            When(status=S.RECEIVED, then=F("acknowledge_by")),
            When(status=S.ACKNOWLEDGED, then=F("answer_by")),
            default=None,
        )
    )


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of the month (local time) and of the next one."""
    first = month.replace(day=1)
    after = (first + datetime.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(after, datetime.time.min, tzinfo=zone),
    )


def feedback_list(
    user,
    *,
    status: str = "",
    topic: str = "",
    kind: str = "",
    estate=None,
    organisation=None,
    overdue: bool = False,
    escalated: bool = False,
    month: datetime.date | None = None,
    mine: bool = False,
    now: datetime.datetime | None = None,
) -> QuerySet[Feedback]:
    """The feedback the user sees, filtered; newest first. `status` "open" means not
    yet answered; `mine`, routed to the user's own organisation."""
    now = now or timezone.now()
    rows = with_next_deadline(feedback_for(user))
    if status == "open":
        rows = rows.filter(status__in=OPEN_FEEDBACK)
    elif status:
        rows = rows.filter(status=status)
    if topic:
        rows = rows.filter(topic=topic)
    if kind:
        rows = rows.filter(kind=kind)
    if estate is not None:
        rows = rows.filter(estate=estate)
    if organisation is not None:
        rows = rows.filter(organisation=organisation)
    if mine:
        rows = rows.filter(organisation_id=user.organisation_id)
    if overdue:
        rows = rows.filter(overdue_q(now))
    if escalated:
        rows = rows.filter(level__gt=0)
    if month is not None:
        start, end = month_bounds(month)
        rows = rows.filter(received_at__gte=start, received_at__lt=end)
    return rows.order_by("-received_at", "-id")


def organisation_queue(user) -> QuerySet:
    """Open feedback routed to the user's own organisation, the most urgent first: the
    one whose next deadline comes (or came) first."""
    if user.organisation_id is None:
        return Feedback.objects.none()
    return (
        with_next_deadline(feedback_for(user))
        .filter(organisation_id=user.organisation_id, status__in=OPEN_FEEDBACK)
        .order_by("next_due", "id")
    )


# --- The trail ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailStep:
    kind: str
    label: str
    at: datetime.datetime
    from_org: str
    to_org: str
    note: str
    actor: str  # staff names: empty on the submitter's pages


# Notes the submitter reads: the answers, the reasons for passing on, their own
# ratings. Acknowledgement notes and links are for staff.
SUBMITTER_NOTES = frozenset(
    {
        FeedbackStepKind.ANSWERED,
        FeedbackStepKind.PASSED_ON,
        FeedbackStepKind.RATED,
    }
)


def _escalation_note(feedback: Feedback, at: datetime.datetime) -> str:
    # An escalation's time is the deadline it answers for (services.feedback_clock).
    if at == feedback.acknowledge_by:
        return _("Not acknowledged in time")
    return _("Not answered in time")


def trail(feedback: Feedback, *, staff: bool) -> list[TrailStep]:
    """Every step of the feedback, oldest first. The submitter (`staff=False`) sees the
    organisations and the answers but no staff names and no internal notes."""
    steps = feedback.steps.select_related("from_org", "to_org", "actor")
    out = []
    for step in steps:
        if not staff and step.kind == FeedbackStepKind.LINKED:
            continue
        if step.kind == FeedbackStepKind.ESCALATED:
            note = _escalation_note(feedback, step.at)
        elif step.kind == FeedbackStepKind.ANSWERED and step.note == feedback.answer:
            note = ""  # the pages show the answer in force on its own; earlier ones stay
        elif staff or step.kind in SUBMITTER_NOTES:
            note = step.note
        else:
            note = ""
        out.append(
            TrailStep(
                kind=step.kind,
                label=step.get_kind_display(),
                at=step.at,
                from_org=step.from_org.name if step.from_org else "",
                to_org=step.to_org.name if step.to_org else "",
                note=note,
                actor=str(step.actor) if staff and step.actor else "",
            )
        )
    return out


# --- The portal ---------------------------------------------------------------------------


def household_feedback(household) -> QuerySet[Feedback]:
    """The feedback a household gave (on the portal, or through staff), newest first."""
    return (
        Feedback.objects.filter(household=household)
        .select_related("organisation", "estate")
        .order_by("-received_at", "-id")
    )


def household_feedback_card(household) -> dict:
    """What the portal's home page shows of the household's feedback."""
    rows = household_feedback(household)
    return {
        "open": rows.filter(status__in=OPEN_FEEDBACK).count(),
        "to_rate": rows.filter(status=S.ANSWERED).count(),
        "latest": list(rows[:3]),
    }


# --- The public page ---------------------------------------------------------------------


@dataclass(frozen=True)
class PublicFeedback:
    """Feedback as anyone with its tracking code sees it: what it is about, who has it
    and by when, every step, and the answer; no names, no contact, not the text."""

    feedback: Feedback
    steps: list[TrailStep]

    @property
    def can_rate(self) -> bool:
        return self.feedback.status == S.ANSWERED

    @property
    def can_reopen(self) -> bool:
        return self.can_rate and not self.feedback.reopened


def public_status(code: str) -> PublicFeedback | None:
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    feedback = Feedback.objects.select_related("organisation").filter(tracking_code=code).first()
    if feedback is None:
        return None
    return PublicFeedback(feedback=feedback, steps=trail(feedback, staff=False))
