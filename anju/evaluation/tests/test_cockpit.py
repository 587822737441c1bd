"""The district at a glance: each panel's numbers on the cast's hand-built district,
the JSON the page refreshes from, the drill-down links, and who may open it.

The world, built once for the module: the cast's twelve units (Alice's and Charlie's
occupied), a sublet case against Alice's household and an idle-unit case against
Charlie's, Charlie's voluntary exit, one public feedback about E1 (neighbours, not yet
answered), and the hand-built evaluation periods of `dashboard_data` (two published
quarters, one disclosed, one open)."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from anju.evaluation.selectors.cockpit import cockpit_panels
from anju.exits.services.cases import case_open as exit_open
from anju.helpdesk.services.feedback import feedback_submit
from anju.supervision.services.cases import case_open as violation_open
from anju.testing.cast import build_cast
from anju.testing.shared_world import shared_world

from .dashboard_data import build_evaluations

PANELS = ["occupancy", "waiting", "collection", "cases", "screening", "service", "evaluation"]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _build():
    cast = build_cast()
    officer = cast.users["officer"]
    today = timezone.localdate()
    violation_open(
        cast.alice_household,
        actor=officer,
        type="sublet",
        source="staff",
        summary="Neighbours see strangers moving in.",
    )
    violation_open(
        cast.charlie_household, actor=officer, type="idle", source="staff", summary="No one home."
    )
    exit_open(cast.charlie_household, actor=officer, reason="voluntary", channel="counter")
    feedback_submit(
        channel="public",
        kind="complaint",
        topic="neighbours",
        text="Loud music every night.",
        estate=cast.e1,
        ip="cockpit-test",
    )
    built = build_evaluations(cast, year=2015, today=today)
    return cast, built


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, _build) as w:
        yield w


@pytest.fixture
def panels(world, db):
    cast, _built = world
    data = cockpit_panels(cast.users["officer"])
    return {p["key"]: p for p in data["panels"]}


def client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def urls_of(panel) -> list[str]:
    return [u for c in panel["charts"] for s in c["series"] for u in s["urls"]]


# --- The panels' numbers -------------------------------------------------------------


def test_occupancy_counts_the_units_by_status(panels):
    occupancy = panels["occupancy"]
    assert (occupancy["total"], occupancy["occupied"], occupancy["rate"]) == (12, 2, 16.7)
    assert occupancy["counts"]["vacant"] == 10 and occupancy["counts"]["occupied"] == 2
    pie = occupancy["charts"][0]["series"][0]
    assert dict(zip(pie["codes"], pie["data"], strict=True)) == {"vacant": 10, "occupied": 2}
    assert reverse("unit_list") + "?status=vacant" in pie["urls"]


def test_open_cases_by_type_and_status_and_exits_by_stage(panels):
    cases = panels["cases"]
    assert cases["violations"] == 2
    assert cases["violations_by"] == {"sublet/open": 1, "idle/open": 1}
    assert cases["exits"] == 1 and cases["exits_by_stage"]["open"] == 1
    urls = urls_of(cases)
    assert reverse("case_list") + "?type=sublet&status=open" in urls
    assert reverse("exit_cases") + "?stage=open" in urls


def test_feedback_not_yet_answered_by_topic(panels):
    service = panels["service"]
    assert service["open_feedback"] == 1 and service["by_topic"]["neighbours"] == 1
    # Received just now, its deadline not come: nothing is due yet this month.
    assert (service["feedback_due"], service["feedback_on_time"]) == (0, None)
    assert reverse("feedback_list") + "?status=open&topic=neighbours" in urls_of(service)


def test_the_quiet_panels_show_nothing_rather_than_fail(panels):
    waiting, screening, collection = panels["waiting"], panels["screening"], panels["collection"]
    assert waiting["waiting"] == 0 and waiting["charts"][0]["categories"] == []
    assert screening["run"] is None and screening["open_flags"] == 0
    assert len(collection["months"]) == 12 and collection["this_month"] is None
    assert collection["in_arrears"] == 0


def test_the_rankings_show_the_latest_published_period_only(panels):
    evaluation = panels["evaluation"]
    assert evaluation["period"] == "2015Q2"  # Q3 is only disclosed, Q4 open
    ranking = evaluation["ranking"]
    assert [(r["name"], r["total"], r["grade"], r["rank"]) for r in ranking["property"]] == [
        ("康居物业", 72.0, "pass", 1),
        ("宏达物业", 55.0, "fail", 2),
    ]
    assert [r["name"] for r in ranking["operator"]] == ["宏达运营公司", "安居运营公司"]
    charts = evaluation["charts"]
    assert [c["kind"] for c in charts] == ["rank", "rank"]
    assert charts[1]["series"][0]["grades"] == ["pass", "fail"]


def test_rectifications_in_effect_are_counted_overdue_and_due_soon(world, panels):
    cast, built = world
    rect = panels["evaluation"]["rectifications"]
    # The done one and the warning do not count.
    assert (rect["total"], rect["overdue"], rect["soon"]) == (2, 1, 1)
    first, second = rect["items"]
    assert (first["party"], first["overdue"], first["days"]) == ("宏达物业", True, 10)
    assert (second["party"], second["overdue"]) == ("康居物业", False)
    assert first["url"] == reverse("party_dashboard", args=[cast.property_2.pk])


def test_every_chart_point_has_its_drill_down_link(panels):
    for panel in panels.values():
        assert panel["url"].startswith("/"), panel["key"]
        for chart in panel["charts"]:
            for s in chart["series"]:
                assert len(s["data"]) == len(s["urls"]) == len(chart["categories"]), panel["key"]
                assert all(u and u.startswith("/") for u in s["urls"]), panel["key"]


def test_the_whole_data_call_is_a_few_queries(world, db, django_assert_max_num_queries):
    cast, _built = world
    with django_assert_max_num_queries(30):
        cockpit_panels(cast.users["officer"])


# --- The page and its JSON -----------------------------------------------------------


def test_the_json_endpoint_returns_every_panel(world, db):
    cast, _built = world
    response = client(cast.users["auditor"]).get(reverse("cockpit_data"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert set(data) == {"at", "panels"}
    assert [p["key"] for p in data["panels"]] == PANELS
    for panel in data["panels"]:
        assert {"title", "url", "kpis", "charts"} <= set(panel)
        for kpi in panel["kpis"]:
            assert set(kpi) == {"label", "value", "unit", "url", "tone"}
        for chart in panel["charts"]:
            assert chart["kind"] in {"pie", "bar", "hbar", "stack", "line", "rank"}
            assert {"categories", "series", "title"} <= set(chart)


def test_the_page_links_every_panel_to_its_list_and_has_no_inline_script(world, db):
    cast, _built = world
    response = client(cast.users["officer"]).get(reverse("cockpit"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("unit_list", "waiting_list", "report_collection", "case_list"):
        assert f'href="{reverse(name)}"' in page, name
    assert f'href="{reverse("screening_results")}"' in page
    assert f'href="{reverse("feedback_list")}?status=open"' in page
    assert f'href="{reverse("arrears_ledger")}"' in page
    assert f'href="{reverse("party_dashboard", args=[cast.property_2.pk])}"' in page
    assert f'data-source="{reverse("cockpit_data")}"' in page
    assert 'id="cockpit-data"' in page and "evaluation/cockpit.js" in page
    assert 'class="navbar' not in page  # full screen: no menu
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_the_officer_and_the_auditor_open_the_cockpit(world, db, role):
    cast, _built = world
    assert client(cast.users[role]).get(reverse("cockpit")).status_code == 200


@pytest.mark.parametrize(
    "role", ["street", "community", "operator", "repairer", "propmgr", "agency", "alice"]
)
def test_everyone_else_is_refused_the_cockpit_and_its_data(world, db, role):
    cast, _built = world
    c = client(cast.users[role])
    assert c.get(reverse("cockpit")).status_code == 403
    assert c.get(reverse("cockpit_data")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(world, db):
    for name in ("cockpit", "cockpit_data"):
        response = client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_cockpit_takes_no_post(world, db):
    cast, _built = world
    assert client(cast.users["officer"]).post(reverse("cockpit_data")).status_code == 405


def test_the_closed_months_kept_for_the_district_follow_a_new_bill(world, db):
    from anju.evaluation.selectors.cockpit import closed_months, month_add
    from anju.tenancy.services.billing import bill_run

    cast, _built = world
    officer = cast.users["officer"]
    month = month_add(timezone.localdate().replace(day=1), -1)
    before = closed_months(officer, [month])[month]["billed"]
    assert closed_months(officer, [month])[month]["billed"] == before  # kept, same answer
    bill_run(month)
    after = closed_months(officer, [month])[month]["billed"]
    assert after > before  # a new bill is a new key: not the kept sums
