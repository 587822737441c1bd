"""The computed indicators of a community (社区居委会), the first level of review and of
daily management. The street office's (`street.py`) are the same definitions read one
level up: each class here names the party through `party` (and, for the reviews, the
`level` reviewed), and the street's subclasses change only those.

All periods are whole days in the district's time, both ends included: a record of the
first or the last day counts, one of the day before or the day after does not. A party
with no record in the period gets no measure (value None): the indicator is then left
out of its total."""

from __future__ import annotations

import datetime

from django.db.models import F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.admission.models import Review, ReviewLevel
from anju.core.models import Organisation, OrgKind
from anju.exits.selectors.dashboard import DaysBetween
from anju.helpdesk.models import Feedback, FeedbackStep, FeedbackStepKind
from anju.supervision import thresholds
from anju.supervision.models import InspectionTask, TaskStatus, Tip
from anju.tenancy.models import RecertCase

from ..models import PartyKind
from .base import Column, Ratio, day_bounds, local_date, register


class ReviewTimeliness(Ratio):
    """Admission reviews decided in time at the community's level.

    Counts every review (approve, return or reject) made at this level in the period,
    by the day it was made (local time), that had a deadline (`Review.due_on`, the rule
    set's working days per review level, set when the application reached the level).
    It is in time when made on or before its deadline day: a review on the deadline day
    counts as in time, one the day after does not."""

    code = "community.review_timeliness"
    party_kind = PartyKind.COMMUNITY
    party = "application__community"
    level = ReviewLevel.COMMUNITY
    columns = (
        Column("application__number", _("application no.")),
        Column("decision", _("decision")),
        Column("due_on", _("due")),
        Column("at", _("reviewed")),
        Column("actor__full_name", _("reviewer")),
    )
    detail_url = "application_detail"
    detail_arg = "application_id"

    def base(self, start, end):
        first, after = day_bounds(start, end)
        return Review.objects.filter(
            level=self.level, at__gte=first, at__lt=after, due_on__isnull=False
        ).annotate(on=local_date("at"))

    def hit(self, start, end):
        return Q(on__lte=F("due_on"))


class RecertDeclarationRate(Ratio):
    """Households of the party's estates that declared in a recertification whose
    deadline to declare (`Campaign.declare_by`) falls in the period.

    Every household case of such a campaign counts once; it counts as declared when a
    declaration is on the case (whenever it came). A campaign whose deadline is the
    period's last day counts; one due the day after belongs to the next period."""

    code = "community.recert_declaration_rate"
    party_kind = PartyKind.COMMUNITY
    party = "estate__community"
    columns = (
        Column("campaign__name", _("campaign")),
        Column("household__number", _("household no.")),
        Column("estate__code", _("estate")),
        Column("campaign__declare_by", _("declare by")),
        Column("status", _("status")),
    )
    detail_url = "recert_case_detail"

    def base(self, start, end):
        return RecertCase.objects.filter(
            campaign__declare_by__gte=start, campaign__declare_by__lte=end
        )

    def hit(self, start, end):
        return Q(declaration__isnull=False)


class RecertDecisionRate(RecertDeclarationRate):
    """Households of the same recertification cases (campaigns due to declare in the
    period) whose outcome staff have confirmed by the time the period is computed
    (`RecertCase.confirmed_at` set), declared or not."""

    code = "community.recert_decision_rate"

    def hit(self, start, end):
        return Q(confirmed_at__isnull=False)


class InspectionPlanDone(Ratio):
    """The share of the routine inspection plans' visits done.

    Counts the tasks of the yearly inspection plans of the party's estates due in the
    period (`InspectionTask.due_on`, both ends included), except cancelled ones. A
    task is done when it was closed as done by the end of the period's last day (local
    time); one closed the next day, or still open, is not."""

    code = "community.inspection_plans_done"
    party_kind = PartyKind.COMMUNITY
    party = "estate__community"
    columns = (
        Column("number", _("task no.")),
        Column("unit__code", _("unit")),
        Column("due_on", _("due")),
        Column("status", _("status")),
        Column("closed_at", _("closed")),
    )
    detail_url = "inspection_task_detail"

    def base(self, start, end):
        return InspectionTask.objects.filter(
            plan__isnull=False, due_on__gte=start, due_on__lte=end
        ).exclude(status=TaskStatus.CANCELLED)

    def hit(self, start, end):
        _first, after = day_bounds(start, end)
        return Q(status=TaskStatus.DONE, closed_at__lt=after)


class TipsTriagedInTime(Ratio):
    """Tips about the party's estates triaged within the deadline.

    Counts the tips received in the period that name an estate, once their deadline
    is settled: triaged (made an inspection task or closed), or still waiting after the
    deadline day. The deadline is the supervision threshold `tip_days` calendar days
    after the day received, as on the tip queue; a tip triaged on the deadline day is in
    time, one triaged the day after is not. Tips still within their deadline when the
    period is computed are left out."""

    code = "community.tips_triaged"
    party_kind = PartyKind.COMMUNITY
    party = "estate__community"
    columns = (
        Column("number", _("tip no.")),
        Column("category", _("category")),
        Column("received_at", _("received")),
        Column("triaged_at", _("triaged")),
        Column("status", _("status")),
    )
    detail_url = "tip_detail"

    @staticmethod
    def days() -> int:
        return int(thresholds.value("tip_days"))

    def base(self, start, end):
        first, after = day_bounds(start, end)
        today = timezone.localdate()
        overdue_before, _after = day_bounds(today - datetime.timedelta(days=self.days()), today)
        return (
            Tip.objects.filter(estate__isnull=False, received_at__gte=first, received_at__lt=after)
            .filter(Q(triaged_at__isnull=False) | Q(received_at__lt=overdue_before))
            .annotate(triage_days=DaysBetween(local_date("triaged_at"), local_date("received_at")))
        )

    def hit(self, start, end):
        return Q(triage_days__lte=self.days())


class FeedbackOnTime(Ratio):
    """Feedback routed to the party answered on time.

    Counts the feedback received in the period for which the party answered: the
    organisation it was with when it was first escalated for a missed deadline, or,
    never escalated, the one that has it now (routed there, or passed on to it). It
    counts once settled: answered, escalated, or past its deadline to answer when the
    period is computed. It is on time when answered by its deadline to answer without
    an escalation (a missed acknowledgement escalates it too), as the helpdesk's clock
    rules it."""

    code = "community.feedback_on_time"
    party_kind = PartyKind.COMMUNITY
    party = "responsible"
    org_kind = OrgKind.COMMUNITY
    columns = (
        Column("number", _("feedback no.")),
        Column("topic", _("topic")),
        Column("received_at", _("received")),
        Column("answer_by", _("answer by")),
        Column("answered_at", _("answered")),
        Column("level", _("times escalated")),
    )
    detail_url = "feedback_detail"

    def base(self, start, end):
        first, after = day_bounds(start, end)
        escalated_from = (
            FeedbackStep.objects.filter(feedback=OuterRef("pk"), kind=FeedbackStepKind.ESCALATED)
            .order_by("at", "id")
            .values("from_org")[:1]
        )
        return (
            Feedback.objects.filter(received_at__gte=first, received_at__lt=after)
            .annotate(escalated_from=Subquery(escalated_from))
            .annotate(
                responsible=Coalesce(
                    F("escalated_from"), F("organisation_id"), output_field=IntegerField()
                )
            )
            .filter(responsible__in=Organisation.objects.filter(kind=self.org_kind).values("pk"))
            .filter(
                Q(answered_at__isnull=False)
                | Q(escalated_from__isnull=False)
                | Q(answer_by__lt=timezone.now())
            )
        )

    def hit(self, start, end):
        return Q(escalated_from__isnull=True, answered_at__lte=F("answer_by"))


register(ReviewTimeliness)
register(RecertDeclarationRate)
register(RecertDecisionRate)
register(InspectionPlanDone)
register(TipsTriagedInTime)
register(FeedbackOnTime)
