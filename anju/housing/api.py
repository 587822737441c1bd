from datetime import date
from decimal import Decimal

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from anju.core.api_auth import require, scoped
from anju.core.roles import Perm

from . import selectors
from .models import Building, Unit

router = Router(tags=["housing"])


class EstateOut(Schema):
    id: int
    code: str
    name: str
    address: str
    community: str
    street: str
    operator: str
    property_company: str
    unit_count: int
    occupied_count: int

    @staticmethod
    def resolve_community(obj):
        return obj.community.name

    @staticmethod
    def resolve_street(obj):
        return obj.community.parent.name if obj.community.parent_id else ""

    @staticmethod
    def resolve_operator(obj):
        return obj.operator.name

    @staticmethod
    def resolve_property_company(obj):
        return obj.property_company.name


class BuildingOut(Schema):
    id: int
    estate_id: int
    number: str
    floors: int
    units_per_floor: int


class UnitOut(Schema):
    id: int
    code: str
    estate_id: int
    building_id: int
    floor: int
    position: int
    area_m2: Decimal
    rooms: int
    orientation: str
    accessible: bool
    status: str
    status_changed_at: date

    @staticmethod
    def resolve_status_changed_at(obj):
        return obj.status_changed_at.date()


def _estates(principal):
    return selectors.estates_with_occupancy(principal).select_related("community__parent")


@router.get("/estates", response=list[EstateOut], summary="Estates in the caller's scope")
@paginate(LimitOffsetPagination)
def estate_list(request):
    require(request.auth, Perm.HOUSING_VIEW)
    return _estates(request.auth).order_by("code")


@router.get("/estates/{int:estate_id}", response=EstateOut)
def estate_detail(request, estate_id: int):
    def find(principal, pk):
        return selectors.estate_for_user(principal, pk) and _estates(principal).get(pk=pk)

    return scoped(request.auth, find, estate_id, Perm.HOUSING_VIEW)


@router.get("/buildings", response=list[BuildingOut])
@paginate(LimitOffsetPagination)
def building_list(request, estate: int | None = None):
    require(request.auth, Perm.HOUSING_VIEW)
    qs = Building.objects.visible_to(request.auth).order_by("estate_id", "number")
    return qs.filter(estate_id=estate) if estate else qs


@router.get("/buildings/{int:building_id}", response=BuildingOut)
def building_detail(request, building_id: int):
    return scoped(request.auth, selectors.building_for_user, building_id, Perm.HOUSING_VIEW)


@router.get("/units", response=list[UnitOut])
@paginate(LimitOffsetPagination)
def unit_list(
    request, estate: int | None = None, status: str | None = None, code: str | None = None
):
    require(request.auth, Perm.HOUSING_VIEW)
    qs = Unit.objects.visible_to(request.auth).order_by("code")
    if estate:
        qs = qs.filter(estate_id=estate)
    if status:
        qs = qs.filter(status=status)
    if code:
        qs = qs.filter(code__startswith=code.upper())
    return qs


@router.get("/units/{int:unit_id}", response=UnitOut)
def unit_detail(request, unit_id: int):
    return scoped(request.auth, selectors.unit_for_user, unit_id, Perm.HOUSING_VIEW)
