"""Indicator trends: one indicator over the disclosed and published periods for every
party of its kind the viewer may see (the district-wide roles all, a street its own
and its communities, the others their own), on the hand-built periods of
`dashboard_data`."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from anju.evaluation.models import PartyKind
from anju.evaluation.selectors.trends import indicator_choices, indicator_trend
from anju.testing.cast import build_cast
from anju.testing.shared_world import shared_world

from .dashboard_data import build_evaluations


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _build():
    cast = build_cast()
    return cast, build_evaluations(cast, year=2015, today=timezone.localdate())


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, _build) as w:
        yield w


@pytest.fixture
def cast(world, db):
    return world[0]


@pytest.fixture
def indicators(world, db):
    return world[1].indicators


def lines(cast, role, indicator):
    trend = indicator_trend(cast.users[role], indicator)
    return {p.name: p.values for p in trend.parties}


def test_the_officer_sees_every_property_company_over_the_shown_periods(cast, indicators):
    trend = indicator_trend(cast.users["officer"], indicators[PartyKind.PROPERTY])
    assert [p.name for p in trend.periods] == ["2015Q1", "2015Q2", "2015Q3"]  # not the open Q4
    assert trend.targets == [95.0, 95.0, 95.0]
    assert lines(cast, "officer", indicators[PartyKind.PROPERTY]) == {
        "康居物业": [85.0, 72.0, 88.0],
        "宏达物业": [92.0, 55.0, 61.0],
    }


@pytest.mark.parametrize(
    ("role", "kind", "seen"),
    [
        ("propmgr", PartyKind.PROPERTY, {"康居物业"}),
        ("operator", PartyKind.OPERATOR, {"安居运营公司"}),
        ("street", PartyKind.STREET, {"英雄南路街道"}),
        ("street", PartyKind.COMMUNITY, {"康乐社区"}),
        ("community", PartyKind.COMMUNITY, {"康乐社区"}),
        ("auditor", PartyKind.COMMUNITY, {"康乐社区", "太行社区"}),
        ("auditor", PartyKind.OPERATOR, {"安居运营公司", "宏达运营公司"}),
    ],
)
def test_each_party_kind_shows_the_parties_the_viewer_may_see(cast, indicators, role, kind, seen):
    assert set(lines(cast, role, indicators[kind])) == seen


def test_the_select_offers_only_indicators_with_values_the_viewer_may_see(cast, indicators):
    assert set(indicator_choices(cast.users["officer"])) == set(indicators.values())
    assert list(indicator_choices(cast.users["propmgr"])) == [indicators[PartyKind.PROPERTY]]
    assert set(indicator_choices(cast.users["street"])) == {
        indicators[PartyKind.STREET],
        indicators[PartyKind.COMMUNITY],
    }
    assert not indicator_choices(cast.users["alice"]).exists()


def test_the_page_draws_the_chosen_indicator_as_a_chart_and_a_table(cast, indicators):
    c = Client()
    c.force_login(cast.users["auditor"])
    chosen = indicators[PartyKind.OPERATOR]
    response = c.get(reverse("evaluation_trends") + f"?indicator={chosen.pk}")
    assert response.status_code == 200
    chart = response.context["chart"]
    assert chart["periods"] == ["2015Q1", "2015Q2", "2015Q3"]
    assert {p["name"]: p["values"] for p in chart["parties"]} == {
        "安居运营公司": [81.0, 79.0, 80.0],
        "宏达运营公司": [70.0, 83.0, 82.0],
    }
    page = response.content.decode()
    assert 'data-testid="trend-table"' in page and 'id="party-data"' in page
    assert reverse("party_dashboard", args=[cast.operator_2.pk]) in page


def test_the_page_falls_back_to_the_first_indicator_and_refuses_a_stranger(cast, indicators):
    c = Client()
    c.force_login(cast.users["propmgr"])
    response = c.get(reverse("evaluation_trends") + "?indicator=987654")
    assert response.status_code == 200
    assert response.context["trend"].indicator == indicators[PartyKind.PROPERTY]
    assert "宏达物业" not in response.content.decode()
    c.force_login(cast.users["repairer"])
    assert c.get(reverse("evaluation_trends")).status_code == 403
