"""Each organisation's dashboard: what it shows of the hand-built periods of
`dashboard_data` (the latest published scorecard with its rank, the grades period by
period, each indicator against its target, the open consequences with the overdue
ones in red, the pending objections), and who sees which organisation's page."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from anju.evaluation.selectors.party_dashboards import party_dashboard
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


def get(cast, role, name, *args):
    c = Client()
    if role != "anonymous":
        c.force_login(cast.users[role])
    return c.get(reverse(name, args=args or None))


def dashboard_of(cast, role, organisation):
    return party_dashboard(cast.users[role], organisation, today=timezone.localdate())


# --- What the dashboard shows --------------------------------------------------------


def test_the_latest_scorecard_is_the_latest_published_one_with_its_rank(cast):
    board = dashboard_of(cast, "propmgr", cast.property_1)
    latest = board.latest
    assert latest.period.name == "2015Q2"  # Q3 is disclosed, still a draft
    assert (latest.evaluation.total, latest.evaluation.grade) == (72, "pass")
    assert (latest.evaluation.rank, latest.of) == (1, 2)


def test_the_history_leaves_the_open_period_out(cast):
    board = dashboard_of(cast, "officer", cast.property_1)
    assert [c.period.name for c in board.history] == ["2015Q1", "2015Q2", "2015Q3"]
    assert [c.is_final for c in board.history] == [True, True, False]
    chart = board.chart()["history"]
    assert chart["totals"] == [85.0, 72.0, 88.0]
    assert chart["grades"] == ["good", "pass", ""]


def test_each_indicator_is_drawn_against_its_target(cast):
    (trend,) = dashboard_of(cast, "propmgr", cast.property_1).trends
    assert trend.name == "Repairs done in time" and trend.unit == "%"
    assert trend.periods == ["2015Q1", "2015Q2", "2015Q3"]
    assert trend.values == [85.0, 72.0, 88.0]
    assert trend.targets == [95.0, 95.0, 95.0]


def test_open_consequences_are_listed_and_the_overdue_one_counted(cast):
    p1 = dashboard_of(cast, "propmgr", cast.property_1)
    assert [c.kind for c in p1.consequences] == ["rectification"]  # the done one is left out
    assert p1.overdue == 0
    p2 = dashboard_of(cast, "officer", cast.property_2)
    assert sorted(c.kind for c in p2.consequences) == ["rectification", "warning"]
    assert p2.overdue == 1


def test_the_page_shows_the_overdue_rectification_in_red(cast):
    response = get(cast, "officer", "party_dashboard", cast.property_2.pk)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-overdue="1"' in page and "overdue" in page
    assert 'id="party-data"' in page and "evaluation/dashboards.js" in page
    assert "宏达物业" in page and "2015Q2" in page


def test_a_pending_objection_shows_on_the_objecting_party_only(cast):
    o1 = dashboard_of(cast, "operator", cast.operator_1)
    assert [o.reasons for o in o1.objections] == ["收缴数据漏计了三月的银行代扣。"]
    assert dashboard_of(cast, "officer", cast.operator_2).objections == []
    page = get(cast, "operator", "party_dashboard", cast.operator_1.pk).content.decode()
    assert "收缴数据漏计了三月的银行代扣。" in page


def test_the_scorecards_are_linked_once_their_page_exists(cast):
    page = get(cast, "propmgr", "party_dashboard", cast.property_1.pk).content.decode()
    try:
        url = reverse("evaluation_scorecard", args=[1])
    except NoReverseMatch:
        assert 'data-testid="scorecard-link"' not in page
    else:
        assert url  # the link is the scorecard page's
        assert 'data-testid="scorecard-link"' in page


# --- Who sees which page -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("propmgr", "property_1", "property_2"),
        ("operator", "operator_1", "operator_2"),
        ("community", "community_a", "community_b"),
        ("street", "street_a", "street_b"),
    ],
)
def test_a_party_sees_its_own_dashboard_and_not_another(cast, role, own, other):
    assert get(cast, role, "party_dashboard", getattr(cast, own).pk).status_code == 200
    assert get(cast, role, "party_dashboard", getattr(cast, other).pk).status_code == 404


def test_a_property_manager_gets_404_on_the_other_companys_dashboard(cast):
    assert get(cast, "propmgr", "party_dashboard", cast.property_2.pk).status_code == 404


def test_a_street_sees_its_communitys_dashboard_but_not_another_streets(cast):
    assert get(cast, "street", "party_dashboard", cast.community_a.pk).status_code == 200
    assert get(cast, "street", "party_dashboard", cast.community_b.pk).status_code == 404
    assert get(cast, "street", "party_dashboard", cast.operator_1.pk).status_code == 404


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_the_district_wide_roles_see_every_party(cast, role):
    for org in (cast.property_2, cast.street_b, cast.operator_1):
        assert get(cast, role, "party_dashboard", org.pk).status_code == 200


def test_a_repairer_of_the_company_is_refused_its_dashboard(cast):
    # In scope (the company's own scorecards) without the permission to view them.
    assert get(cast, "repairer", "party_dashboard", cast.property_1.pk).status_code == 403


def test_an_organisation_never_evaluated_has_no_dashboard(cast):
    assert get(cast, "officer", "party_dashboard", cast.authority.pk).status_code == 404
    assert get(cast, "officer", "party_dashboard", cast.agency.pk).status_code == 404


def test_a_tenant_and_an_anonymous_visitor_get_no_dashboard(cast):
    assert get(cast, "alice", "party_dashboard", cast.property_1.pk).status_code == 404
    response = get(cast, "anonymous", "party_dashboard", cast.property_1.pk)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "own"),
    [("propmgr", "property_1"), ("operator", "operator_1"), ("street", "street_a")],
)
def test_my_dashboard_sends_a_staff_member_to_their_own_organisation(cast, role, own):
    response = get(cast, role, "my_dashboard")
    assert response.status_code == 302
    assert response["Location"] == reverse("party_dashboard", args=[getattr(cast, own).pk])


def test_my_dashboard_is_404_for_the_authority_and_403_without_the_permission(cast):
    assert get(cast, "officer", "my_dashboard").status_code == 404
    assert get(cast, "repairer", "my_dashboard").status_code == 403
    assert get(cast, "agency", "my_dashboard").status_code == 403
