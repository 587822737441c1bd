"""The screening engine on door and meter data stated row by row and sent through the
ingest service: how the features are counted (meters that reset or skip a day, quiet
runs to the window's edges, silent locks, who came in, the medians), the runs, the
CSV, the command, the background job and the nightly schedule."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from anju.core.models import AuditEntry, JobRun, JobStatus, User
from anju.households.models import Credential, Household
from anju.supervision import thresholds
from anju.supervision.management.commands import bench
from anju.supervision.models import (
    RunStatus,
    RunTrigger,
    ScreeningFlag,
    ScreeningRun,
    ThresholdValue,
)
from anju.supervision.services import screening as service
from anju.supervision.services.screening import (
    flags_csv,
    screening_job_run,
    screening_job_start,
    screening_run,
)
from anju.supervision.services.screening_rules import features_of
from anju.supervision.services.screening_sql import Window, unit_features
from anju.supervision.tasks.screening import screening_nightly_task
from anju.testing.shared_world import shared_world

from .screening_world import UNTIL, Rows, day, small_district

D = datetime.date


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, small_district) as world:
        yield world


@pytest.fixture
def world(world_once, db):
    return world_once


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def residents(n: int = 1, *, size: int | None = None) -> list[tuple[str, str, Household]]:
    """(unit code, a member's enrolled face, household) of n housed households."""
    out = []
    qs = Household.objects.filter(unit__isnull=False).select_related("unit").order_by("unit__code")
    for household in qs:
        members = household.members.filter(left_at__isnull=True)
        if size is not None and members.count() != size:
            continue
        face = (
            Credential.objects.filter(member__in=members, kind="face", revoked_at__isnull=True)
            .values_list("ref", flat=True)
            .first()
        )
        if face:
            out.append((household.unit.code, face, household))
        if len(out) == n:
            return out
    raise AssertionError("not enough households in the world")


def features(code: str, *, until: D = UNTIL, days: int = 30) -> dict:
    window = Window(until, days)
    values = thresholds.current()
    for row in unit_features(window, values):
        if row[3] == code:
            return features_of(row, window, values)
    raise AssertionError(f"{code} was not screened")


def officer() -> User:
    return User.objects.get(username="officer")


# --- Meters ----------------------------------------------------------------------------


def test_a_register_that_goes_backwards_counts_as_no_use_never_negative(world):
    [(code, _face, _h)] = residents()
    rows = Rows(code)
    for n, value in ((0, 100), (1, 103), (2, 106), (3, 2), (4, 5)):
        rows.read(day(n), value)
    rows.send()
    f = features(code, until=day(4), days=4)
    # 3 + 3 + 0 (the reset: 106 → 2) + 3 over the four days of the window.
    assert f["elec_kwh_per_day"] == 2.25
    assert f["meter_resets"] == 1
    assert f["meter_days"] == 4


def test_a_replacement_meter_starts_its_own_register(world):
    [(code, _face, _h)] = residents()
    rows = Rows(code)
    rows.read(day(0), 100).read(day(1), 103)
    new = f"EM-{code}-NEW"
    for n, value in ((2, 0.5), (3, 3.5), (4, 6.5)):
        rows.read(day(n), value, meter=new)
    rows.send()
    f = features(code, until=day(4), days=4)
    # The new meter's first reading has nothing before it: days 1, 3 and 4 are known.
    assert (f["elec_kwh_per_day"], f["meter_days"], f["meter_resets"]) == (3.0, 3, 0)


def test_a_missing_reading_spreads_its_use_over_the_days_it_covers(world):
    [(code, _face, _h)] = residents()
    Rows(code).read(day(0), 100).read(day(1), 103).read(day(3), 109).read(day(4), 112).send()
    f = features(code, until=day(4), days=4)
    assert (f["elec_kwh_per_day"], f["meter_days"]) == (3.0, 4)
    assert f["quiet_run_days"] == 0  # day 2 had use too, not a gap


# --- Quiet runs and silent locks --------------------------------------------------------


def test_the_longest_quiet_run_is_counted_to_the_edges_of_the_window(world):
    (a, face_a, _), (b, face_b, _) = residents(2)
    Rows(a).daily(day(1), day(30), 0.5).open(day(10), face_a).send()
    Rows(b).daily(day(1), day(30), 0.5).open(day(25), face_b).send()
    fa, fb = features(a), features(b)
    assert (fa["quiet_run_days"], fa["quiet_from"], fa["quiet_to"]) == (
        20,
        day(11).isoformat(),
        day(30).isoformat(),
    )
    assert (fb["quiet_run_days"], fb["quiet_from"], fb["quiet_to"]) == (
        24,
        day(1).isoformat(),
        day(24).isoformat(),
    )


def test_days_without_meter_data_are_never_quiet(world):
    (silent, _f1, _), (half, _f2, _) = residents(2)
    Rows(half).daily(day(1), day(10), 0.5).send()
    assert features(silent)["quiet_run_days"] == 0
    assert features(silent)["elec_kwh_per_day"] is None
    f = features(half)
    assert (f["quiet_run_days"], f["meter_days"]) == (10, 10)


def test_use_above_standby_of_power_or_water_breaks_a_quiet_run(world):
    (power, _f1, _), (water, _f2, _) = residents(2)
    rows, value = Rows(power).read(day(0), 100), 100.0
    for n in range(1, 31):
        value += 5.0 if n == 15 else 0.5  # someone came by on day 15
        rows.read(day(n), value)
    rows.send()
    rows = Rows(water).daily(day(1), day(30), 0.5).read(day(0), 10.0, kind="water")
    value = 10.0
    for n in range(1, 31):
        value += 0.2 if n == 20 else 0.01  # 10 litres a day is standby; 200 is a person
        rows.read(day(n), round(value, 3), kind="water")
    rows.send()
    assert (features(power)["quiet_run_days"], features(power)["quiet_from"]) == (
        15,
        day(16).isoformat(),
    )
    assert (features(water)["quiet_run_days"], features(water)["quiet_to"]) == (
        19,
        day(19).isoformat(),
    )


def test_a_lock_gone_silent_while_the_meters_show_use_is_reported_not_flagged(world):
    [(code, face, _h)] = residents()
    rows = Rows(code).daily(day(1), day(30), 4.0)
    rows.daily(day(1), day(30), 0.2, kind="water", start=10)
    for n in range(1, 9):
        rows.open(day(n), face)
    rows.send()
    f = features(code)
    assert (f["lock_silent_run"], f["lock_silent_from"], f["lock_silent_to"]) == (
        22,
        day(9).isoformat(),
        day(30).isoformat(),
    )
    assert f["lock_silent"] is True and f["lock_silent_use_days"] == 22
    assert f["observed_days"] == 8 and f["registered_days"] == 8
    assert f["quiet_run_days"] == 0
    run = screening_run(until=UNTIL, window_days=30, trigger=RunTrigger.COMMAND)
    assert not run.flag_rows.filter(unit__code=code).exists()


def test_a_quiet_lock_in_a_quiet_home_is_not_called_silent(world):
    [(code, _face, _h)] = residents()
    Rows(code).daily(day(1), day(30), 0.5).send()
    f = features(code)
    assert f["lock_silent_run"] == 30 and f["lock_silent"] is False
    assert f["observed_days"] == 30


# --- Who came in --------------------------------------------------------------------------


def test_members_credentials_and_visitors_are_counted_apart(world):
    (code, face, _), (_other_code, other_face, _) = residents(2)
    rows = Rows(code).daily(day(1), day(30), 4.0)
    for n in range(1, 21):
        rows.open(day(n), face)
    for n in range(1, 11):
        rows.open(day(n), "XC-CARER", cred="card", hour=8)  # regular: 10 of 30 days
    rows.open(day(3), "P1", cred="password")  # a visitor for a day
    rows.open(day(4), "P2", cred="password").open(day(5), "P2", cred="password")
    for n in (6, 7, 8):
        rows.open(day(n), "P3", cred="password")  # three days: not passing
    rows.open(day(9), "", cred="password").open(day(10), "", cred="password")  # anonymous
    rows.open(day(22), other_face)  # another household's member: not registered here
    rows.open(day(25), "XU-1", cred="fingerprint", granted=False)  # a finger refused
    rows.send()
    f = features(code)
    assert f["registered_days"] == 20
    assert f["unregistered_days"] == 11  # days 1–10 and 22
    # The carer, P1, P2, P3, the anonymous password, the other household's face.
    assert f["unregistered_credentials"] == 6
    assert f["regular_unregistered"] == 1  # seen on ≥ 6 of 30 days: the carer
    assert f["passing_visitors"] == 3  # P1, P2 and the neighbour (named, 1–2 days)
    assert f["regular_members"] == 1
    assert f["lock_days"] == 22  # days 1–20, 22, and 25 (a refused finger)


# --- Medians --------------------------------------------------------------------------------


def test_use_is_compared_with_the_median_of_households_of_the_same_size(world):
    homes = residents(3, size=2)
    for (code, _face, _h), per_day in zip(homes, (2.0, 4.0, 9.0), strict=True):
        Rows(code).daily(day(1), day(30), per_day).send()
    f = features(homes[2][0])
    # Too few households of two in any estate: the district's median.
    assert (f["elec_median"], f["median_scope"], f["elec_ratio"]) == (4.0, "district", 2.25)
    ThresholdValue.objects.create(
        key="median_min_units", value=1, source="test", changed_by=officer()
    )
    assert features(homes[2][0])["median_scope"] == "estate"


# --- Runs -----------------------------------------------------------------------------------


def idle_and_sublet(world) -> tuple[str, str]:
    """An idle unit and a sublet one over a 60-day window ending UNTIL."""
    (idle, _f1, _), (sublet, face, _) = residents(2)
    first = UNTIL - datetime.timedelta(days=59)
    Rows(idle).daily(first, UNTIL, 0.4).send()
    rows = Rows(sublet).daily(first, UNTIL, 4.0)
    rows.open(first + datetime.timedelta(days=3), face)
    for n in range(60):
        if n % 5:
            rows.open(first + datetime.timedelta(days=n), "XS-1", cred="card")
    rows.send()
    # A few lived-in homes of the same kind, so that the medians are ordinary.
    for code, face2, _ in residents(6)[2:]:
        rows = Rows(code).daily(first, UNTIL, 4.2)
        for n in range(0, 60, 2):
            rows.open(first + datetime.timedelta(days=n), face2)
        rows.send()
    return idle, sublet


def test_a_run_keeps_its_flags_features_thresholds_and_one_audit_entry(world):
    idle, sublet = idle_and_sublet(world)
    ThresholdValue.objects.create(
        key="standby_kwh", value="1.5", source="test", changed_by=officer()
    )
    audits = AuditEntry.objects.count()
    run = screening_run(until=UNTIL, window_days=60, trigger=RunTrigger.MANUAL, actor=officer())
    assert (run.status, run.created_by, run.window_days, run.until) == (
        RunStatus.DONE,
        officer(),
        60,
        UNTIL,
    )
    assert run.units == Household.objects.filter(unit__isnull=False).count()
    got = {(f.unit.code, f.flag) for f in run.flag_rows.select_related("unit")}
    assert got == {(idle, "idle"), (sublet, "sublet")}
    assert run.flags == 2
    assert run.thresholds["standby_kwh"] == "1.500"
    assert run.thresholds["window_days"] == "90"
    flag = run.flag_rows.get(flag="idle")
    assert flag.household.unit.code == idle and flag.estate_id == flag.unit.estate_id
    assert flag.features["quiet_run_days"] == 60 and flag.score == 1
    assert flag.evidence.startswith("in 60 days: no access and no use above standby for 60 days")
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.changes["flags"], entry.changes["flags_sublet"]) == (
        "screening.run",
        2,
        1,
    )
    # Each run is kept; a second replaces nothing.
    again = screening_run(until=UNTIL, window_days=60, trigger=RunTrigger.MANUAL)
    assert ScreeningRun.objects.count() == 2 and ScreeningFlag.objects.count() == 4
    assert again.pk != run.pk


def test_a_window_that_ends_tomorrow_or_is_too_short_is_refused_and_writes_nothing(world):
    from anju.core.errors import DomainError

    with time_machine.travel("2026-11-01 09:00 +08:00", tick=False):
        with pytest.raises(DomainError) as caught:
            screening_run(until=D(2026, 11, 2), window_days=30, trigger=RunTrigger.COMMAND)
        assert caught.value.code == "until"
        with pytest.raises(DomainError) as caught:
            screening_run(until=UNTIL, window_days=6, trigger=RunTrigger.COMMAND)
        assert caught.value.code == "window"
    assert not ScreeningRun.objects.exists()


def test_a_run_that_fails_is_kept_as_failed_with_no_flags(world, monkeypatch):
    def broken(window, values):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "unit_features", broken)
    with pytest.raises(RuntimeError):
        screening_run(until=UNTIL, window_days=30, trigger=RunTrigger.COMMAND)
    run = ScreeningRun.objects.get()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert not ScreeningFlag.objects.exists()


def test_the_csv_has_the_issues_columns_highest_score_first(world):
    idle, sublet = idle_and_sublet(world)
    run = screening_run(until=UNTIL, window_days=60, trigger=RunTrigger.COMMAND)
    rows = list(csv.reader(io.StringIO(flags_csv(run))))
    assert rows[0] == ["unit_code", "flag", "score", "evidence"]
    assert [r[:3] for r in rows[1:]][0] == [idle, "idle", "1.000"]
    assert {r[0] for r in rows[1:]} == {idle, sublet}
    assert all(r[3].startswith("in 60 days: ") for r in rows[1:])
    # A page's filtered list of the run's flags.
    only = flags_csv(run, run.flag_rows.filter(flag="sublet"))
    assert only.splitlines()[1].startswith(f"{sublet},sublet,")


# --- The command ----------------------------------------------------------------------------


def test_the_screen_command_writes_the_csv_and_keeps_the_run(world, tmp_path):
    idle, _sublet = idle_and_sublet(world)
    path = tmp_path / "flags.csv"
    err = io.StringIO()
    call_command(
        "screen",
        "--until",
        UNTIL.isoformat(),
        "--window-days",
        "60",
        "--output",
        str(path),
        stderr=err,
    )
    run = ScreeningRun.objects.get()
    assert run.trigger == RunTrigger.COMMAND and run.window_days == 60
    assert path.read_text(encoding="utf-8") == flags_csv(run)
    assert f"{idle},idle,1.000," in path.read_text(encoding="utf-8")
    assert "2 flags" in err.getvalue()
    out = io.StringIO()
    call_command(
        "screen",
        "--until",
        UNTIL.isoformat(),
        "--window-days",
        "60",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue().startswith("unit_code,flag,score,evidence\n")


def test_the_screen_command_refuses_a_bad_date_or_window_and_writes_nothing(world, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("screen", "--until", "31/10/2026", "--output", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="from 7 to 366 days"):
        call_command("screen", "--until", UNTIL.isoformat(), "--window-days", "400")
    assert not ScreeningRun.objects.exists()
    assert not (tmp_path / "x.csv").exists()


def test_the_screen_command_defaults_to_the_window_ending_yesterday(world):
    with time_machine.travel("2026-11-01 09:00 +08:00", tick=False):
        call_command("screen", stdout=io.StringIO(), stderr=io.StringIO())
    run = ScreeningRun.objects.get()
    assert (run.until, run.window_days) == (D(2026, 10, 31), 90)


# --- The background job ------------------------------------------------------------------------


def test_the_job_runs_the_screening_and_points_at_its_results(world):
    idle_and_sublet(world)
    job = screening_job_start(actor=officer(), until=UNTIL, window_days=60)
    assert (job.status, job.params["until"], job.params["window_days"]) == (
        JobStatus.QUEUED,
        UNTIL.isoformat(),
        60,
    )
    done = screening_job_run(job.pk)
    assert done.status == JobStatus.DONE, done.message
    run = ScreeningRun.objects.get()
    assert (run.job, run.created_by, run.trigger) == (job, officer(), RunTrigger.MANUAL)
    assert done.result["next_url"] == reverse("screening_results") + f"?run={run.pk}"
    assert done.result["flags"] == 2 and done.done == done.total == 3
    assert "2 flags raised" in done.message
    # A finished job run again (a retried task) does nothing.
    screening_job_run(job.pk)
    assert ScreeningRun.objects.count() == 1


def test_the_queued_task_runs_the_job_once_committed(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = screening_job_start(actor=officer(), until=UNTIL, window_days=30)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and ScreeningRun.objects.get().job == job


def test_a_job_with_a_bad_window_is_refused_before_it_is_queued(world):
    from anju.core.errors import DomainError

    with pytest.raises(DomainError):
        screening_job_start(actor=officer(), until=UNTIL, window_days=0)
    assert not JobRun.objects.exists()


# --- The schedule --------------------------------------------------------------------------------


def test_the_nightly_task_screens_the_window_ending_yesterday(world):
    with time_machine.travel("2026-11-01 02:30 +08:00", tick=False):
        result = screening_nightly_task.call_local()
    run = ScreeningRun.objects.get()
    assert (run.until, run.window_days, run.trigger, run.created_by) == (
        D(2026, 10, 31),
        90,
        RunTrigger.SCHEDULE,
        None,
    )
    assert result == {"run": run.pk, "units": run.units, "flags": run.flags}


def test_the_nightly_task_runs_at_half_past_two_in_the_districts_time():
    # huey keeps UTC: 02:30 in Beijing is 18:30 UTC the day before.
    assert screening_nightly_task.task_class().validate_datetime(
        datetime.datetime(2026, 10, 31, 18, 30)
    )
    assert not screening_nightly_task.task_class().validate_datetime(
        datetime.datetime(2026, 11, 1, 2, 30)
    )


# --- anju bench -----------------------------------------------------------------------------------


def test_anju_bench_lists_and_names_its_benchmarks():
    out = io.StringIO()
    call_command("bench", stdout=out)
    assert "screening" in out.getvalue()
    with pytest.raises(CommandError, match="No benchmark “nosuch”"):
        call_command("bench", "nosuch")


def test_anju_bench_outside_a_checkout_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path / "bench")
    with pytest.raises(CommandError, match="source checkout"):
        call_command("bench", "screening")
