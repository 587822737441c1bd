"""Exchanges through their services: the request and its reasons, the three criteria
of eligibility with their numbers (a household holding points cannot exchange), the
units that match, the offer and its decline, the move (the old lease ends the day
before, the new one starts that day with its rent worked out for the new unit, both
units' statuses, both handovers, the bills cut back, the timeline of both units and
the household), a transfer ordered by the authority, and bad input that leaves nothing
half-written. Time is frozen where the dates matter."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Task, TimelineEntry
from anju.exits.models import Direction, Exchange, ExchangeRequest, RequestStatus, UnitHandover
from anju.exits.selectors.exchanges import matching_units
from anju.exits.services import cases as exit_cases
from anju.exits.services import exchanges as svc
from anju.exits.services import moves
from anju.exits.tests.matrix.exchanges import building_of, family, handover, unit_in
from anju.households.models import Lease, LeaseStatus
from anju.housing.models import Unit, UnitStatus
from anju.supervision.models import PointRule
from anju.supervision.services.points import points_record
from anju.tenancy.models import Bill, BillKind, BillStatus
from anju.tenancy.services.billing import bill_raise
from anju.testing.admission import make_ruleset

D = datetime.date
TODAY = D(2026, 6, 10)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(10)), tick=False):
        yield


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def asked(cast, household, **extra):
    values = {"kind": "exchange", "reason": "size_changed", "channel": "counter"}
    return svc.exchange_request(household, actor=cast.community, **(values | extra))


def approved(cast, household, **extra):
    return svc.exchange_decide(asked(cast, household, **extra), actor=cast.officer, approve=True)


def home(cast, number="EX1", **extra):
    """A household of one in a 38 m² unit of E1 (the standard allows one person 40 m²)."""
    values = {"start": D(2025, 1, 1), "end": D(2028, 1, 1)}
    return family(cast.e1, number, cast.officer, **(values | extra))


# --- Requests -------------------------------------------------------------------------------


def test_a_request_is_recorded_with_its_wants_and_a_number(cast, rules):
    household = home(cast)
    request = asked(
        cast,
        household,
        reason="lower_floor",
        estates=[cast.e1, cast.e2],
        min_rooms=1,
        max_floor=3,
        needs_lift=True,
        note="Knee surgery; stairs are hard.",
    )
    assert request.number == "DH202600001"
    assert request.status == RequestStatus.SUBMITTED
    assert request.unit == household.unit and request.estate == cast.e1
    assert request.lease.number == "L-EX1"
    assert set(request.estates.all()) == {cast.e1, cast.e2}
    assert (request.min_rooms, request.max_floor, request.needs_lift) == (1, 3, True)
    assert AuditEntry.objects.filter(action="exchange.request", target_id=str(request.pk)).exists()
    assert TimelineEntry.objects.filter(household=household, verb="exchange.requested").exists()


def test_a_mutual_exchange_is_only_for_work_or_school(cast, rules):
    household = home(cast)
    with pytest.raises(DomainError) as err:
        asked(cast, household, kind="mutual", reason="size_changed")
    assert err.value.code == "reason"
    assert "Work, School" in err.value.message
    assert asked(cast, household, kind="mutual", reason="school").kind == "mutual"


def test_a_household_may_not_give_the_authoritys_reasons_nor_order_a_transfer(cast, rules):
    household = home(cast)
    with pytest.raises(DomainError) as err:
        asked(cast, household, reason="redevelopment")
    assert err.value.code == "reason"
    with pytest.raises(DomainError) as err:
        asked(cast, household, kind="transfer", reason="redevelopment")
    assert err.value.code == "kind"
    with pytest.raises(DomainError) as err:
        svc.transfer_order(household, actor=cast.officer, reason="work", note="x")
    assert err.value.code == "reason"
    assert not ExchangeRequest.objects.exists()


def test_one_open_request_per_household_and_none_while_it_is_leaving(cast, rules):
    household = home(cast)
    asked(cast, household)
    with pytest.raises(DomainError) as err:
        asked(cast, household, reason="work")
    assert err.value.code == "already_open"
    other = home(cast, "EX2")
    exit_cases.exit_request(other, actor=cast.officer, move_out_on=D(2026, 7, 1), channel="counter")
    with pytest.raises(DomainError) as err:
        asked(cast, other)
    assert err.value.code == "exit_open"


def test_a_transfer_is_approved_from_the_start_without_eligibility(cast, rules):
    household = home(cast)
    rule = PointRule.objects.filter(active=True, warning_first=False).first()
    points_record(household, actor=cast.officer, rule=rule, occurred_on=D(2026, 5, 1))
    with pytest.raises(DomainError) as err:
        svc.transfer_order(household, actor=cast.officer, reason="redevelopment", note=" ")
    assert err.value.code == "note"
    request = svc.transfer_order(
        household, actor=cast.officer, reason="redevelopment", note="Block 3 is demolished."
    )
    assert request.kind == "transfer" and request.channel == "authority"
    assert request.status == RequestStatus.APPROVED and request.eligibility == []
    assert request.decided_by == cast.officer and request.decided_on == TODAY


# --- Eligibility ----------------------------------------------------------------------------


def _by_code(criteria):
    return {c["code"]: c for c in criteria}


def test_a_household_holding_points_cannot_exchange(cast, rules):
    household = home(cast)
    rule = PointRule.objects.filter(active=True, warning_first=False).order_by("points").first()
    points_record(household, actor=cast.officer, rule=rule, occurred_on=D(2026, 5, 1))
    request = asked(cast, household)
    criteria = _by_code(svc.eligibility(request, TODAY))
    assert criteria["points"]["passed"] is False
    assert f"Holds {rule.points} valid tenant points on 2026-06-10" in criteria["points"]["detail"]
    assert criteria["arrears"]["passed"] and criteria["area"]["passed"]
    with pytest.raises(DomainError) as err:
        svc.exchange_decide(request, actor=cast.officer, approve=True)
    assert err.value.code == "not_eligible"
    assert "may not apply for a voluntary exchange" in err.value.message
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED and request.eligibility == []
    refused = svc.exchange_decide(request, actor=cast.officer, approve=False, note="Points.")
    assert refused.status == RequestStatus.REFUSED
    assert [c["passed"] for c in refused.eligibility] == [False, True, True]


def test_a_written_warning_alone_does_not_bar_an_exchange(cast, rules):
    household = home(cast)
    rule = PointRule.objects.filter(active=True, warning_first=True).first()
    entry = points_record(household, actor=cast.officer, rule=rule, occurred_on=D(2026, 5, 1))
    assert entry.kind == "warning"
    assert _by_code(svc.eligibility(asked(cast, household), TODAY))["points"]["passed"]


def test_points_that_expired_do_not_count(cast, rules):
    make_ruleset(cast.officer, year=2024, effective_from=D(2024, 1, 1))
    household = home(cast)
    rule = PointRule.objects.filter(active=True, warning_first=False).first()
    with time_machine.travel(datetime.datetime(2024, 6, 1, 10), tick=False):
        points_record(household, actor=cast.officer, rule=rule, occurred_on=D(2024, 5, 1))
    request = asked(cast, household)
    assert _by_code(svc.eligibility(request, TODAY))["points"]["passed"]  # two years on
    assert not _by_code(svc.eligibility(request, D(2026, 4, 30)))["points"]["passed"]


def test_an_overdue_bill_of_any_kind_is_arrears_and_one_not_yet_due_is_not(cast, rules):
    household = home(cast)
    request = asked(cast, household)
    bill_raise(
        household,
        actor=cast.officer,
        kind=BillKind.RENT,
        amount=Decimal("380.00"),
        due_on=D(2026, 6, 15),
    )
    assert _by_code(svc.eligibility(request, TODAY))["arrears"]["passed"]
    bill_raise(
        household,
        actor=cast.officer,
        kind=BillKind.FINE,
        amount=Decimal("200.00"),
        due_on=D(2026, 6, 1),
    )
    arrears = _by_code(svc.eligibility(request, TODAY))["arrears"]
    assert arrears["passed"] is False
    assert arrears["detail"] == "1 overdue bills on 2026-06-10, ¥200.00 in all."


def test_the_area_standard_bounds_the_target_by_household_size(cast, rules):
    one = home(cast, "EX1")
    area = _by_code(svc.eligibility(asked(cast, one), TODAY))["area"]
    assert area["passed"]
    assert "household of 1 may have up to 40 m² (Low income, 2026 rules)" in area["detail"]
    three = home(cast, "EX3", size=3)
    area = _by_code(svc.eligibility(asked(cast, three), TODAY))["area"]
    assert "household of 3 may have up to 60 m²" in area["detail"]


def test_without_a_rule_set_in_force_the_area_criterion_fails(cast):
    household = home(cast)
    request = asked(cast, household)
    area = _by_code(svc.eligibility(request, TODAY))["area"]
    assert area["passed"] is False
    assert area["detail"] == (
        "No area standard in force gives a size for a household of 1 (Low income)."
    )


def test_approval_keeps_the_criteria_on_the_request(cast, rules):
    request = approved(cast, home(cast))
    assert request.status == RequestStatus.APPROVED
    assert [c["code"] for c in request.eligibility] == ["points", "arrears", "area"]
    assert all(c["passed"] for c in request.eligibility)
    assert request.decided_by == cast.officer and request.decided_on == TODAY
    with pytest.raises(DomainError) as err:
        svc.exchange_decide(request, actor=cast.officer, approve=False, note="Again")
    assert err.value.code == "bad_status"


def test_a_refusal_needs_a_note(cast, rules):
    request = asked(cast, home(cast))
    with pytest.raises(DomainError) as err:
        svc.exchange_decide(request, actor=cast.officer, approve=False, note="  ")
    assert err.value.code == "note"


# --- Matching ---------------------------------------------------------------------------------


def test_matching_units_meet_the_wants_and_the_standard_own_estate_first(cast, rules):
    household = home(cast, size=2)  # two people: up to 50 m²
    low = building_of(cast.e1, lift=False)
    lift = building_of(cast.e2, lift=True)
    fits_e1 = unit_in(low, "E1-M1", area="48.00", floor=1, rooms=2)
    unit_in(low, "E1-M2", area="48.00", floor=3, rooms=2)  # up the stairs
    unit_in(low, "E1-M3", area="52.00", floor=1, rooms=2)  # above the standard
    unit_in(low, "E1-M4", area="44.00", floor=1, rooms=1)  # too few rooms
    fits_e2_high = unit_in(lift, "E2-M1", area="49.00", floor=5, rooms=2)
    fits_e2_low = unit_in(lift, "E2-M2", area="45.00", floor=2, rooms=2)
    taken = unit_in(lift, "E2-M3", area="45.00", floor=1, rooms=2)
    Unit.objects.filter(pk=taken.pk).update(status=UnitStatus.UNDER_REPAIR)
    request = approved(
        cast,
        household,
        reason="lower_floor",
        estates=[cast.e1, cast.e2],
        min_rooms=2,
        needs_lift=True,
    )
    with CaptureQueriesContext(connection) as queries:
        units = list(matching_units(request, TODAY))
    codes = [u.code for u in units]
    # The cast's vacant 45.5 m² units fit too; among ours, E1's first, then the lowest.
    assert [c for c in codes if "-M" in c] == [fits_e1.code, fits_e2_low.code, fits_e2_high.code]
    assert codes[:2] == [fits_e1.code, cast.vacant_e1.code]  # floor 1, larger first
    matching = [q for q in queries.captured_queries if "housing_unit" in q["sql"]]
    assert len(matching) == 1  # the units, their estates and buildings in one query
    for unit in units:  # no query more to show them
        with CaptureQueriesContext(connection) as more:
            str(unit.estate.name) + unit.building.number
        assert not more.captured_queries


def test_a_request_without_estates_looks_only_in_its_own_estate(cast, rules):
    household = home(cast)
    unit_in(building_of(cast.e2), "E2-OWN", area="38.00")
    mine = unit_in(building_of(cast.e1), "E1-OWN", area="38.00")
    request = approved(cast, household)
    assert [u.code for u in matching_units(request, TODAY)] == [mine.code]


# --- The offer -------------------------------------------------------------------------------


def test_an_offer_reserves_the_unit_and_a_decline_releases_it(cast, rules):
    household = home(cast)
    unit = unit_in(building_of(cast.e1), "E1-OFF", area="38.00")
    request = approved(cast, household)
    request = svc.exchange_offer(request, actor=cast.officer, unit=unit)
    unit.refresh_from_db()
    assert request.status == RequestStatus.OFFERED and request.target_unit == unit
    assert request.offered_on == TODAY and unit.status == UnitStatus.RESERVED
    assert TimelineEntry.objects.filter(unit=unit, verb="exchange.offered").exists()
    with pytest.raises(DomainError) as err:
        svc.offer_decline(request, actor=cast.community, reason="")
    assert err.value.code == "reason"
    request = svc.offer_decline(request, actor=cast.community, reason="Too far from school.")
    unit.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.target_unit is None
    assert unit.status == UnitStatus.VACANT


def test_offering_a_unit_that_is_not_vacant_is_refused(cast, rules):
    household = home(cast)
    unit = unit_in(building_of(cast.e1), "E1-REP", area="38.00")
    Unit.objects.filter(pk=unit.pk).update(status=UnitStatus.UNDER_REPAIR)
    request = approved(cast, household)
    with pytest.raises(DomainError) as err:
        svc.exchange_offer(request, actor=cast.officer, unit=unit)
    assert err.value.code == "not_vacant" and "Under repair" in err.value.message
    occupied = cast.unit_c
    with pytest.raises(DomainError) as err:
        svc.exchange_offer(request, actor=cast.officer, unit=occupied)
    assert err.value.code == "not_vacant"
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.target_unit is None


def test_offering_a_unit_that_does_not_suit_says_why(cast, rules):
    household = home(cast)
    big = unit_in(building_of(cast.e1), "E1-BIG", area="45.50")
    request = approved(cast, household)
    with pytest.raises(DomainError) as err:
        svc.exchange_offer(request, actor=cast.officer, unit=big)
    assert err.value.code == "unsuitable"
    assert "45.50 m², more than the 40 m² the standard allows" in err.value.message


def test_a_request_not_yet_approved_is_offered_nothing(cast, rules):
    request = asked(cast, home(cast))
    unit = unit_in(building_of(cast.e1), "E1-NOT", area="38.00")
    with pytest.raises(DomainError) as err:
        svc.exchange_offer(request, actor=cast.officer, unit=unit)
    assert err.value.code == "bad_status"


# --- The move --------------------------------------------------------------------------------


def offered(cast, household=None, *, area="38.00", estate=None, **extra):
    household = household or home(cast)
    unit = unit_in(building_of(estate or cast.e1), "E1-NEW", area=area, floor=2, rooms=2)
    request = approved(cast, household, **extra)
    return svc.exchange_offer(request, actor=cast.officer, unit=unit), unit


def test_the_move_ends_the_old_lease_the_day_before_and_starts_the_new_one(cast, rules):
    household = home(cast)
    old_unit = household.unit
    request, new_unit = offered(cast, household, area="36.00")
    exchange = moves.exchange_carry_out(
        request,
        actor=cast.operator,
        on=TODAY,
        out_handover=handover(unit_after="vacant"),
        in_handover=handover(keys=3),
    )
    old = Lease.objects.get(number="L-EX1")
    assert old.status == LeaseStatus.TERMINATED and old.ended_on == D(2026, 6, 9)
    new = Lease.objects.get(number="L-EX1-HJ1")
    assert new.status == LeaseStatus.ACTIVE and new.start == TODAY
    assert new.unit == new_unit and new.household == household
    # Area × the estate's standard × the old tier × its multiplier, plus the surcharge.
    assert new.monthly_rent == Decimal("360.00")
    assert (new.area_m2, new.price_per_m2, new.relief_tier) == (
        Decimal("36.00"),
        Decimal("10.00"),
        Decimal("1.00"),
    )
    # The same deposit, billing day and end date as the old lease.
    assert (new.deposit, new.billing_day, new.end) == (Decimal("760.00"), 5, D(2028, 1, 1))
    assert new.rents.get().monthly_rent == Decimal("360.00")
    household.refresh_from_db()
    old_unit.refresh_from_db()
    new_unit.refresh_from_db()
    assert household.unit == new_unit and household.estate == cast.e1
    assert old_unit.status == UnitStatus.VACANT and new_unit.status == UnitStatus.OCCUPIED
    assert (exchange.from_lease, exchange.to_lease, exchange.on) == (old, new, TODAY)
    handovers = {h.direction: h for h in UnitHandover.objects.filter(exchange=exchange)}
    assert handovers[Direction.OUT].unit == old_unit and handovers[Direction.OUT].lease == old
    assert handovers[Direction.OUT].unit_after == "vacant"
    assert handovers[Direction.IN].unit == new_unit and handovers[Direction.IN].lease == new
    assert handovers[Direction.IN].keys == 3
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    for unit in (old_unit, new_unit):
        verbs = set(TimelineEntry.objects.filter(unit=unit).values_list("verb", flat=True))
        assert {"exchange.moved", "handover.recorded"} <= verbs
    verbs = set(TimelineEntry.objects.filter(household=household).values_list("verb", flat=True))
    assert {"exchange.moved", "lease.ended", "lease.started", "handover.recorded"} <= verbs
    assert AuditEntry.objects.filter(action="exchange.carry_out").count() == 1


def test_the_new_rent_keeps_the_old_tier_multiplier_and_surcharge(cast, rules):
    from anju.tenancy.services.rent import lease_rent_change

    household = home(cast)
    lease = household.leases.get()
    lease_rent_change(
        lease,
        actor=cast.officer,
        effective_from=D(2026, 3, 1),
        reason="tier",
        relief_tier=Decimal("0.50"),
        rent_multiplier=Decimal("1.50"),
        surcharge=Decimal("20.00"),
    )
    request, _unit = offered(cast, household, area="36.00")
    moves.exchange_carry_out(
        request,
        actor=cast.operator,
        on=TODAY,
        out_handover=handover(unit_after="vacant"),
        in_handover=handover(),
    )
    new = Lease.objects.get(number="L-EX1-HJ1")
    # 36 m² × ¥10 × 0.5 × 1.5 = 270.00, plus ¥20.
    assert new.monthly_rent == Decimal("290.00")


def test_the_old_leases_bill_covering_days_after_the_move_is_cut_back(cast, rules):
    household = home(cast)
    lease = household.leases.get()
    bill = bill_raise(
        household,
        actor=cast.officer,
        kind=BillKind.RENT,
        amount=Decimal("300.00"),
        due_on=D(2026, 6, 15),
        lease=lease,
        period_start=D(2026, 6, 1),
        period_end=D(2026, 6, 30),
    )
    request, _unit = offered(cast, household)
    moves.exchange_carry_out(
        request,
        actor=cast.operator,
        on=TODAY,
        out_handover=handover(unit_after="vacant"),
        in_handover=handover(),
    )
    bill.refresh_from_db()
    # 9 of its 30 days kept.
    assert (bill.amount, bill.period_end) == (Decimal("90.00"), D(2026, 6, 9))


def test_a_unit_left_under_repair_raises_a_repair_task_and_damage_is_billed(cast, rules):
    household = home(cast)
    old_unit = household.unit
    request, _unit = offered(cast, household)
    rows = handover(unit_after="under_repair")["checklist"]
    rows[1] = {"item": "walls", "ok": False, "note": "Hole in the kitchen wall"}
    moves.exchange_carry_out(
        request,
        actor=cast.operator,
        on=TODAY,
        out_handover=handover(
            unit_after="under_repair", checklist=rows, charges={"walls": "150.00"}
        ),
        in_handover=handover(),
    )
    old_unit.refresh_from_db()
    assert old_unit.status == UnitStatus.UNDER_REPAIR
    task = Task.objects.get(kind="exchange.repair")
    assert task.organisation == cast.e1.property_company and "Hole" in task.title
    damage = Bill.objects.get(kind=BillKind.DAMAGE)
    assert damage.amount == Decimal("150.00") and damage.lease.number == "L-EX1"
    assert damage.status == BillStatus.OPEN


def test_the_move_to_another_estate_moves_the_household_there(cast, rules):
    household = home(cast)
    request, unit = offered(cast, household, estate=cast.e2, estates=[cast.e2])
    moves.exchange_carry_out(
        request,
        actor=cast.officer,
        on=TODAY,
        out_handover=handover(unit_after="vacant"),
        in_handover=handover(),
    )
    household.refresh_from_db()
    assert household.unit == unit and household.estate == cast.e2
    exchange = Exchange.objects.get()
    assert list(Exchange.objects.visible_to(cast.users["operator"])) == [exchange]


# --- Bad input -----------------------------------------------------------------------------


def _nothing_written(request, household, old_unit):
    request.refresh_from_db()
    old_unit.refresh_from_db()
    assert request.status == RequestStatus.OFFERED
    assert household.leases.get().status == LeaseStatus.ACTIVE
    assert old_unit.status == UnitStatus.OCCUPIED
    assert not Exchange.objects.exists() and not UnitHandover.objects.exists()


def test_carrying_out_with_a_unit_the_household_never_held_is_refused(cast, rules):
    household = home(cast)
    old_unit = household.unit
    request, _unit = offered(cast, household)
    with pytest.raises(DomainError) as err:
        moves.exchange_carry_out(
            request,
            actor=cast.operator,
            on=TODAY,
            out_handover=handover(unit_after="vacant", unit=cast.unit_c),
            in_handover=handover(),
        )
    assert err.value.code == "wrong_unit"
    assert (
        err.value.message == f"Household EX1 never held unit {cast.unit_c.code} under lease L-EX1."
    )
    _nothing_written(request, household, old_unit)
    with pytest.raises(DomainError) as err:
        moves.exchange_carry_out(
            request,
            actor=cast.operator,
            on=TODAY,
            out_handover=handover(unit_after="vacant"),
            in_handover=handover(unit=cast.vacant_e1.code),
        )
    assert err.value.code == "wrong_unit"
    _nothing_written(request, household, old_unit)


def test_a_bad_handover_names_every_problem_and_writes_nothing(cast, rules):
    household = home(cast)
    old_unit = household.unit
    request, _unit = offered(cast, household)
    rows = handover()["checklist"]
    rows[0] = {"item": "doors_windows", "ok": False, "note": ""}
    with pytest.raises(DomainError) as err:
        moves.exchange_carry_out(
            request,
            actor=cast.operator,
            on=TODAY,
            out_handover=handover(unit_after="vacant"),
            in_handover=handover(checklist=rows, keys=-1, meter_readings={}),
        )
    assert err.value.code == "bad_handover"
    for words in ("say what is wrong", "Keys must be", "Read the Water"):
        assert words in err.value.message, words
    _nothing_written(request, household, old_unit)
    with pytest.raises(DomainError) as err:
        moves.exchange_carry_out(
            request,
            actor=cast.operator,
            on=TODAY,
            out_handover=handover(),
            in_handover=handover(),
        )
    assert err.value.code == "after"
    _nothing_written(request, household, old_unit)


def test_a_move_in_the_future_or_of_a_request_not_offered_is_refused(cast, rules):
    household = home(cast)
    request, _unit = offered(cast, household)
    with pytest.raises(DomainError) as err:
        moves.exchange_carry_out(
            request,
            actor=cast.operator,
            on=TODAY + datetime.timedelta(days=1),
            out_handover=handover(unit_after="vacant"),
            in_handover=handover(),
        )
    assert err.value.code == "bad_date"
    waiting = approved(cast, home(cast, "EX2"))
    with pytest.raises(DomainError) as err:
        moves.exchange_carry_out(
            waiting,
            actor=cast.operator,
            on=TODAY,
            out_handover=handover(unit_after="vacant"),
            in_handover=handover(),
        )
    assert err.value.code == "bad_status"


def test_a_lease_ending_before_the_move_must_be_renewed_first(cast, rules):
    household = home(cast, end=D(2026, 6, 10))
    request, _unit = offered(cast, household)
    with pytest.raises(DomainError) as err:
        moves.exchange_carry_out(
            request,
            actor=cast.operator,
            on=TODAY,
            out_handover=handover(unit_after="vacant"),
            in_handover=handover(),
        )
    assert err.value.code == "lease_ending"


def test_withdrawing_an_offered_request_releases_the_unit(cast, rules):
    request, unit = offered(cast)
    with pytest.raises(DomainError):
        svc.exchange_withdraw(request, actor=cast.community, reason="")
    request = svc.exchange_withdraw(request, actor=cast.community, reason="Staying after all.")
    unit.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN and unit.status == UnitStatus.VACANT
    with pytest.raises(DomainError) as err:
        svc.exchange_withdraw(request, actor=cast.community, reason="Again.")
    assert err.value.code == "bad_status"
