"""The demo's exits and exchanges (anju.demo.exits), made on a small demo district
through the services: a case in every stage, some overdue, overstays billed at market
rent, a case in court with its steps, closed cases with their settlements, and the
exchanges; running it again adds nothing."""

import pytest
from django.utils import timezone

from anju.core.models import User
from anju.demo import district
from anju.demo.exits import generate
from anju.exits.models import (
    DepositSettlement,
    Exchange,
    ExchangeRequest,
    ExitCase,
    LegalStep,
    MutualPair,
    Stage,
)
from anju.exits.services import cases, settlement
from anju.housing.models import UnitStatus
from anju.tenancy.models import Bill, BillKind
from anju.testing.admission import make_ruleset
from anju.testing.shared_world import shared_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    def build():
        district.generate(
            units=district.MIN_UNITS, seed=8, admission=False, exits=False, services=False
        )
        make_ruleset(User.objects.get(username="officer"))
        real = cases.notice_pdf, settlement.settlement_pdf
        # Typesetting is tested in test_cases and test_settlement.
        cases.notice_pdf = settlement.settlement_pdf = lambda case: PDF
        try:
            said = []
            counts = generate(seed=8, say=said.append)
            again = generate(seed=8, say=said.append)
        finally:
            cases.notice_pdf, settlement.settlement_pdf = real
        return counts, again

    with shared_world(django_db_blocker, build) as world:
        yield world


def test_the_demo_has_an_exit_case_in_every_stage_some_overdue(demo, db):
    counts, again = demo
    assert counts["exit_cases"] == ExitCase.objects.count()
    assert set(ExitCase.objects.values_list("stage", flat=True)) == set(Stage.values)
    today = timezone.localdate()
    overdue = ExitCase.objects.live().filter(due_on__lt=today)
    assert {Stage.OPEN, Stage.DECIDED, Stage.HANDED_OVER} <= set(
        overdue.values_list("stage", flat=True)
    )
    assert again == {}


def test_overstays_pay_market_rent_and_a_case_is_in_court(demo, db):
    overstaying = ExitCase.objects.filter(stage=Stage.OVERSTAY)
    bills = Bill.objects.filter(kind=BillKind.OVERSTAY, household__exit_cases__in=overstaying)
    assert bills.exists()
    assert bills.values("source_key").distinct().count() == bills.count()
    assert LegalStep.objects.filter(kind="hearing", case__stage=Stage.LITIGATION).exists()


def test_closed_cases_are_settled_and_their_units_back_in_the_pool(demo, db):
    closed = ExitCase.objects.filter(stage=Stage.CLOSED)
    assert DepositSettlement.objects.filter(case__in=closed).count() == closed.count() == 4
    for case in closed:
        assert case.household.closed_at is not None
        assert case.unit.status in (UnitStatus.VACANT, UnitStatus.UNDER_REPAIR)


def test_the_demo_has_exchanges_at_several_steps(demo, db):
    statuses = set(ExchangeRequest.objects.values_list("status", flat=True))
    assert {"submitted", "done"} <= statuses
    assert ExchangeRequest.objects.filter(kind="transfer").exists()
    assert Exchange.objects.count() >= 1
    assert MutualPair.objects.exists()
