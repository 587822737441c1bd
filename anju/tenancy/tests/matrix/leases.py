"""Scoping-matrix rows of the lease pages, the amendments and the tenant's "My tenancy".

Each side (E1 "in", E2 "out") gets a household of its own (a head and a child) in a new
building, with a lease from 2024 to 2029 that holds its full rent terms, so that what
the other modules do to Alice and Charlie does not touch it; and a pending amendment
(a member joining) to read and decide. The request row asks for a new multiplier, which
is not pending, and the rent row records a change from 2028, after any bill run. A
payment of the E1 household stands for "another family's receipt" on the portal."""

import datetime
from decimal import Decimal

from stdnum.cn import ric

from anju.households import services as hh
from anju.households.models import HouseholdStatus
from anju.housing.models import Building, Unit
from anju.tenancy.services.amendments import amendment_request
from anju.tenancy.services.payments import payment_record
from anju.testing.matrix import (
    LEASE_AMEND,
    LEASE_AMEND_APPROVE,
    TENANCY_VIEW,
    Row,
    _list,
    _r,
)

GET_POST = ("GET", "POST")


def _id(seq: int, born: str) -> str:
    body = f"140402{born}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def _lease(estate, tag: str, actor, seq: int):
    building = Building.objects.create(estate=estate, number=f"L{tag}", floors=1, units_per_floor=1)
    unit = Unit.objects.create(
        code=f"{estate.code}-MXL-{tag}",
        estate=estate,
        building=building,
        floor=1,
        position=1,
        area_m2=Decimal("45.50"),
        rooms=2,
    )
    household = hh.household_create(
        actor=actor,
        number=f"MXL-{tag}",
        category="low_income",
        community=estate.community,
        status=HouseholdStatus.WAITING,
    )
    hh.member_add(
        household,
        actor=actor,
        name=f"矩阵户主{tag}",
        id_number=_id(seq, "19700101"),
        relation="head",
    )
    hh.member_add(
        household,
        actor=actor,
        name=f"矩阵子女{tag}",
        id_number=_id(seq + 1, "20050101"),
        relation="child",
    )
    return hh.lease_start(
        household,
        actor=actor,
        unit=unit,
        number=f"L-MXL-{tag}",
        start=datetime.date(2024, 1, 1),
        end=datetime.date(2029, 1, 1),
        monthly_rent=Decimal("455.00"),
        terms={
            "area_m2": Decimal("45.50"),
            "price_per_m2": Decimal("10.00"),
            "relief_tier": Decimal("1.00"),
        },
    )


def build(world):
    officer = world.cast.users["officer"]
    world.extra["leases"] = {}
    for seq, (side, estate) in ((700, ("in", world.cast.e1)), (710, ("out", world.cast.e2))):
        lease = _lease(estate, side.upper(), officer, seq)
        pending = amendment_request(
            lease,
            actor=officer,
            kind="member_joins",
            reason="新生儿落户",
            effective_from=datetime.date(2026, 1, 1),
            values={
                "name": f"矩阵新成员{side}",
                "id_number": _id(seq + 5, "20240101"),
                "relation": "grandchild",
            },
        )
        payment, _new = payment_record(
            lease.household, actor=officer, amount="100.00", channel="cash", payer="矩阵"
        )
        world.extra["leases"][side] = {"lease": lease, "pending": pending, "payment": payment}


def _pick(key):
    return lambda w, side: w.extra["leases"][side][key]


def _url(name, key, *extra):
    return lambda w, side, role: _r(name, _pick(key)(w, side).pk, *extra)


ROWS = [
    Row(
        "lease_list",
        _list("lease_list", "?q=MXL"),
        allowed=TENANCY_VIEW,
        scope="none",
        marks=("L-MXL-IN", "L-MXL-OUT"),
    ),
    Row("lease_detail", _url("lease_detail", "lease"), allowed=TENANCY_VIEW),
    Row(
        "lease_terms_edit",
        _url("lease_terms_edit", "lease"),
        methods=GET_POST,
        allowed=LEASE_AMEND,
        data=lambda w, side: {"billing_day": "5", "deposit": "910.00"},
    ),
    Row(
        "lease_rent_record",
        _url("lease_rent_record", "lease"),
        methods=GET_POST,
        allowed=LEASE_AMEND_APPROVE,
        data=lambda w, side: {
            "effective_from": "2028-06-01",
            "reason": "standard",
            "price_per_m2": "11.00",
            "note": "矩阵：新租金标准",
        },
    ),
    Row(
        "amendment_list",
        _list("amendment_list"),
        allowed=TENANCY_VIEW,
        scope="none",
        marks=("L-MXL-IN", "L-MXL-OUT"),
    ),
    Row(
        "amendment_request",
        _url("amendment_request", "lease", "rent_tier"),
        methods=GET_POST,
        allowed=LEASE_AMEND,
        data=lambda w, side: {
            "rent_multiplier": "1.50",
            "effective_from": "2028-06-01",
            "reason": "矩阵：超标家庭",
        },
    ),
    Row("amendment_detail", _url("amendment_detail", "pending"), allowed=TENANCY_VIEW),
    Row(
        "amendment_decide",
        _url("amendment_decide", "pending"),
        methods=("POST",),
        allowed=LEASE_AMEND_APPROVE,
        data=lambda w, side: {"decision": "approve", "note": "矩阵：同意"},
    ),
    # The tenant's own page: Alice and Charlie each see their own tenancy; staff have
    # no household (404); anyone signed out is sent to log in.
    Row(
        "portal_tenancy",
        _list("portal_tenancy"),
        fixed={"alice": 200, "charlie": 200, "anonymous": 302, "*": 404},
    ),
    # Another household's receipt: nobody reaches it through the portal.
    Row(
        "portal_receipt",
        _url("portal_receipt", "payment"),
        fixed={"anonymous": 302, "*": 404},
    ),
]
