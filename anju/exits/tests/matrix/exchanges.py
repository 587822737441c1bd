"""Scoping-matrix rows of exchanges: the request list and a request's page, a request
entered at the counter and a transfer ordered, the decision, the offer of a unit, its
decline, the move, withdrawal; the swap board, proposing pairs, a pair's page, consent,
decline and approval; and the tenant's exchange page with consent and decline of a pair.

Each side (E1 "in", E2 "out") gets households of its own, each in a unit of a building
of its own (one person each, so a unit of 38 m² is within the area standard's 40 m²):
one with a request just submitted (for the decision), one approved (the offer, with a
vacant 38 m² unit to offer, and the withdrawal), one with a unit offered (the decline
and the move), one with no request (the counter form and the transfer order, asked on
the "in" side only: the household is named in the query string), and two pairs of
mutual exchanges, one proposed (consent, decline) and one both households consented to
(approval).

The proposed pair of the "in" side is Alice's: her household (E1) posted first, so it
is the pair's first household, and its second household lives in E2. The pair is in
scope for E1's staff through its first household alone, which is the Row's "estate"
reasoning: in = the E1 side; the "out" pair has both households in E2, seen only by
the district-wide roles. On the portal Alice consents to it or declines it; Charlie,
who is in no pair, gets 404 like everyone else."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from anju.exits.services import exchanges as svc
from anju.exits.services import mutual
from anju.households import services as hh
from anju.households.models import HouseholdStatus
from anju.housing.models import Building, Unit
from anju.testing.admission import make_ruleset
from anju.testing.matrix import (
    EXCHANGE_DECIDE,
    EXCHANGE_ENTER,
    EXITS_VIEW,
    HANDOVER,
    Row,
    _list,
    _r,
)

# --- Builders the exchange tests share ----------------------------------------------------

_PEOPLE = itertools.count(1)


def person_id() -> str:
    """A valid resident ID number no other test person has."""
    from stdnum.cn import ric

    n = next(_PEOPLE)
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=n)
    body = f"140411{born:%Y%m%d}{n % 999 + 1:03d}"
    return body + ric.calc_check_digit(body + "0")


def building_of(estate, *, floors: int = 6, lift: bool = True) -> Building:
    return Building.objects.create(
        estate=estate,
        number=f"XB{Building.objects.filter(estate=estate).count() + 1}",
        floors=floors,
        units_per_floor=4,
        has_lift=lift,
    )


def unit_in(
    building, code: str, *, area="38.00", floor: int = 1, rooms: int = 1, accessible=False
) -> Unit:
    position = Unit.objects.filter(building=building, floor=floor).count() + 1
    return Unit.objects.create(
        code=code,
        estate=building.estate,
        building=building,
        floor=floor,
        position=position,
        area_m2=Decimal(area),
        rooms=rooms,
        accessible=accessible,
    )


def family(
    estate,
    number: str,
    actor,
    *,
    size: int = 1,
    area="38.00",
    floor: int = 1,
    rooms: int = 1,
    lift: bool = True,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    rent="380.00",
    category: str = "low_income",
):
    """A household of `size` people living in a unit of its own (in a new building of
    `estate`) under a lease from `start` (a year ago) to `end` (in three years)."""
    today = timezone.localdate()
    start = start or today - datetime.timedelta(days=365)
    end = end or today + datetime.timedelta(days=3 * 365)
    building = building_of(estate, floors=max(6, floor), lift=lift)
    unit = unit_in(building, f"{estate.code}-{number}", area=area, floor=floor, rooms=rooms)
    household = hh.household_create(
        actor=actor,
        number=number,
        category=category,
        community=estate.community,
        status=HouseholdStatus.WAITING,
    )
    for i in range(size):
        hh.member_add(
            household,
            actor=actor,
            name=f"成员{i + 1}号",
            id_number=person_id(),
            relation="head" if i == 0 else "child",
        )
    hh.lease_start(
        household,
        actor=actor,
        unit=unit,
        number=f"L-{number}",
        start=start,
        end=end,
        monthly_rent=Decimal(rent),
        terms={
            "area_m2": unit.area_m2,
            "price_per_m2": Decimal("10.00"),
            "relief_tier": Decimal("1.00"),
            "deposit": Decimal("760.00"),
            "billing_day": 5,
        },
    )
    household.refresh_from_db()
    return household


def handover(**extra) -> dict:
    """A handover with every item in order, as a service takes it."""
    from anju.housing.handover import CHECKLIST_ITEMS

    return {
        "checklist": [{"item": item, "ok": True, "note": ""} for item in CHECKLIST_ITEMS],
        "meter_readings": {"water": "12.5", "electricity": "3456.7"},
        "keys": 2,
        "cards": 1,
        **extra,
    }


def handover_post(prefix: str, *, unit_after: str = "") -> dict:
    """The same handover as the move page's form posts it under `prefix`."""
    from anju.housing.handover import CHECKLIST_ITEMS

    data = {f"{prefix}-item-{item}": "ok" for item in CHECKLIST_ITEMS}
    data |= {f"{prefix}-meter-water": "12.5", f"{prefix}-meter-electricity": "3456.7"}
    data |= {f"{prefix}-keys": "2", f"{prefix}-cards": "1"}
    if unit_after:
        data[f"{prefix}-unit_after"] = unit_after
    return data


def move_post(on) -> dict:
    return {"on": str(on), **handover_post("out", unit_after="vacant"), **handover_post("in")}


def pair_post(on) -> dict:
    data = {"on": str(on)}
    for side in ("first", "second"):
        data |= handover_post(f"{side}-out") | handover_post(f"{side}-in")
    return data


def mutual_request(household, actor, *, estates=(), reason="work"):
    request = svc.exchange_request(
        household,
        actor=actor,
        kind="mutual",
        reason=reason,
        channel="counter",
        estates=estates,
    )
    return svc.exchange_decide(request, actor=actor, approve=True)


# --- The world --------------------------------------------------------------------------


def build(world):
    officer = world.cast.users["officer"]
    make_ruleset(officer)
    e1, e2 = world.cast.e1, world.cast.e2
    sides = {}
    for side, estate in (("in", e1), ("out", e2)):
        tag = f"XM{side[0].upper()}"
        x = {}
        for role in ("submitted", "approved", "offered", "free"):
            x[f"{role}_household"] = family(estate, f"{tag}-{role[:3].upper()}", officer)
        spare = building_of(estate)
        x["vacant"] = unit_in(spare, f"{estate.code}-{tag}-V1")
        x["offer_unit"] = unit_in(spare, f"{estate.code}-{tag}-V2")
        for role in ("submitted", "approved", "offered"):
            x[role] = svc.exchange_request(
                x[f"{role}_household"],
                actor=officer,
                kind="exchange",
                reason="lower_floor",
                channel="counter",
                note=f"矩阵：{role}",
            )
        for role in ("approved", "offered"):
            x[role] = svc.exchange_decide(x[role], actor=officer, approve=True)
        x["offered"] = svc.exchange_offer(x["offered"], actor=officer, unit=x["offer_unit"])
        sides[side] = x
    # The proposed pairs: Alice's (first) with a household of E2, then one inside E2.
    alice = world.cast.alice_household
    partner = family(e2, "XMI-PAIR", officer, size=2, area="45.00")
    mutual_request(alice, officer, estates=[e1, e2])
    mutual_request(partner, officer, estates=[e1, e2])
    mutual.pairs_propose(actor=officer)
    a = family(e2, "XMO-PA", officer, size=2, area="45.00")
    b = family(e2, "XMO-PB", officer, size=2, area="46.00")
    mutual_request(a, officer)
    mutual_request(b, officer)
    mutual.pairs_propose(actor=officer)
    proposed = {
        "in": alice.exchange_requests.get().pairs_first.get(),
        "out": a.exchange_requests.get().pairs_first.get(),
    }
    # The consented pairs, one per side, both households in the side's estate.
    consented = {}
    for side, estate in (("in", e1), ("out", e2)):
        tag = f"XM{side[0].upper()}"
        a = family(estate, f"{tag}-CA", officer, size=2, area="45.00")
        b = family(estate, f"{tag}-CB", officer, size=2, area="47.00")
        mutual_request(a, officer)
        mutual_request(b, officer)
        mutual.pairs_propose(actor=officer)
        pair = a.exchange_requests.get().pairs_first.get()
        for household in (a, b):
            pair = mutual.pair_consent(pair, household=household, actor=officer)
        consented[side] = pair
    for side in ("in", "out"):
        sides[side]["proposed"] = proposed[side]
        sides[side]["consented"] = consented[side]
    world.extra["exchanges"] = {"sides": sides, "today": timezone.localdate()}


def _x(w, side):
    return w.extra["exchanges"]["sides"][side]


def _url(name, key):
    return lambda w, side, role: _r(name, _x(w, side)[key].pk)


def _household_query(name):
    # The household is named in the query string, so only the "in" side is asked
    # (scope "none"); the 404 of another estate's household is in test_exchange_pages.
    return lambda w, side, role: _r(name) + f"?household={_x(w, 'in')['free_household'].pk}"


ALICE_ONLY = {"alice": 302, "anonymous": 302, "*": 404}
TENANTS_OWN = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}

ROWS = [
    Row(
        "exchange_requests",
        _list("exchange_requests"),
        allowed=EXITS_VIEW,
        scope="none",
        marks=("XMI-SUB", "XMO-SUB"),
    ),
    Row("exchange_request", _url("exchange_request", "approved"), allowed=EXITS_VIEW),
    Row(
        "exchange_request_new",
        _household_query("exchange_request_new"),
        methods=("GET", "POST"),
        allowed=EXCHANGE_ENTER,
        scope="none",
        data=lambda w, side: {"kind": "exchange", "reason": "size_changed", "note": "矩阵"},
    ),
    Row(
        "exchange_transfer_new",
        _household_query("exchange_transfer_new"),
        methods=("GET", "POST"),
        allowed=EXCHANGE_DECIDE,
        scope="none",
        data=lambda w, side: {"reason": "redevelopment", "note": "矩阵：棚改拆除"},
    ),
    Row(
        "exchange_decide",
        _url("exchange_decide", "submitted"),
        methods=("POST",),
        allowed=EXCHANGE_DECIDE,
        data=lambda w, side: {"decision": "approve", "note": ""},
    ),
    Row(
        "exchange_offer",
        _url("exchange_offer", "approved"),
        methods=("POST",),
        allowed=EXCHANGE_DECIDE,
        data=lambda w, side: {"unit": _x(w, side)["vacant"].pk},
    ),
    Row(
        "exchange_offer_decline",
        _url("exchange_offer_decline", "offered"),
        methods=("POST",),
        allowed=EXCHANGE_ENTER,
        data=lambda w, side: {"reason": "矩阵：楼层太高"},
    ),
    Row(
        "exchange_withdraw",
        _url("exchange_withdraw", "approved"),
        methods=("POST",),
        allowed=EXCHANGE_ENTER,
        data=lambda w, side: {"reason": "矩阵：不再需要"},
    ),
    Row(
        "exchange_carry_out",
        _url("exchange_carry_out", "offered"),
        methods=("GET", "POST"),
        allowed=HANDOVER,
        data=lambda w, side: move_post(w.extra["exchanges"]["today"]),
    ),
    Row(
        "mutual_pairs",
        _list("mutual_pairs"),
        allowed=EXITS_VIEW,
        scope="none",
        marks=("XMI-CA", "XMO-CA"),
    ),
    Row(
        "mutual_pairs_propose",
        _list("mutual_pairs_propose"),
        methods=("POST",),
        allowed=EXCHANGE_DECIDE,
        scope="none",
        data=lambda w, side: {},
    ),
    # A pair is in scope through either household's estate. The "in" pair is Alice's
    # (E1) with a household of E2: E1's staff see it through its first household alone.
    Row("mutual_pair", _url("mutual_pair", "proposed"), allowed=EXITS_VIEW),
    Row(
        "mutual_pair_consent",
        _url("mutual_pair_consent", "proposed"),
        methods=("POST",),
        allowed=EXCHANGE_ENTER,
        data=lambda w, side: {"household": _x(w, side)["proposed"].first.household_id},
    ),
    Row(
        "mutual_pair_decline",
        _url("mutual_pair_decline", "proposed"),
        methods=("POST",),
        allowed=EXCHANGE_ENTER,
        data=lambda w, side: {
            "household": _x(w, side)["proposed"].first.household_id,
            "reason": "矩阵：孩子转学未成",
        },
    ),
    Row(
        "mutual_pair_approve",
        _url("mutual_pair_approve", "consented"),
        methods=("GET", "POST"),
        allowed=EXCHANGE_DECIDE,
        data=lambda w, side: pair_post(w.extra["exchanges"]["today"]),
    ),
    # The tenant's page: Alice sees her posting and its pair, Charlie his page with the
    # form; staff have no household (404). An empty POST shows the form with its errors.
    Row(
        "portal_exchange",
        _list("portal_exchange"),
        methods=("GET", "POST"),
        fixed=TENANTS_OWN,
    ),
    # Alice's request is in a live pair, so withdrawing it is refused (a message and a
    # redirect); Charlie has no open request to withdraw.
    Row(
        "portal_exchange_withdraw",
        _list("portal_exchange_withdraw"),
        methods=("POST",),
        fixed=ALICE_ONLY,
    ),
    # Alice's pair, from its first household's side: only Alice may consent or decline.
    Row(
        "portal_pair_consent",
        lambda w, side, role: _r("portal_pair_consent", _x(w, "in")["proposed"].pk),
        methods=("POST",),
        fixed=ALICE_ONLY,
    ),
    Row(
        "portal_pair_decline",
        lambda w, side, role: _r("portal_pair_decline", _x(w, "in")["proposed"].pk),
        methods=("POST",),
        fixed=ALICE_ONLY,
    ),
]
