"""The computed indicators of a property company (物业服务企业): its repairs against the
deadline table (SLA), the orders reopened, the public-area repairs that staff checked,
and what tenants said of it in the yearly survey.

The repairs follow the helpdesk's SLA report (`anju.helpdesk.selectors.repair_reports`)
rule for rule, so that a company's score agrees with the report it already reads: an
order counts in the period it was reported in (local time), cancelled orders do not
count, and a deadline counts once it is settled (met, or passed while the clock runs).
A party with no record in the period gets no measure (value None)."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.helpdesk.models import CLOCK_RUNS, QualityCheck, WorkOrder, WorkOrderStatus
from anju.helpdesk.models.workorders import CheckResult
from anju.outreach.models.surveys import Dimension

from ..models import PartyKind
from .base import Column, Ratio, day_bounds, register
from .operator import SurveyScore

PROPERTY = PartyKind.PROPERTY
ORDER_COLUMNS = (
    Column("number", _("work order no.")),
    Column("unit__code", _("unit")),
    Column("reported_at", _("reported")),
    Column("respond_by", _("respond by")),
    Column("responded_at", _("responded")),
    Column("complete_by", _("complete by")),
    Column("done_at", _("done")),
    Column("reopen_count", _("times reopened")),
)


class _Orders(Ratio):
    party_kind = PROPERTY
    party = "property_company"
    columns = ORDER_COLUMNS
    detail_url = "workorder_detail"

    def reported(self, start, end):
        first, after = day_bounds(start, end)
        return WorkOrder.objects.filter(reported_at__gte=first, reported_at__lt=after).exclude(
            status=WorkOrderStatus.CANCELLED
        )


@register
class RespondedInTime(_Orders):
    """Work orders responded to in time: among the orders reported in the period whose
    response is settled (responded, or past the response deadline while the clock
    runs), those first responded to (assigned) by the response deadline; a response at
    the deadline's very moment is in time."""

    code = "property.responded_in_time"

    def base(self, start, end):
        now = timezone.now()
        return self.reported(start, end).filter(
            Q(responded_at__isnull=False) | Q(status__in=CLOCK_RUNS, respond_by__lt=now)
        )

    def hit(self, start, end):
        return Q(responded_at__lte=F("respond_by"))


@register
class DoneInTime(_Orders):
    """Work orders done in time: among the orders reported in the period whose
    completion is settled (done, or past the completion deadline while the clock runs),
    those done by the completion deadline (moved on by any deferral); done at the
    deadline's very moment is in time."""

    code = "property.done_in_time"

    def base(self, start, end):
        now = timezone.now()
        return self.reported(start, end).filter(
            Q(done_at__isnull=False) | Q(status__in=CLOCK_RUNS, complete_by__lt=now)
        )

    def hit(self, start, end):
        return Q(done_at__lte=F("complete_by"))


@register
class ReopenRate(_Orders):
    """Reopen rate: among the orders reported in the period that were done at least
    once, those the tenant reopened at least once. Lower is better."""

    code = "property.reopen_rate"

    def base(self, start, end):
        return self.reported(start, end).filter(Q(done_at__isnull=False) | Q(reopen_count__gt=0))

    def hit(self, start, end):
        return Q(reopen_count__gt=0)


@register
class PublicAreaChecked(_Orders):
    """Public-area repairs checked: the share of the public-area work orders (a
    building's common parts or the estate's grounds: orders that name no unit) done in
    the period (the day of `done_at`, local time) that staff then checked, by a call or
    on site, and found passed.

    Anju keeps no patrol log of public areas; what it does record of them is their
    repairs and the authority's quality checks of the repairs. This indicator is
    therefore how much of the company's public-area work was checked and held good,
    not how many corridors were walked."""

    code = "property.public_area_checked"
    columns = (
        Column("number", _("work order no.")),
        Column("place", _("where")),
        Column("repair_class__name_zh", _("classification")),
        Column("done_at", _("done")),
    )

    def base(self, start, end):
        first, after = day_bounds(start, end)
        return WorkOrder.objects.filter(
            unit__isnull=True, done_at__gte=first, done_at__lt=after
        ).exclude(status=WorkOrderStatus.CANCELLED)

    def hit(self, start, end):
        passed = QualityCheck.objects.filter(order=OuterRef("pk"), result=CheckResult.PASSED)
        return Q(Exists(passed))


@register
class PropertySurveyScore(SurveyScore):
    __doc__ = SurveyScore.__doc__
    code = "property.survey_score"
    party_kind = PROPERTY
    party = "response__estate__property_company"
    dimension = Dimension.PROPERTY
