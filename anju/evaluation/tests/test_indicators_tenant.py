"""A tenant household's computed indicators on a hand-built first quarter of 2026, at
their boundaries, each value traced to its records. Alice is the household with
records; Charlie's shows what a household without them gets: nought for the two sums
(points and credit), a measure of nothing done for the rates it has records for."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from anju.admission.models import RuleSet
from anju.evaluation.indicators.base import Measure, definition
from anju.households.models import Lease
from anju.supervision.models import (
    GoodConductCredit,
    InspectionTask,
    InspectionVisit,
    PointEntry,
    PointRule,
)
from anju.tenancy.models import Campaign, Declaration, RecertCase
from anju.tenancy.services.billing import bill_raise, bill_run
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


def _bills(cast):
    officer, alice = cast.users["officer"], cast.alice_household
    for month in (D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)):
        bill_run(month, actor=officer)
    fine = bill_raise(
        alice,
        actor=officer,
        kind="fine",
        amount=Decimal("200.00"),
        due_on=D(2026, 3, 31),
        description="违规罚款",
    )
    for amount, when in (
        ("455.00", at("2026-01-01", "23:00")),  # January, on its due day
        ("455.00", at("2026-02-02", "00:10")),  # February, the day after
        ("455.00", at("2026-02-20")),  # March, ahead of time
    ):
        payment_record(alice, actor=officer, amount=Decimal(amount), channel="cash", paid_at=when)
    return fine


def _points(cast):
    officer, alice = cast.users["officer"], cast.alice_household
    rule = PointRule.objects.order_by("pk").first()  # the seeded catalogue's

    def entry(points, occurred_on, expires_on, kind="points", voided=False):
        return PointEntry.objects.create(
            household=alice,
            rule=rule,
            kind=kind,
            points=points,
            occurred_on=occurred_on,
            expires_on=expires_on,
            recorded_by=officer,
            voided_at=at("2026-02-01") if voided else None,
            voided_by=officer if voided else None,
        )

    valid = {
        entry(5, D(2025, 6, 1), D(2027, 6, 1)).pk,
        entry(3, D(2026, 3, 31), D(2028, 3, 31)).pk,  # on the last day: valid at its end
    }
    entry(7, D(2026, 4, 1), D(2028, 4, 1))  # the day after
    entry(15, D(2024, 3, 31), D(2026, 3, 31))  # expires on the last day
    entry(5, D(2026, 1, 10), D(2028, 1, 10), voided=True)
    entry(0, D(2026, 1, 10), D(2028, 1, 10), kind="warning")
    for amount, day in (
        ("2.5", D(2026, 1, 1)),
        ("12.0", D(2026, 3, 31)),
        ("1.0", D(2025, 12, 31)),
        ("1.0", D(2026, 4, 1)),
    ):
        GoodConductCredit.objects.create(
            household=alice,
            kind="volunteering",
            amount=Decimal(amount),
            occurred_on=day,
            recorded_by=officer,
        )
    return valid


def _recertification(cast):
    officer = cast.users["officer"]
    ruleset = RuleSet.objects.create(
        year=2026, effective_from=D(2026, 1, 1), source="测试", created_by=officer
    )
    alice, charlie = cast.alice_household, cast.charlie_household

    def case(declare_by, household, declared_at=None):
        campaign, _ = Campaign.objects.get_or_create(
            year=2026,
            name=f"年审 {declare_by}",
            ruleset=ruleset,
            opened_on=declare_by - datetime.timedelta(30),
            declare_by=declare_by,
            created_by=officer,
        )
        declaration = declared_at and Declaration.objects.create(
            household=household,
            channel="portal",
            submitted_at=declared_at,
            submitted_by=officer,
            consent=True,
        )
        return RecertCase.objects.create(
            campaign=campaign,
            household=household,
            lease=Lease.objects.get(household=household),
            estate=household.estate,
            declaration=declaration or None,
            status="declared" if declared_at else "awaiting",
        )

    return {
        "on_deadline_day": case(D(2026, 1, 1), alice, at("2026-01-01", "23:50")),
        "charlie_none": case(D(2026, 1, 1), charlie),
        "day_after": case(D(2026, 3, 31), alice, at("2026-04-01", "00:10")),
        "_after": case(D(2026, 4, 1), alice, at("2026-03-01")),
    }


def _visits(cast):
    officer = cast.users["officer"]
    n = iter(range(1, 99))

    def task(unit, household):
        return InspectionTask.objects.create(
            number=f"XC2026{next(n):05d}",
            kind="routine",
            estate=unit.estate,
            unit=unit,
            household=household,
            assigned_to=officer,
            due_on=D(2026, 6, 30),
        )

    alice_task, empty = task(cast.unit_a, cast.alice_household), task(cast.vacant_e1, None)

    def visit(t, when, outcome):
        return InspectionVisit.objects.create(
            task=t, visited_at=when, inspector=officer, outcome=outcome
        )

    return {
        "let_in": visit(alice_task, at("2026-01-01", "00:10"), "completed"),
        "refused": visit(alice_task, at("2026-03-31", "23:50"), "refused"),
        "_before": visit(alice_task, at("2025-12-31", "23:50"), "completed"),
        "_after": visit(alice_task, at("2026-04-01", "00:00"), "no_answer"),
        "_empty_unit": visit(empty, at("2026-02-01"), "completed"),
    }


def build():
    cast = build_cast()
    fine = _bills(cast)
    valid = _points(cast)
    cases = _recertification(cast)
    visits = _visits(cast)
    return cast, fine, valid, cases, visits


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def world(world_once, db):
    with time_machine.travel("2026-04-15 10:00 +08:00", tick=False), translation.override("en"):
        yield world_once


def test_a_bill_is_punctual_when_paid_in_full_by_its_due_day(world):
    cast, fine, *_ = world
    alice = cast.alice_household
    m = measure("tenant.payment_punctuality", alice)
    assert (str(m.value), m.count, m.hits) == ("50.00", 4, 2)
    rows = traced("tenant.payment_punctuality", alice)
    assert {(r.due_on, r.kind): r.contribution for r in rows} == {
        (D(2026, 1, 1), "rent"): True,
        (D(2026, 2, 1), "rent"): False,
        (D(2026, 3, 1), "rent"): True,
        (D(2026, 3, 31), "fine"): False,
    }
    charlie = measure("tenant.payment_punctuality", cast.charlie_household)
    assert (str(charlie.value), charlie.count) == ("0.00", 3)


def test_valid_points_are_those_in_force_on_the_last_day(world):
    cast, _fine, valid, *_ = world
    m = measure("tenant.valid_points", cast.alice_household)
    assert (m.value, m.count) == (Decimal("8.00"), 2)
    rows = traced("tenant.valid_points", cast.alice_household)
    assert {r.pk for r in rows} == valid


def test_a_tenant_without_points_or_credit_has_nought_not_nothing(world):
    cast, *_ = world
    charlie = cast.charlie_household
    for code in ("tenant.valid_points", "tenant.conduct_credit"):
        assert measure(code, charlie) == Measure(Decimal("0.00"), 0)
        assert traced(code, charlie) == []


def test_credit_earned_in_the_quarter_adds_up(world):
    cast, *_ = world
    m = measure("tenant.conduct_credit", cast.alice_household)
    assert (m.value, m.count) == (Decimal("14.50"), 2)
    traced("tenant.conduct_credit", cast.alice_household)


def test_a_declaration_on_the_deadline_day_is_on_time(world):
    cast, _fine, _valid, cases, _visits = world
    m = measure("tenant.declaration_on_time", cast.alice_household)
    assert (str(m.value), m.count, m.hits) == ("50.00", 2, 1)
    rows = traced("tenant.declaration_on_time", cast.alice_household)
    assert {r.pk: r.contribution for r in rows} == {
        cases["on_deadline_day"].pk: True,
        cases["day_after"].pk: False,
    }
    charlie = measure("tenant.declaration_on_time", cast.charlie_household)
    assert (str(charlie.value), charlie.hits) == ("0.00", 0)


def test_cooperation_counts_the_visits_where_the_inspector_was_let_in(world):
    cast, _fine, _valid, _cases, visits = world
    m = measure("tenant.inspection_cooperation", cast.alice_household)
    assert (str(m.value), m.count, m.hits) == ("50.00", 2, 1)
    rows = traced("tenant.inspection_cooperation", cast.alice_household)
    assert {r.pk for r in rows} == {visits["let_in"].pk, visits["refused"].pk}
    assert measure("tenant.inspection_cooperation", cast.charlie_household) is None
