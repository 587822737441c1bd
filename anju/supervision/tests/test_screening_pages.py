"""The screening pages over a real screening: door events and meter readings of 60 days
stored through the ingest service, and a run of the screening engine over them.

E1 holds Alice's household (two members, both seen every day), a sublet unit (its head
seen on 3 days, two unregistered cards every day) and an idle one (no one, standby
use); E2 holds Charlie's unit, where one unregistered card comes on 40 days. The
community worker sees E1 only."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from openpyxl import load_workbook

from anju.core.models import AuditEntry, JobRun, JobStatus, TimelineEntry
from anju.housing.models import Unit
from anju.supervision.models import FlagKind, FlagStatus, RunTrigger, ScreeningFlag, ScreeningRun
from anju.supervision.selectors.evidence import Window, evidence_series, peers_of
from anju.supervision.services.flags import flag_dismiss
from anju.supervision.services.screening import screening_run
from anju.supervision.services.thresholds import threshold_set

from .screening_fixtures import enrol, feed, housed, run_with_flags

pytestmark = pytest.mark.django_db

D = datetime.date
UNTIL = D(2025, 3, 31)
DAYS = 60


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2025-04-10 09:00 +08:00", tick=False):
        yield


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(cast):
    officer = cast.users["officer"]
    alice = cast.alice_household
    members = list(alice.members.order_by("id"))
    enrol(members[0], "A-HEAD", actor=officer)
    enrol(members[1], "A-KID", actor=officer)
    feed(cast.unit_a, until=UNTIL, days=DAYS, member_refs=["A-HEAD", "A-KID"], kwh=Decimal(5))

    sublet = housed(cast.e1, "SCR-SUB", officer, seq=901)
    enrol(sublet.head, "S-HEAD", actor=officer)
    feed(
        sublet.unit,
        until=UNTIL,
        days=DAYS,
        member_refs=["S-HEAD"],
        member_days=lambda i: i % 20 == 0,
        visitor_refs=["X-1", "X-2"],
        visitor_days=lambda i: True,
    )
    idle = housed(cast.e1, "SCR-IDLE", officer, seq=902)
    feed(idle.unit, until=UNTIL, days=DAYS, kwh=Decimal("0.4"), water=Decimal("0.01"))

    charlie = cast.charlie_household
    enrol(charlie.head, "C-HEAD", actor=officer)
    feed(
        cast.unit_c,
        until=UNTIL,
        days=DAYS,
        visitor_refs=["Y-1"],
        visitor_days=lambda i: i % 3 != 0,
    )
    run = screening_run(until=UNTIL, window_days=DAYS, trigger=RunTrigger.COMMAND)
    cast.sublet, cast.idle, cast.run = sublet, idle, run
    return cast


def flag_of(run, unit, kind):
    return ScreeningFlag.objects.get(run=run, unit=unit, flag=kind)


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def results(client, **params):
    return page(client, reverse("screening_results"), **params)


def codes_in(html: str) -> list[str]:
    """The unit codes of the flag rows, in the order shown."""
    return re.findall(r'<tr data-flag="\d+">\s*<td[^>]*><a[^>]*><strong>([^<]+)</strong>', html)


# --- The results ------------------------------------------------------------------------


def test_the_screening_flags_the_planted_units_and_nothing_else(world):
    flagged = set(world.run.flag_rows.values_list("unit__code", "flag"))
    assert flagged == {
        (world.sublet.unit.code, FlagKind.SUBLET),
        (world.idle.unit.code, FlagKind.IDLE),
        (world.unit_c.code, FlagKind.SUBLET),
    }


def test_the_results_page_ranks_the_latest_runs_flags_by_score(world, client_for):
    html = results(client_for("officer"))
    shown = codes_in(html)
    by_score = list(
        world.run.flag_rows.order_by("-score", "unit__code").values_list("unit__code", flat=True)
    )
    assert shown == by_score
    sublet = flag_of(world.run, world.sublet.unit, FlagKind.SUBLET)
    assert sublet.evidence in html
    assert "registered members seen on 3 days; 2 unregistered credentials on 60 days" in (
        sublet.evidence
    )
    assert "SCR-SUB" in html and "Sublet or lent" in html
    assert world.alice_household.unit.code not in shown


def test_a_community_worker_sees_only_the_flags_of_their_estates(world, client_for):
    html = results(client_for("community"))
    assert set(codes_in(html)) == {world.sublet.unit.code, world.idle.unit.code}
    assert world.unit_c.code not in html
    assert "安泰小区" not in html  # E2 is not even offered in the estate filter
    # Asking for E2 by number is an invalid choice: said, and nothing of E2 is shown.
    html = results(client_for("community"), estate=world.e2.pk, run=world.run.pk)
    assert world.unit_c.code not in html
    assert "Select a valid choice" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"flag": "idle"}, {"idle"}),
        ({"flag": "sublet"}, {"sub", "charlie"}),
        ({"estate": "E2"}, {"charlie"}),
        ({"min_score": "0.99"}, {"idle"}),
        ({"status": "dismissed"}, set()),
        ({"status": "open"}, {"idle", "sub", "charlie"}),
    ],
)
def test_the_filters_narrow_the_flags(world, client_for, params, expected):
    names = {
        world.idle.unit.code: "idle",
        world.sublet.unit.code: "sub",
        world.unit_c.code: "charlie",
    }
    if params.get("estate") == "E2":
        params = {"estate": world.e2.pk}
    html = results(client_for("officer"), **params)
    assert {names[code] for code in codes_in(html)} == expected


def test_a_filter_that_cannot_be_read_is_said_and_left_out(world, client_for):
    html = results(client_for("officer"), min_score="a lot")
    assert "Enter a number" in html
    assert len(codes_in(html)) == 3


def test_an_earlier_run_is_chosen_by_number(world, client_for):
    earlier = run_with_flags(
        until=D(2024, 12, 31), flags=[(world.unit_a, FlagKind.IDLE, "0.700", "旧的线索")]
    )
    ScreeningRun.objects.filter(pk=earlier.pk).update(
        started_at=world.run.started_at.replace(year=2024)
    )
    client = client_for("officer")
    assert "旧的线索" not in results(client)
    html = results(client, run=earlier.pk)
    assert "旧的线索" in html and codes_in(html) == [world.unit_a.code]
    assert client.get(reverse("screening_results"), {"run": 987654}).status_code == 404
    assert client.get(reverse("screening_results"), {"run": "latest"}).status_code == 404


def test_without_a_finished_run_the_page_says_so_and_offers_to_run_one(cast, client_for):
    html = results(client_for("officer"))
    assert 'data-testid="no-run"' in html and 'data-testid="run-form"' in html
    html = results(client_for("auditor"))
    assert 'data-testid="no-run"' in html and 'data-testid="run-form"' not in html


def test_the_results_page_reads_the_same_number_of_queries_for_3_or_30_flags(cast, client_for):
    building = cast.unit_a.building
    units = [
        Unit.objects.create(
            code=f"E1-Q-{n:02d}",
            estate=cast.e1,
            building=building,
            floor=9,
            position=n,
            area_m2=Decimal("40"),
        )
        for n in range(30)
    ]
    few = run_with_flags(
        until=D(2025, 3, 1), flags=[(u, FlagKind.IDLE, "0.6", "e") for u in units[:3]]
    )
    many = run_with_flags(
        until=D(2025, 3, 2), flags=[(u, FlagKind.IDLE, "0.6", "e") for u in units]
    )
    client = client_for("community")
    counts = []
    for run in (few, many):
        with CaptureQueriesContext(connection) as queries:
            html = results(client, run=run.pk)
        counts.append(len(queries))
        assert len(codes_in(html)) == run.flags
    assert counts[0] == counts[1], counts


def test_the_csv_has_the_screen_commands_columns_scoped_and_filtered(world, client_for):
    response = client_for("community").get(
        reverse("screening_results"), {"format": "csv", "run": world.run.pk}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["unit_code", "flag", "score", "evidence"]
    assert {(r[0], r[1]) for r in rows[1:]} == {
        (world.sublet.unit.code, "sublet"),
        (world.idle.unit.code, "idle"),
    }
    sublet = flag_of(world.run, world.sublet.unit, FlagKind.SUBLET)
    assert [world.sublet.unit.code, "sublet", f"{sublet.score:.3f}", sublet.evidence] in rows

    response = client_for("officer").get(
        reverse("screening_results"), {"format": "csv", "flag": "sublet"}
    )
    codes = [r[0] for r in csv.reader(io.StringIO(response.content.decode()))][1:]
    assert sorted(codes) == sorted([world.sublet.unit.code, world.unit_c.code])


def test_the_excel_file_holds_the_same_rows(world, client_for):
    response = client_for("community").get(reverse("screening_results"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Unit", "Estate", "Household no.")
    assert sorted(r[0] for r in rows[1:]) == sorted([world.sublet.unit.code, world.idle.unit.code])


# --- Running a screening ------------------------------------------------------------------


def test_running_a_screening_starts_a_job_that_leads_to_its_results(world, client_for):
    client = client_for("officer")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("screening_run_start"), {"until": "2025-03-31", "window_days": "60"}
        )
    assert response.status_code == 302
    job = JobRun.objects.get(pk=re.search(r"/jobs/(\d+)/", response["Location"]).group(1))
    assert job.status == JobStatus.DONE, job.message
    run = ScreeningRun.objects.get(pk=job.result["run"])
    assert (run.until, run.window_days, run.created_by) == (UNTIL, DAYS, world.officer)
    progress = page(client, response["Location"])
    assert job.result["next_url"] in progress
    html = page(client, job.result["next_url"])
    assert set(codes_in(html)) == set(world.run.flag_rows.values_list("unit__code", flat=True))


@pytest.mark.parametrize(
    "data",
    [
        {"until": "2025-03-31", "window_days": "3"},
        {"until": "2025-05-01", "window_days": "60"},
        {"until": "yesterday", "window_days": "60"},
        {"until": "2025-03-31"},
    ],
)
def test_a_run_that_cannot_be_done_is_refused_and_nothing_starts(cast, client_for, data):
    response = client_for("officer").post(reverse("screening_run_start"), data)
    assert response.status_code == 302 and response["Location"] == reverse("screening_results")
    errors = [str(m) for m in get_messages(response.wsgi_request)]
    assert errors and all(errors)
    assert not JobRun.objects.exists() and not ScreeningRun.objects.exists()


def test_only_the_authority_runs_a_screening(cast, client_for):
    data = {"until": "2025-03-31", "window_days": "60"}
    assert client_for("community").post(reverse("screening_run_start"), data).status_code == 403
    assert client_for("auditor").post(reverse("screening_run_start"), data).status_code == 403
    assert client_for("officer").get(reverse("screening_run_start")).status_code == 405
    assert not JobRun.objects.exists()


# --- Dismissing a lead -------------------------------------------------------------------


def test_dismissing_a_lead_keeps_the_reason_in_the_audit_and_on_the_timeline(world, client_for):
    flag = flag_of(world.run, world.idle.unit, FlagKind.IDLE)
    back = f"{reverse('screening_results')}?run={world.run.pk}&flag=idle"
    response = client_for("officer").post(
        reverse("flag_dismiss", args=[flag.pk]),
        {"reason": "在医院住了两个月，社区已核实", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISMISSED
    assert flag.dismissed_reason == "在医院住了两个月，社区已核实"
    entry = AuditEntry.objects.get(action="flag.dismiss")
    assert entry.changes["status"] == ["open", "dismissed"] and entry.actor == world.officer
    timeline = TimelineEntry.objects.get(verb="flag.dismissed")
    assert timeline.household == world.idle and timeline.unit == world.idle.unit
    html = results(client_for("officer"), status="dismissed")
    assert codes_in(html) == [world.idle.unit.code] and "在医院住了两个月" in html


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_lead_is_not_dismissed_without_a_reason(world, client_for, reason):
    flag = flag_of(world.run, world.idle.unit, FlagKind.IDLE)
    response = client_for("officer").post(
        reverse("flag_dismiss", args=[flag.pk]), {"reason": reason}
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)]
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN and not flag.dismissed_reason
    assert not AuditEntry.objects.filter(action="flag.dismiss").exists()


def test_a_lead_under_inspection_or_already_dismissed_is_not_dismissed_again(world):
    from anju.core.errors import DomainError
    from anju.supervision.services.inspections import task_from_flag

    flag = flag_of(world.run, world.sublet.unit, FlagKind.SUBLET)
    task_from_flag(flag, actor=world.officer)
    flag.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        flag_dismiss(flag, actor=world.officer, reason="看起来正常")
    assert caught.value.code == "inspecting"
    idle = flag_of(world.run, world.idle.unit, FlagKind.IDLE)
    flag_dismiss(idle, actor=world.officer, reason="长期住院")
    with pytest.raises(DomainError) as caught:
        flag_dismiss(idle, actor=world.officer, reason="再来一次")
    assert caught.value.code == "dismissed"
    assert AuditEntry.objects.filter(action="flag.dismiss").count() == 1


def test_dismissing_is_scoped_and_needs_the_permission(world, client_for):
    charlie = flag_of(world.run, world.unit_c, FlagKind.SUBLET)
    idle = flag_of(world.run, world.idle.unit, FlagKind.IDLE)
    data = {"reason": "看过了"}
    assert (
        client_for("community").post(reverse("flag_dismiss", args=[charlie.pk]), data).status_code
        == 404
    )
    assert (
        client_for("community").post(reverse("flag_dismiss", args=[idle.pk]), data).status_code
        == 403
    )
    assert (
        client_for("auditor").post(reverse("flag_dismiss", args=[charlie.pk]), data).status_code
        == 403
    )
    assert client_for("officer").get(reverse("flag_dismiss", args=[idle.pk])).status_code == 405
    assert not ScreeningFlag.objects.filter(status=FlagStatus.DISMISSED).exists()


def test_the_actions_show_only_to_those_who_may_take_them(world, client_for):
    try:
        reverse("flag_inspect", args=[1])
    except NoReverseMatch:
        inspections = False
    else:
        inspections = True
    officer = results(client_for("officer"))
    assert ('data-testid="inspect"' in officer) == inspections
    assert 'data-testid="dismiss"' in officer
    auditor = results(client_for("auditor"))
    assert 'data-testid="inspect"' not in auditor and 'data-testid="dismiss"' not in auditor


# --- A unit's evidence ---------------------------------------------------------------------


def chart_data(html: str) -> dict:
    found = re.search(
        r'<script id="evidence-data" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(found.group(1))


def test_the_evidence_page_shows_the_household_the_flags_and_the_daily_series(world, client_for):
    unit = world.sublet.unit
    flag = flag_of(world.run, unit, FlagKind.SUBLET)
    html = page(
        client_for("street"), reverse("screening_evidence", args=[unit.pk]), run=world.run.pk
    )
    assert flag.evidence in html and world.sublet.head.name in html and "SCR-SUB" in html
    assert "Days an unregistered credential came in" in html  # the features table
    data = chart_data(html)
    assert len(data["dates"]) == DAYS and data["dates"][-1] == "2025-03-31"
    assert data["access"]["unregistered"] == [2] * DAYS
    assert sum(data["access"]["members"]) == 3
    assert data["electricity"]["unit"] == [4.0] * DAYS
    # Bucket 1 in the district (E1 has too few households of one for its own median):
    # the sublet unit and Charlie's use 4 kWh, the idle one 0.4.
    assert data["scope"] == "district"
    assert data["electricity"]["median"] == [4.0] * DAYS
    assert data["water"]["unit"] == [0.2] * DAYS


def test_without_a_run_the_evidence_page_shows_the_last_90_days(world, client_for):
    html = page(client_for("officer"), reverse("screening_evidence", args=[world.unit_a.pk]))
    data = chart_data(html)
    assert len(data["dates"]) == 90 and data["dates"][-1] == "2025-04-10"
    assert data["dates"][0] == "2025-01-11"
    assert "No screening run chosen" in html
    # Alice's two cards every day of the 60 fed, none after 31 March.
    assert data["access"]["members"].count(2) == DAYS
    assert data["access"]["members"][-10:] == [0] * 10


def test_the_evidence_page_is_scoped_and_read_only(world, client_for):
    url_c = reverse("screening_evidence", args=[world.unit_c.pk])
    url_a = reverse("screening_evidence", args=[world.unit_a.pk])
    assert client_for("community").get(url_c).status_code == 404
    assert client_for("auditor").get(url_c).status_code == 200
    assert client_for("repairer").get(url_a).status_code == 403
    assert client_for("officer").post(url_a).status_code == 405
    assert client_for("officer").get(url_a, {"run": 987654}).status_code == 404


def test_daily_use_spreads_sparse_readings_and_a_register_going_back_counts_as_none(cast):
    feed(
        cast.unit_a,
        until=UNTIL,
        days=12,
        kwh=Decimal(3),
        water=Decimal("0.3"),
        meter_every=3,
        replace_on=D(2025, 3, 27),
    )
    values = {
        "standby_kwh": "1.2",
        "standby_water_m3": "0.03",
        "meter_lookback_days": "7",
        "median_min_units": "10",
        "size_bucket_max": "5",
    }
    series = evidence_series(cast.unit_a, Window(UNTIL, 12), values=values)
    # Read every third day: each reading's 9 kWh spread over its three days. The meter
    # replaced on 27 March went back to 0.5: the three days it covers count as no use.
    assert series["electricity"]["unit"] == [3.0] * 6 + [0.0] * 3 + [3.0] * 3
    assert series["water"]["unit"] == [0.3] * 12


def test_the_median_is_the_estates_when_it_has_enough_households_of_the_size(world):
    values = {
        "standby_kwh": "1.2",
        "standby_water_m3": "0.03",
        "meter_lookback_days": "7",
        "median_min_units": "10",
        "size_bucket_max": "5",
    }
    unit = world.sublet.unit
    assert peers_of(unit, values).scope == "district"
    threshold_set("median_min_units", "2", actor=world.officer, source="测试〔2025〕1号")
    values["median_min_units"] = "2"
    peers = peers_of(unit, values)
    assert (peers.bucket, peers.scope) == (1, "estate")
    series = evidence_series(unit, Window(UNTIL, DAYS), values=values)
    # E1's households of one: the sublet unit (4 kWh) and the idle one (0.4).
    assert series["electricity"]["median"] == [2.2] * DAYS
