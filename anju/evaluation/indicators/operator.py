"""The computed indicators of an operator (运营单位): rent collection, arrears
recovered, days from vacant to let, days from an exit decision to an empty unit,
move-out handovers completed, and what tenants said of it in the yearly survey. Each
reads the records of the estates the operator runs (`Estate.operator`).

All periods are whole days in the district's time, both ends included. A party with no
record in the period gets no measure (value None)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import DateField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from anju.exits.models import UnitHandover
from anju.exits.models.cases import ExitCase
from anju.exits.models.handovers import Direction
from anju.exits.selectors.dashboard import DaysBetween
from anju.households.models import Lease
from anju.outreach.models import Answer
from anju.outreach.models.surveys import Dimension, QuestionKind, SurveyKind
from anju.tenancy.models import Allocation, Bill, BillKind, BillStatus

from ..models import PartyKind
from .base import MONEY, Column, Mean, Ratio, Share, Total, day_bounds, local_date, register

OPERATOR = PartyKind.OPERATOR


@register
class RentCollection(Share):
    """Rent collection rate: 100 × rent collected / rent billed.

    The rent bills (`BillKind.RENT`, not cancelled) of the operator's estates due in the
    period, weighed by their amount. What counts as collected is the tenancy report's
    rule (Rent → Collection rate): what payments made by the end of the bill's month
    settled of it, a payment made earlier and held as credit included. So the rate of a
    quarter is the report's three months added up. A bill due on the period's last day
    counts; one due the next day does not."""

    code = "operator.rent_collection"
    party_kind = OPERATOR
    party = "estate__operator"
    columns = (
        Column("household__number", _("household no.")),
        Column("period", _("month")),
        Column("due_on", _("due")),
        Column("amount", _("amount (yuan)")),
        Column("status", _("status")),
    )
    detail_url = "household_detail"
    detail_arg = "household_id"

    def base(self, start, end):
        return Bill.objects.filter(kind=BillKind.RENT, due_on__gte=start, due_on__lte=end).exclude(
            status=BillStatus.CANCELLED
        )

    def whole(self, start, end):
        return F("amount")

    def part(self, start, end):
        in_month = (
            Allocation.objects.filter(bill=OuterRef("pk"))
            .annotate(paid_month=TruncMonth("payment__paid_at", output_field=DateField()))
            .filter(paid_month__lte=OuterRef("period"))
            .values("bill")
            .annotate(s=Sum("amount"))
            .values("s")[:1]
        )
        return Coalesce(Subquery(in_month), Value(Decimal("0.00")), output_field=MONEY)


@register
class ArrearsRecovered(Total):
    """Arrears recovered, in yuan: what payments made in the period settled of bills
    already overdue on the day of payment (local time): a bill's due day before the day
    paid. Bills of every kind count (rent, fines, back rent…), as long as they are not
    cancelled; a deposit applied to what is owed at the end of a tenancy counts too.
    Each record is one allocation of a payment to a bill."""

    code = "operator.arrears_recovered"
    party_kind = OPERATOR
    party = "bill__estate__operator"
    columns = (
        Column("payment__number", _("receipt no.")),
        Column("bill__household__number", _("household no.")),
        Column("bill__kind", _("bill")),
        Column("bill__due_on", _("due")),
        Column("payment__paid_at", _("paid")),
        Column("amount", _("amount (yuan)")),
    )
    detail_url = "payment_detail"
    detail_arg = "payment_id"

    def base(self, start, end):
        first, after = day_bounds(start, end)
        return (
            Allocation.objects.filter(payment__paid_at__gte=first, payment__paid_at__lt=after)
            .exclude(bill__status=BillStatus.CANCELLED)
            .annotate(paid_on=local_date("payment__paid_at"))
            .filter(bill__due_on__lt=F("paid_on"))
        )

    def amount(self, start, end):
        return F("amount")


@register
class VacantToLet(Mean):
    """Days from vacant to let, the mean over the new leases that started in the period.

    A new lease is one that renews no other; it counts when an earlier lease of the
    same unit ended by its start (a unit let for the first time has no vacancy to count).
    Its days are from the last day of the unit's previous tenancy (the day the keys came
    back, or the end of its term) to the new lease's first day. Lower is better."""

    code = "operator.vacant_to_let"
    party_kind = OPERATOR
    party = "unit__estate__operator"
    columns = (
        Column("number", _("lease no.")),
        Column("unit__code", _("unit")),
        Column("vacant_since", _("vacant since")),
        Column("start", _("let from")),
    )
    detail_url = "lease_detail"

    def base(self, start, end):
        previous = (
            Lease.objects.filter(unit=OuterRef("unit"), start__lt=OuterRef("start"))
            .annotate(last=Coalesce("ended_on", "end"))
            .filter(last__lte=OuterRef("start"))
            .order_by("-last")
            .values("last")[:1]
        )
        return (
            Lease.objects.filter(start__gte=start, start__lte=end, previous__isnull=True)
            .annotate(vacant_since=Subquery(previous, output_field=DateField()))
            .filter(vacant_since__isnull=False)
        )

    def amount(self, start, end):
        return DaysBetween(F("start"), F("vacant_since"))


@register
class DecisionToEmpty(Mean):
    """Days from an exit decision to an empty unit, the mean over the exit cases whose
    keys came back in the period (`handed_over_on`) and that had a decision: the days
    from the decision to the handover, as on the exits dashboard. Lower is better."""

    code = "operator.decision_to_empty"
    party_kind = OPERATOR
    party = "estate__operator"
    columns = (
        Column("number", _("case no.")),
        Column("unit__code", _("unit")),
        Column("reason", _("reason")),
        Column("decided_on", _("decided")),
        Column("handed_over_on", _("keys returned")),
    )
    detail_url = "exit_case"

    def base(self, start, end):
        return ExitCase.objects.filter(
            handed_over_on__gte=start, handed_over_on__lte=end, decided_on__isnull=False
        )

    def amount(self, start, end):
        return DaysBetween(F("handed_over_on"), F("decided_on"))


@register
class HandoverComplete(Ratio):
    """Move-out handovers completed: the share of the move-out handovers of the period
    (`UnitHandover.on`, an exit's or an exchange's) that are complete. A handover is
    complete when it says what became of the unit (ready to let, or under repair) and,
    when it ends a tenancy through an exit case, the deposit was settled within
    ANJU_EXIT_SETTLE_DAYS of the handover (the exits' own deadline; the day of the
    deadline counts)."""

    code = "operator.handover_complete"
    party_kind = OPERATOR
    party = "unit__estate__operator"
    columns = (
        Column("unit__code", _("unit")),
        Column("household__number", _("household no.")),
        Column("on", _("handed over on")),
        Column("unit_after", _("unit afterwards")),
        Column("exit_case__settlement__settled_on", _("deposit settled")),
    )
    detail_url = "unit_detail"
    detail_arg = "unit_id"

    def base(self, start, end):
        return UnitHandover.objects.filter(
            direction=Direction.OUT, on__gte=start, on__lte=end
        ).annotate(settle_days=DaysBetween(F("exit_case__settlement__settled_on"), F("on")))

    def hit(self, start, end):
        settled = Q(exit_case__isnull=True) | Q(settle_days__lte=settings.ANJU_EXIT_SETTLE_DAYS)
        return ~Q(unit_after="") & settled


class SurveyScore(Mean):
    """What tenants said: the mean rating (1 to 5) given in the standard yearly survey
    to the rating questions that measure `dimension`, in the responses of the party's
    estates submitted in the period. Each answer weighs the same, as in the survey's
    results over several estates. Answers keep no household: the records are the
    answers, with their estate only."""

    dimension = ""
    columns = (
        Column("response__survey__title", _("survey")),
        Column("response__estate__code", _("estate")),
        Column("question__text", _("question")),
        Column("value", _("rating")),
    )

    def base(self, start, end):
        return Answer.objects.filter(
            response__survey__kind=SurveyKind.YEARLY,
            response__submitted_on__gte=start,
            response__submitted_on__lte=end,
            question__kind=QuestionKind.RATING,
            question__dimension=self.dimension,
            value__isnull=False,
        )

    def amount(self, start, end):
        return F("value")


@register
class OperatorSurveyScore(SurveyScore):
    __doc__ = SurveyScore.__doc__
    code = "operator.survey_score"
    party_kind = OPERATOR
    party = "response__estate__operator"
    dimension = Dimension.OPERATOR
