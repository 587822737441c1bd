from datetime import date
from decimal import Decimal

from ninja import File, Form, Router, Schema, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from anju.core.api_auth import ApiKeyPrincipal, actor_of, require, scoped
from anju.core.roles import Perm
from anju.housing.models import Estate

from . import selectors
from .ledger import services as ledger_services

router = Router(tags=["households"])


class MemberOut(Schema):
    """Personal numbers are always masked in the API."""

    id: int
    household_id: int
    name: str
    relation: str
    id_number_masked: str
    birth_date: date
    sex: str
    phone_masked: str
    monthly_income: Decimal
    disability: str
    special_care: str
    left_at: date | None


class HouseholdOut(Schema):
    id: int
    number: str
    category: str
    status: str
    head_name: str | None
    member_count: int
    estate_id: int | None
    unit_id: int | None
    unit_code: str | None

    @staticmethod
    def resolve_head_name(obj):
        return obj.head.name if obj.head_id else None

    @staticmethod
    def resolve_unit_code(obj):
        return obj.unit.code if obj.unit_id else None


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.all())


@router.get("/households", response=list[HouseholdOut])
@paginate(LimitOffsetPagination)
def household_list(
    request, estate: int | None = None, category: str | None = None, number: str | None = None
):
    require(request.auth, Perm.HOUSEHOLDS_VIEW)
    qs = selectors.household_list(request.auth).order_by("number")
    if estate:
        qs = qs.filter(estate_id=estate)
    if category:
        qs = qs.filter(category=category)
    if number:
        qs = qs.filter(number=number)
    return qs


def _household(principal, pk):
    return selectors.household_list(principal).get(
        pk=selectors.household_for_user(principal, pk).pk
    )


@router.get("/households/{int:household_id}", response=HouseholdDetailOut)
def household_detail(request, household_id: int):
    return scoped(request.auth, _household, household_id, Perm.HOUSEHOLDS_VIEW)


@router.get("/households/{int:household_id}/members", response=list[MemberOut])
def member_list(request, household_id: int):
    household = scoped(
        request.auth, selectors.household_for_user, household_id, Perm.HOUSEHOLDS_VIEW
    )
    return list(household.members.all())


@router.get("/members/{int:member_id}", response=MemberOut)
def member_detail(request, member_id: int):
    return scoped(request.auth, selectors.member_for_user, member_id, Perm.HOUSEHOLDS_VIEW)


class LedgerErrorOut(Schema):
    line: int
    reason: str
    code: str
    household: str


class LedgerReportOut(Schema):
    source: str
    rows: int
    households: int
    good_households: int
    bad_households: int
    vacant_units: int
    dry_run: bool
    only_good_rows: bool
    written: bool
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]
    removed: dict[str, int]
    errors: list[LedgerErrorOut]
    errors_total: int


@router.post(
    "/ledger/import",
    response=LedgerReportOut,
    summary="Import (or with dry_run only check) a legacy ledger file",
)
def ledger_import(
    request,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    only_good_rows: Form[bool] = False,
):
    """The same import as `anju import-ledger` and the ledger page. Nothing is written in
    a dry run, nor when any row is bad unless `only_good_rows` is set; re-sending the
    same file changes nothing. The response lists every bad row with its line number."""
    require(request.auth, Perm.LEDGER_IMPORT)
    # A machine client may write only into the estates its key is bound to (and never
    # creates estates); staff holding the permission work district-wide.
    only_estates = None
    if isinstance(request.auth, ApiKeyPrincipal):
        only_estates = set(Estate.objects.visible_to(request.auth).values_list("code", flat=True))
    report = ledger_services.ledger_import(
        file,
        actor=actor_of(request.auth),
        name=file.name,
        dry_run=dry_run,
        only_good_rows=only_good_rows,
        only_estates=only_estates,
    )
    return report.to_dict()
