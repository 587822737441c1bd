"""The property company's repair indicators on a hand-built first quarter of 2026, at
their boundaries: an order counts in the quarter it was reported in, a deadline met at
its very moment is met, a deadline still running (or paused) is not counted yet. They
agree with the helpdesk's own SLA report over the same months, and each is traced to
its orders. (The survey score is tested with the operator's.)"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from anju.evaluation.indicators.base import Measure, definition
from anju.helpdesk.models import QualityCheck, RepairClass, WorkOrder
from anju.helpdesk.selectors.repair_reports import sla_compliance
from anju.testing.cast import build_cast
from anju.testing.shared_world import shared_world

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")
Q1 = (D(2026, 1, 1), D(2026, 3, 31))
HOUR, MINUTE = datetime.timedelta(hours=1), datetime.timedelta(minutes=1)


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


def build():
    cast = build_cast()
    officer, repairer = cast.users["officer"], cast.users["repairer"]
    home, public = RepairClass.objects.get(code="HW01"), RepairClass.objects.get(code="BP01")
    n = iter(range(1, 99))

    def order(reported_at, status, *, responded=None, done=None, reopen_count=0, unit=True):
        respond_by, complete_by = reported_at + 2 * HOUR, reported_at + 48 * HOUR
        return WorkOrder.objects.create(
            number=f"BX2026{next(n):05d}",
            channel="phone",
            estate=cast.e1,
            unit=cast.unit_a if unit else None,
            household=cast.alice_household if unit else None,
            place="" if unit else "1号楼楼道",
            repair_class=home if unit else public,
            description="漏水",
            reported_by=officer,
            reported_at=reported_at,
            status=status,
            property_company=cast.property_1,
            assigned_to=repairer if responded else None,
            assigned_at=responded,
            respond_by=respond_by,
            complete_by=complete_by,
            responded_at=responded,
            respond_unit="hours",
            complete_unit="hours",
            started_at=responded,
            done_at=done,
            reopen_count=reopen_count,
            closed_at=done + HOUR if status == "closed" else None,
        )

    first = at("2026-01-01", "00:10")
    last = at("2026-03-31", "23:00")
    orders = {
        # Responded and done at the very moment of each deadline.
        "in_time": order(first, "closed", responded=first + 2 * HOUR, done=first + 48 * HOUR),
        # A minute late for each, and reopened once.
        "late": order(
            last,
            "closed",
            responded=last + 2 * HOUR + MINUTE,
            done=last + 48 * HOUR + MINUTE,
            reopen_count=1,
        ),
        # Nobody came: both deadlines passed while the clock ran.
        "ignored": order(at("2026-02-01"), "reported"),
        # Deferred before its deadline: the clock stands still, nothing settled.
        "_deferred": order(at("2026-03-31", "10:00"), "deferred"),
        "_cancelled": order(at("2026-02-01"), "cancelled"),
        "_before": order(
            at("2025-12-31", "23:59"), "closed", responded=at("2026-01-01"), done=at("2026-01-01")
        ),
        "_after": order(
            at("2026-04-01", "00:00"), "closed", responded=at("2026-04-01"), done=at("2026-04-01")
        ),
    }
    december = at("2025-12-20")
    public_orders = {
        "checked": order(
            december, "closed", responded=december, done=at("2026-01-01", "00:10"), unit=False
        ),
        "failed": order(
            december, "closed", responded=december, done=at("2026-03-31", "23:00"), unit=False
        ),
        "unchecked": order(
            december, "closed", responded=december, done=at("2026-02-01"), unit=False
        ),
        "_after": order(
            december, "closed", responded=december, done=at("2026-04-01", "00:10"), unit=False
        ),
    }
    for key, result in (("checked", "passed"), ("failed", "failed"), ("_after", "passed")):
        QualityCheck.objects.create(
            order=public_orders[key],
            checked_by=officer,
            checked_at=at("2026-04-02"),
            method="visit",
            result=result,
        )
    return cast, orders, public_orders


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def world(world_once, db):
    with time_machine.travel("2026-04-15 10:00 +08:00", tick=False), translation.override("en"):
        yield world_once


def keys(rows, orders):
    names = {o.pk: k for k, o in orders.items()}
    return {names[r.pk]: r.contribution for r in rows}


def test_responses_in_time_count_the_quarters_settled_orders(world):
    cast, orders, _public = world
    m = measure("property.responded_in_time", cast.property_1)
    assert (str(m.value), m.count, m.hits) == ("33.33", 3, 1)
    rows = traced("property.responded_in_time", cast.property_1)
    assert keys(rows, orders) == {"in_time": True, "late": False, "ignored": False}
    assert measure("property.responded_in_time", cast.property_2) is None


def test_completion_in_time_and_reopening(world):
    cast, orders, _public = world
    done = measure("property.done_in_time", cast.property_1)
    assert (str(done.value), done.count, done.hits) == ("33.33", 3, 1)
    assert keys(traced("property.done_in_time", cast.property_1), orders) == {
        "in_time": True,
        "late": False,
        "ignored": False,
    }
    reopened = measure("property.reopen_rate", cast.property_1)
    assert (str(reopened.value), reopened.count, reopened.hits) == ("50.00", 2, 1)
    assert keys(traced("property.reopen_rate", cast.property_1), orders) == {
        "in_time": False,
        "late": True,
    }


def test_the_repair_indicators_agree_with_the_helpdesks_sla_report(world):
    cast, *_ = world
    (report,) = [
        row
        for row in sla_compliance(
            WorkOrder.objects.all(),
            first=Q1[0],
            last=Q1[1],
            by_month=False,
            now=timezone.now(),
        )
        if row.company_id == cast.property_1.pk
    ]
    # The report counts the public-area orders of December in December: none here.
    responded = measure("property.responded_in_time", cast.property_1)
    done = measure("property.done_in_time", cast.property_1)
    reopened = measure("property.reopen_rate", cast.property_1)
    assert (responded.hits, responded.count) == (report.respond_ok, report.respond_due)
    assert (done.hits, done.count) == (report.done_ok, report.done_due)
    assert (reopened.hits, reopened.count) == (report.reopened, report.finished)


def test_public_area_repairs_count_when_staff_checked_them_and_they_passed(world):
    cast, _orders, public = world
    m = measure("property.public_area_checked", cast.property_1)
    assert (str(m.value), m.count, m.hits) == ("33.33", 3, 1)
    rows = traced("property.public_area_checked", cast.property_1)
    assert keys(rows, public) == {"checked": True, "failed": False, "unchecked": False}
    assert measure("property.public_area_checked", cast.property_2) is None
    assert Decimal(m.value) < 100
