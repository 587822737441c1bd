"""The computed indicators of a street office (街道办事处): the community's definitions
(`community.py`, where each is documented) read at the street's level. The reviews
are the street's own second-level reviews; the recertifications, inspection plans and
tips are those of the estates of every community under the street; the feedback is
the feedback the street itself answered (routed to it, or escalated to it by a
community and then in its hands)."""

from anju.admission.models import ReviewLevel
from anju.core.models import OrgKind

from ..models import PartyKind
from . import community
from .base import register

STREET = PartyKind.STREET
OF_STREET = "estate__community__parent"


@register
class ReviewTimeliness(community.ReviewTimeliness):
    """Admission reviews decided in time at the street's level (the second level); see
    `community.ReviewTimeliness`."""

    code = "street.review_timeliness"
    party_kind = STREET
    party = "application__community__parent"
    level = ReviewLevel.STREET


@register
class RecertDeclarationRate(community.RecertDeclarationRate):
    """See `community.RecertDeclarationRate`; the estates of the street's communities."""

    code = "street.recert_declaration_rate"
    party_kind = STREET
    party = OF_STREET


@register
class RecertDecisionRate(community.RecertDecisionRate):
    """See `community.RecertDecisionRate`; the estates of the street's communities."""

    code = "street.recert_decision_rate"
    party_kind = STREET
    party = OF_STREET


@register
class InspectionPlanDone(community.InspectionPlanDone):
    """See `community.InspectionPlanDone`; the estates of the street's communities."""

    code = "street.inspection_plans_done"
    party_kind = STREET
    party = OF_STREET


@register
class TipsTriagedInTime(community.TipsTriagedInTime):
    """See `community.TipsTriagedInTime`; the estates of the street's communities."""

    code = "street.tips_triaged"
    party_kind = STREET
    party = OF_STREET


@register
class FeedbackOnTime(community.FeedbackOnTime):
    """See `community.FeedbackOnTime`; the feedback the street office answered."""

    code = "street.feedback_on_time"
    party_kind = STREET
    org_kind = OrgKind.STREET
