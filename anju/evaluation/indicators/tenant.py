"""The computed indicators of a tenant household (承租家庭): paying on time, the points
it holds, the good-conduct credit it earned, declaring on time at recertification, and
letting inspectors in.

All periods are whole days in the district's time, both ends included. A household
with no record in the period gets no measure (value None), except for the two sums
(points and credit): every household that held a lease in the period has them, nought
when it has no entry, since "no points" is a household's best score, not a gap."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from anju.supervision.models import GoodConductCredit, InspectionVisit, PointEntry
from anju.supervision.models.inspections import VisitOutcome
from anju.supervision.models.points import EntryKind
from anju.tenancy.models import Allocation, Bill, BillStatus, RecertCase

from ..models import PartyKind
from .base import MONEY, Column, Measure, Ratio, Total, day_bounds, local_date, register
from .community import RecertDeclarationRate
from .parties import parties

TENANT = PartyKind.TENANT


@register
class PaymentPunctuality(Ratio):
    """Payment punctuality: the share of the household's bills due in the period (any
    kind, not cancelled) paid in full by their due day: the payments made on or before
    that day (local time), earlier credit included, settled the whole amount. A bill
    paid on its due day is punctual; one settled the day after is not, however soon."""

    code = "tenant.payment_punctuality"
    party_kind = TENANT
    party = "household"
    columns = (
        Column("kind", _("bill")),
        Column("period", _("month")),
        Column("due_on", _("due")),
        Column("amount", _("amount (yuan)")),
        Column("paid_by_due", _("paid by the due day (yuan)")),
    )

    def base(self, start, end):
        by_due = (
            Allocation.objects.filter(bill=OuterRef("pk"))
            .annotate(day=local_date("payment__paid_at"))
            .filter(day__lte=OuterRef("due_on"))
            .values("bill")
            .annotate(s=Sum("amount"))
            .values("s")[:1]
        )
        return (
            Bill.objects.filter(due_on__gte=start, due_on__lte=end)
            .exclude(status=BillStatus.CANCELLED)
            .annotate(
                paid_by_due=Coalesce(Subquery(by_due), Value(Decimal("0.00")), output_field=MONEY)
            )
        )

    def hit(self, start, end):
        return Q(paid_by_due__gte=F("amount"))


class _EveryTenant(Total):
    """A sum every tenant household of the period has: nought without records."""

    def compute(self, start, end):
        measures = super().compute(start, end)
        for party in parties(TENANT, start, end):
            measures.setdefault(party.id, Measure(Decimal("0.00"), 0))
        return measures


@register
class ValidPoints(_EveryTenant):
    """Valid points at the period's end: the points of the household's entries in force
    on the period's last day (occurred on or before it, expiring after it, not voided),
    as the points scheme counts them. Written warnings carry no points. Lower is
    better; nought without entries."""

    code = "tenant.valid_points"
    party_kind = TENANT
    party = "household"
    columns = (
        Column("rule__name", _("misdeed")),
        Column("occurred_on", _("occurred on")),
        Column("expires_on", _("valid until")),
        Column("points", _("points")),
    )

    def base(self, start, end):
        return PointEntry.objects.valid_on(end).filter(kind=EntryKind.POINTS)

    def amount(self, start, end):
        return F("points")


@register
class ConductCredit(_EveryTenant):
    """Good-conduct credit earned in the period: the sum of the credit entries whose
    day earned falls in the period (volunteering, twelve months paid on time, other
    good conduct). Higher is better; nought without entries."""

    code = "tenant.conduct_credit"
    party_kind = TENANT
    party = "household"
    columns = (
        Column("kind", _("kind")),
        Column("occurred_on", _("earned on")),
        Column("details", _("details")),
        Column("amount", _("credit")),
    )

    def base(self, start, end):
        return GoodConductCredit.objects.filter(occurred_on__gte=start, occurred_on__lte=end)

    def amount(self, start, end):
        return F("amount")


@register
class DeclarationOnTime(Ratio):
    """Declaration on time: the household's recertifications whose deadline to declare
    falls in the period (as for the communities' declaration rate), declared on or
    before that deadline day (the day of the declaration, local time). A declaration on
    the deadline day is on time; one the day after, or none, is not."""

    code = "tenant.declaration_on_time"
    party_kind = TENANT
    party = "household"
    columns = RecertDeclarationRate.columns + (Column("declaration__submitted_at", _("declared")),)
    detail_url = "recert_case_detail"

    def base(self, start, end):
        return RecertCase.objects.filter(
            campaign__declare_by__gte=start, campaign__declare_by__lte=end
        ).annotate(declared_on=local_date("declaration__submitted_at"))

    def hit(self, start, end):
        return Q(declared_on__lte=F("campaign__declare_by"))


@register
class InspectionCooperation(Ratio):
    """Cooperation with inspections: the share of the inspection visits to the
    household's unit in the period (`visited_at`, local time) where the inspector was
    let in and the visit was made. A visit with no answer, entry refused, or signs that
    the unit is sublet or abandoned is not. Tasks that name no household (a vacant unit)
    do not count."""

    code = "tenant.inspection_cooperation"
    party_kind = TENANT
    party = "task__household"
    columns = (
        Column("task__number", _("task no.")),
        Column("task__kind", _("kind")),
        Column("visited_at", _("visited at")),
        Column("outcome", _("outcome")),
    )
    detail_url = "inspection_task_detail"
    detail_arg = "task_id"

    def base(self, start, end):
        first, after = day_bounds(start, end)
        return InspectionVisit.objects.filter(
            task__household__isnull=False, visited_at__gte=first, visited_at__lt=after
        )

    def hit(self, start, end):
        return Q(outcome=VisitOutcome.COMPLETED)
