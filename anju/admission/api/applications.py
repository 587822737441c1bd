"""Applications, read-only: the caller's scoped list and one application with its
pre-check verdicts (in words too) and its duplicate and ban flags."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from anju.core.api_auth import require, scoped
from anju.core.roles import Perm

from ..selectors import applications as selectors
from ..services import precheck

router = Router(tags=["admission"])


class ApplicationOut(Schema):
    id: int
    number: str
    status: str
    category: str
    channel: str
    community_id: int
    community_name: str
    head_name: str | None
    member_count: int
    submitted_at: datetime | None
    due_on: date | None
    precheck_met: bool | None
    open_flag_count: int

    @staticmethod
    def resolve_community_name(obj):
        return obj.community.name


class ApplicationMemberOut(Schema):
    """Personal numbers are always masked in the API."""

    id: int
    name: str
    relation: str
    id_number_masked: str
    birth_date: date
    sex: str
    monthly_income: Decimal
    disability: str
    grounds: list[str]


class CriterionOut(Schema):
    code: str
    outcome: str
    actual: str
    limit: str
    sentence: str

    @staticmethod
    def resolve_sentence(obj):
        return str(precheck.sentence(obj.code, obj.outcome, obj.actual, obj.limit))


class FlagOut(Schema):
    id: int
    kind: str
    status: str
    member_id: int
    member_name: str
    other_application: str | None
    other_household: str | None
    resolution: str
    resolved_at: datetime | None

    @staticmethod
    def resolve_member_name(obj):
        return obj.member.name

    @staticmethod
    def resolve_other_application(obj):
        return obj.other_application.number if obj.other_application_id else None

    @staticmethod
    def resolve_other_household(obj):
        return obj.other_household.number if obj.other_household_id else None


class ApplicationDetailOut(ApplicationOut):
    current_housing: str
    housing_area_m2: Decimal
    vehicles: int
    deposits: Decimal
    owns_business: bool
    residence_years: int
    insurance_months: int
    needs_accessible: bool
    consent_at: datetime | None
    returned_items: list[str]
    priority_group: int | None
    points: int
    decision_reason: str
    members: list[ApplicationMemberOut]
    criteria: list[CriterionOut]
    flags: list[FlagOut]

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.all())

    @staticmethod
    def resolve_criteria(obj):
        return list(obj.criteria.all())

    @staticmethod
    def resolve_flags(obj):
        return list(obj.flags.select_related("member", "other_application", "other_household"))


@router.get("/applications", response=list[ApplicationOut])
@paginate(LimitOffsetPagination)
def application_list(
    request,
    status: str | None = None,
    category: str | None = None,
    community: int | None = None,
    number: str | None = None,
):
    require(request.auth, Perm.ADMISSION_VIEW)
    qs = selectors.application_list(request.auth).order_by("number")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if community:
        qs = qs.filter(community_id=community)
    if number:
        qs = qs.filter(number=number)
    return qs


def _application(principal, pk):
    return selectors.application_list(principal).get(
        pk=selectors.application_for_user(principal, pk).pk
    )


@router.get("/applications/{int:application_id}", response=ApplicationDetailOut)
def application_detail(request, application_id: int):
    return scoped(request.auth, _application, application_id, Perm.ADMISSION_VIEW)
