"""The operator's computed indicators (and the survey score of a property company,
which reads the same yearly survey) on a hand-built first quarter of 2026, at their
boundaries, each value traced to the records that make it.

Alice (E1, operator O1) paid her December rent on 1 January with January's, February's
on 5 March, and March's only on 1 April; Charlie (E2, O2) paid every month in its
month, March's at 23:00 on the 31st (in its month, but after its due day)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from anju.evaluation.indicators.base import Measure, definition
from anju.exits.models import DepositSettlement, ExitCase, UnitHandover
from anju.households.models import Household, Lease
from anju.housing.models import Unit
from anju.outreach.models import Answer, Question, Response, Survey
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.payments import payment_record
from anju.testing.cast import build_cast
from anju.testing.shared_world import shared_world

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")
Q1 = (D(2026, 1, 1), D(2026, 3, 31))


def at(day: str, time: str = "10:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day} {time}").replace(tzinfo=TZ)


def measure(code, party) -> Measure | None:
    return definition(code).compute(*Q1).get(party.pk)


def traced(code, party) -> list:
    d = definition(code)
    rows = list(d.records(*Q1, party.pk))
    assert d.measure_of(rows) == d.compute(*Q1).get(party.pk, Measure(None))
    assert set(d.records(*Q1, party.pk).values_list(d.party, flat=True)) <= {party.pk}
    return rows


# --- The world ---------------------------------------------------------------------------


def _rent(cast):
    officer = cast.users["officer"]
    for month in (D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)):
        bill_run(month, actor=officer)
    alice, charlie = cast.alice_household, cast.charlie_household
    for household, amount, when in (
        (charlie, "455.00", at("2025-12-01")),
        (alice, "910.00", at("2026-01-01", "00:10")),  # December (late) and January
        (charlie, "455.00", at("2026-01-01")),
        (charlie, "455.00", at("2026-02-01")),
        (alice, "455.00", at("2026-03-05")),  # February, late
        (charlie, "455.00", at("2026-03-31", "23:00")),
        (alice, "910.00", at("2026-04-01", "00:10")),  # March (late) and April
    ):
        payment_record(
            household, actor=officer, amount=Decimal(amount), channel="cash", paid_at=when
        )


def _tenancy(cast, n, unit, start, end, ended_on=None, previous=None, status="ended"):
    household = Household.objects.create(
        number=f"HH-T{n}",
        category="low_income",
        status="exited" if ended_on else "tenant",
        community=unit.estate.community,
        estate=unit.estate if status == "active" else None,
    )
    return Lease.objects.create(
        number=f"L-T{n}",
        household=household,
        unit=unit,
        start=start,
        end=end,
        ended_on=ended_on,
        monthly_rent=Decimal("455.00"),
        status=status,
        previous=previous,
    )


def _lettings(cast):
    units = {u.code: u for u in Unit.objects.filter(estate=cast.e1)}
    u2, u3, u4, u5 = (units[c] for c in ("E1-01-0102", "E1-01-0201", "E1-01-0202", "E1-01-0301"))
    # Vacant since 20 December, let from 1 January: 12 days.
    _tenancy(cast, 1, u2, D(2023, 1, 1), D(2026, 1, 1), ended_on=D(2025, 12, 20))
    first = _tenancy(cast, 2, u2, D(2026, 1, 1), D(2029, 1, 1), status="active")
    # Its term ended on 1 March, let again on 31 March: 30 days.
    _tenancy(cast, 3, u3, D(2023, 3, 2), D(2026, 3, 1))
    last = _tenancy(cast, 4, u3, D(2026, 3, 31), D(2029, 3, 31), status="upcoming")
    # Not counted: a renewal, a unit let for the first time, and a lease from 1 April.
    old = _tenancy(cast, 5, u4, D(2023, 2, 1), D(2026, 1, 31))
    _tenancy(cast, 6, u4, D(2026, 2, 1), D(2029, 2, 1), previous=old, status="active")
    _tenancy(cast, 7, u5, D(2026, 2, 1), D(2029, 2, 1), status="active")
    _tenancy(cast, 8, units["E1-01-0302"], D(2024, 1, 1), D(2026, 3, 20))
    _tenancy(cast, 9, units["E1-01-0302"], D(2026, 4, 1), D(2029, 4, 1), status="upcoming")
    return {"first": first, "last": last}


def _exits(cast):
    officer = cast.users["officer"]
    unit = Unit.objects.get(code="E1-01-0302")
    n = iter(range(20, 99))

    def case(decided_on, handed_over_on, settled_on=None):
        lease = _tenancy(cast, next(n), unit, D(2020, 1, 1), D(2023, 1, 1), ended_on=handed_over_on)
        c = ExitCase.objects.create(
            number=f"TC2026{lease.pk:05d}",
            household=lease.household,
            lease=lease,
            unit=unit,
            estate=cast.e1,
            reason="voluntary",
            channel="counter",
            stage="closed",
            decided_on=decided_on,
            decided_by=officer if decided_on else None,
            handed_over_on=handed_over_on,
            closed_on=handed_over_on,
        )
        if settled_on:
            DepositSettlement.objects.create(
                case=c,
                number=f"JS{c.pk:06d}",
                deposit_held=Decimal("1000.00"),
                damage=Decimal("0.00"),
                rent_returned=Decimal("0.00"),
                applied=Decimal("0.00"),
                refunded=Decimal("1000.00"),
                still_owed=Decimal("0.00"),
                document="exits/settlements/2026/x.pdf",
                settled_by=officer,
                settled_on=settled_on,
            )
        return c

    cases = {
        "first": case(D(2025, 12, 1), D(2026, 1, 1), D(2026, 1, 16)),  # 31 days; settled day 15
        "last": case(D(2026, 3, 1), D(2026, 3, 31), D(2026, 4, 16)),  # 30 days; settled day 16
        "_before": case(D(2025, 12, 1), D(2025, 12, 31), D(2026, 1, 2)),
        "_after": case(D(2026, 3, 1), D(2026, 4, 1)),
        "_undecided": case(None, D(2026, 2, 1)),
    }

    def handover(c=None, on=None, unit_after="vacant"):
        lease = (
            c.lease
            if c
            else _tenancy(cast, next(n), unit, D(2020, 1, 1), D(2023, 1, 1), ended_on=on)
        )
        return UnitHandover.objects.create(
            direction="out",
            household=lease.household,
            lease=lease,
            unit=unit,
            on=c.handed_over_on if c else on,
            checklist=[],
            meter_readings={},
            keys=2,
            cards=1,
            unit_after=unit_after,
            exit_case=c,
            done_by=officer,
        )

    handovers = {
        "settled_in_time": handover(cases["first"]),
        "settled_late": handover(cases["last"]),
        "_before": handover(cases["_before"]),
        "no_state": handover(on=D(2026, 2, 1), unit_after=""),
        "exchange": handover(on=D(2026, 2, 1), unit_after="under_repair"),
    }
    return cases, handovers


def _survey(cast):
    officer = cast.users["officer"]

    def survey(kind):
        s = Survey.objects.create(
            title=f"{kind} 满意度",
            kind=kind,
            year=2026,
            opens_on=D(2025, 12, 1),
            closes_on=D(2026, 4, 30),
            status="open",
            created_by=officer,
        )
        s.estates.set([cast.e1, cast.e2])
        q = {
            dim: Question.objects.create(survey=s, kind="rating", text=dim, dimension=dim)
            for dim in ("operator", "property")
        }
        return s, q

    yearly, q = survey("yearly")
    ad_hoc, q2 = survey("ad_hoc")
    for s, questions, day, operator, prop in (
        (yearly, q, D(2026, 1, 1), 5, 4),
        (yearly, q, D(2026, 3, 31), 4, 2),
        (yearly, q, D(2025, 12, 31), 1, 1),
        (yearly, q, D(2026, 4, 1), 1, 1),
        (ad_hoc, q2, D(2026, 2, 1), 1, 1),
    ):
        response = Response.objects.create(survey=s, estate=cast.e1, submitted_on=day)
        Answer.objects.create(response=response, question=questions["operator"], value=operator)
        Answer.objects.create(response=response, question=questions["property"], value=prop)


def build():
    cast = build_cast()
    _rent(cast)
    leases = _lettings(cast)
    cases, handovers = _exits(cast)
    _survey(cast)
    return cast, leases, cases, handovers


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def world(world_once, db):
    with time_machine.travel("2026-04-15 10:00 +08:00", tick=False), translation.override("en"):
        yield world_once


# --- Rent --------------------------------------------------------------------------------


def test_rent_collected_counts_what_was_paid_by_the_end_of_each_bills_month(world):
    cast, *_ = world
    alice = measure("operator.rent_collection", cast.operator_1)
    # January's 455 of 1365 billed for January to March; February's came in March.
    assert (str(alice.value), alice.count) == ("33.33", 3)
    rows = traced("operator.rent_collection", cast.operator_1)
    assert sorted(r.due_on for r in rows) == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert sorted(r.contribution for r in rows) == [0, 0, Decimal("455.00")]
    charlie = measure("operator.rent_collection", cast.operator_2)
    assert (str(charlie.value), charlie.count) == ("100.00", 3)
    traced("operator.rent_collection", cast.operator_2)


def test_arrears_recovered_are_payments_of_bills_already_overdue(world):
    cast, *_ = world
    m = measure("operator.arrears_recovered", cast.operator_1)
    # December's rent on 1 January and February's on 5 March; not January's (paid on
    # its due day) nor March's (paid on 1 April).
    assert (m.value, m.count) == (Decimal("910.00"), 2)
    rows = traced("operator.arrears_recovered", cast.operator_1)
    assert sorted(r.bill.due_on for r in rows) == [D(2025, 12, 1), D(2026, 2, 1)]
    # Charlie's March rent, due on the 1st, paid on the 31st: late, though in its month.
    charlie = measure("operator.arrears_recovered", cast.operator_2)
    assert (charlie.value, charlie.count) == (Decimal("455.00"), 1)
    traced("operator.arrears_recovered", cast.operator_2)


# --- Lettings, exits and handovers -------------------------------------------------------


def test_days_vacant_to_let_are_counted_for_new_leases_of_the_quarter(world):
    cast, leases, *_ = world
    m = measure("operator.vacant_to_let", cast.operator_1)
    assert (m.value, m.count) == (Decimal("21.00"), 2)
    rows = traced("operator.vacant_to_let", cast.operator_1)
    assert {r.pk: r.contribution for r in rows} == {
        leases["first"].pk: Decimal("12.00"),
        leases["last"].pk: Decimal("30.00"),
    }
    assert measure("operator.vacant_to_let", cast.operator_2) is None


def test_days_from_decision_to_empty_unit_follow_the_keys_returned_in_the_quarter(world):
    cast, _leases, cases, _handovers = world
    m = measure("operator.decision_to_empty", cast.operator_1)
    assert (m.value, m.count) == (Decimal("30.50"), 2)
    rows = traced("operator.decision_to_empty", cast.operator_1)
    assert {r.pk for r in rows} == {cases["first"].pk, cases["last"].pk}


def test_a_handover_is_complete_with_the_units_state_and_a_timely_settlement(world):
    cast, _leases, _cases, handovers = world
    m = measure("operator.handover_complete", cast.operator_1)
    assert (str(m.value), m.count, m.hits) == ("50.00", 4, 2)
    rows = traced("operator.handover_complete", cast.operator_1)
    assert {r.pk for r in rows if r.contribution} == {
        handovers["settled_in_time"].pk,
        handovers["exchange"].pk,
    }
    assert handovers["_before"].pk not in {r.pk for r in rows}


# --- The survey --------------------------------------------------------------------------


def test_survey_scores_average_the_yearly_surveys_ratings_of_the_quarter(world):
    cast, *_ = world
    operator = measure("operator.survey_score", cast.operator_1)
    prop = measure("property.survey_score", cast.property_1)
    assert (operator.value, operator.count) == (Decimal("4.50"), 2)
    assert (prop.value, prop.count) == (Decimal("3.00"), 2)
    assert {r.value for r in traced("operator.survey_score", cast.operator_1)} == {5, 4}
    traced("property.survey_score", cast.property_1)
    assert measure("operator.survey_score", cast.operator_2) is None
    assert measure("property.survey_score", cast.property_2) is None
