"""Hand-built evaluation data for the period tests: two small computed indicators whose
records are easy to count and change, and published schemes for property companies
(one computed and one manual line) and tenant households (one computed line).

- `test.units_low` (property companies): the share of the units of the estates a
  company serves that are on floor 1 or 2. The cast's estates have six units on three
  floors, so each company starts at 4 of 6 = 66.67 %.
- `test.members_head` (tenants): the share of a household's members who are its head:
  Alice's household 1 of 2 = 50 %, Charlie's 1 of 1 = 100 %.

The definitions are put in the registry only for the tests that use them
(`registered()`), so that nothing else ever sees them."""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from anju.evaluation.indicators.base import REGISTRY, Column, Ratio
from anju.evaluation.models import (
    Indicator,
    IndicatorUnit,
    PartyKind,
    PeriodKind,
    Scheme,
    SchemeLine,
)
from anju.households.models import Member
from anju.housing.models import Unit
from anju.testing.cast import build_cast
from anju.testing.shared_world import shared_world

Q2 = datetime.date(2026, 4, 1)
# Ten days after the quarter: the officer opens, computes and discloses.
AFTER_Q2 = datetime.datetime(
    2026, 7, 10, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)
OBJECTION_DAYS = 7


class UnitsLow(Ratio):
    code = "test.units_low"
    party_kind = PartyKind.PROPERTY
    party = "estate__property_company"
    columns = (Column("code", "unit"), Column("floor", "floor"))
    detail_url = "unit_detail"

    def base(self, start, end):
        return Unit.objects.all()

    def hit(self, start, end):
        return Q(floor__lte=2)


class MembersHead(Ratio):
    code = "test.members_head"
    party_kind = PartyKind.TENANT
    party = "household"
    columns = (Column("name", "name"), Column("relation", "relation"))

    def base(self, start, end):
        return Member.objects.all()

    def hit(self, start, end):
        return Q(relation="head")


DEFINITIONS = (UnitsLow(), MembersHead())


@contextmanager
def registered():
    with pytest.MonkeyPatch.context() as mp:
        for d in DEFINITIONS:
            mp.setitem(REGISTRY, d.code, d)
        yield


def at(moment):
    return time_machine.travel(moment, tick=False)


def _indicator(code, party_kind, source, unit=IndicatorUnit.PERCENT) -> Indicator:
    return Indicator.objects.get_or_create(
        code=code,
        defaults={
            "party_kind": party_kind,
            "name_zh": f"指标 {code}",
            "name_en": f"Indicator {code}",
            "definition_zh": f"{code} 的定义",
            "definition_en": f"How {code} is measured",
            "unit": unit,
            "source": source,
        },
    )[0]


def schemes(*, period_kind=PeriodKind.QUARTER, effective_from=datetime.date(2025, 1, 1)):
    """Published schemes for property companies and tenants; returns {kind: scheme}."""
    out = {}
    for kind, lines in (
        (
            PartyKind.PROPERTY,
            [
                ("test.units_low", "test.units_low", IndicatorUnit.PERCENT, 60),
                ("test.property_manual", "manual", IndicatorUnit.SCORE, 40),
            ],
        ),
        (
            PartyKind.TENANT,
            [("test.members_head", "test.members_head", IndicatorUnit.PERCENT, 100)],
        ),
    ):
        version = (Scheme.objects.filter(party_kind=kind, period_kind=period_kind).count()) + 90
        scheme = Scheme.objects.create(
            party_kind=kind,
            period_kind=period_kind,
            version=version,
            effective_from=effective_from,
            source="测试考核办法",
            published_at=timezone.now(),
            objection_days=OBJECTION_DAYS,
        )
        for sort, (code, source, unit, weight) in enumerate(lines):
            SchemeLine.objects.create(
                scheme=scheme,
                indicator=_indicator(code, kind, source, unit),
                weight=Decimal(weight),
                target=Decimal(100),
                zero_at=Decimal(0),
                sort=sort,
            )
        out[kind] = scheme
    return out


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
    )


def build():
    cast = build_cast()
    with at(AFTER_Q2):
        schemes()
    return cast


# The fixtures of a module built once: import `world_once`, `world` and `definitions`
# into the test module.
@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def world(world_once, db):
    return world_once


@pytest.fixture(autouse=True)
def definitions():
    with registered():
        yield


def opened(cast):
    from anju.evaluation.services.periods import period_open

    with at(AFTER_Q2):
        return period_open(actor=cast.officer, kind=PeriodKind.QUARTER, starts_on=Q2)


def computed(cast):
    from anju.evaluation.services.period_compute import period_compute

    period = opened(cast)
    with at(AFTER_Q2):
        period_compute(period)
    period.refresh_from_db()
    return period


def card(period, party):
    from anju.evaluation.models import Evaluation

    field = "household" if hasattr(party, "members") else "organisation"
    return Evaluation.objects.get(period=period, **{field: party})


def manual(period, org):
    from anju.evaluation.models import Score

    return Score.objects.get(
        evaluation__period=period, evaluation__organisation=org, line__indicator__source="manual"
    )


def score_all_manual(period, cast, value=90):
    from anju.evaluation.models import Score
    from anju.evaluation.services.manual_scores import score_enter

    with at(AFTER_Q2):
        for score in Score.objects.filter(
            evaluation__period=period, line__indicator__source="manual"
        ):
            score_enter(
                score, actor=cast.officer, value=value, comment="巡查记录良好", evidence=[pdf()]
            )


def disclosed(cast, value=90):
    from anju.evaluation.services.periods import period_disclose

    period = computed(cast)
    score_all_manual(period, cast, value)
    with at(AFTER_Q2):
        period_disclose(period, actor=cast.officer)
    period.refresh_from_db()
    return period
