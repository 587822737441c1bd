"""The demo's door and meter data: every occupied unit's days go in through the ingest
service, the planted cases raise their flags and nothing else, and ordinary life (the
confounders among it) raises none."""

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import override_settings

from anju.demo import district
from anju.demo.events import LABEL_FLAGS, generate_events, precision_recall, write_labels
from anju.households.models import Household
from anju.supervision.models import AccessEvent, IngestBatch, MeterReading, RunTrigger
from anju.supervision.services.screening import screening_run
from anju.testing.shared_world import FAST_HASHERS, shared_world

from .screening_world import UNTIL, small_district

DAYS = 60
PLANT = {label: 2 for label in LABEL_FLAGS} | {"workshop": 1, "shop": 1}


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
def test_generate_district_writes_events_with_events_days(tmp_path):
    # First in the module: the planted world below lives until the module ends.
    path = tmp_path / "labels.json"
    out = io.StringIO()
    call_command(
        "generate_district",
        "--units",
        str(district.MIN_UNITS),
        "--seed",
        "5",
        "--events-days",
        "3",
        "--events-labels",
        str(path),
        stdout=out,
    )
    assert AccessEvent.objects.exists() and MeterReading.objects.exists()
    days = AccessEvent.objects.values_list("day", flat=True).distinct()
    assert len(set(days)) == 3
    labels = json.loads(path.read_text(encoding="utf-8"))["labels"]
    assert set(labels.values()) == set(LABEL_FLAGS)
    assert "events events" in out.getvalue()


@pytest.fixture(scope="module")
def planted_once(django_db_setup, django_db_blocker):
    def build():
        small_district(seed=12)
        events = generate_events(days=DAYS, seed=12, until=UNTIL, plant=PLANT)
        run = screening_run(until=UNTIL, window_days=DAYS, trigger=RunTrigger.COMMAND)
        flagged: dict[str, set[str]] = {}
        for code, flag in run.flag_rows.values_list("unit__code", "flag"):
            flagged.setdefault(code, set()).add(flag)
        return events, run, flagged

    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def planted(planted_once, db):
    return planted_once


def test_every_occupied_unit_has_days_of_events_and_readings_through_the_ingest_service(
    planted,
):
    events, run, _ = planted
    housed = Household.objects.filter(unit__isnull=False).count()
    assert run.units == housed
    batches = IngestBatch.objects.filter(channel="demo")
    assert batches.aggregate(n=Sum("rejected"))["n"] == 0
    assert AccessEvent.objects.count() == events.counts["events"] > housed * DAYS
    assert MeterReading.objects.count() == events.counts["readings"]
    assert batches.aggregate(n=Sum("accepted"))["n"] == (
        events.counts["events"] + events.counts["readings"]
    )
    first, last = UNTIL.toordinal() - DAYS + 1, UNTIL.toordinal()
    days = set(AccessEvent.objects.values_list("day", flat=True).distinct())
    assert min(days) == first and max(days) == last
    # A reading on the day before the window gives its first day's use.
    assert MeterReading.objects.filter(day=first - 1).exists()
    # Members come in with their enrolled credentials: most events are registered.
    assert AccessEvent.objects.filter(registered=True).count() > events.counts["events"] / 2


@pytest.mark.parametrize("label", sorted(LABEL_FLAGS))
def test_each_planted_case_raises_its_flags_and_no_other(planted, label):
    events, _run, flagged = planted
    units = [u for u, lab in events.labels.items() if lab == label]
    assert len(units) == PLANT[label]
    for unit in units:
        assert flagged.get(unit, set()) == LABEL_FLAGS[label], (unit, label)


def test_ordinary_households_raise_no_flag(planted):
    events, _run, flagged = planted
    assert {u: f for u, f in flagged.items() if u not in events.labels} == {}


def test_precision_and_recall_are_reported_per_flag(planted):
    events, _run, flagged = planted
    report = precision_recall(events.labels, flagged)
    for flag in ("idle", "sublet", "overcrowding", "change_of_use"):
        assert (report[flag]["precision"], report[flag]["recall"]) == (1.0, 1.0), flag
    for confounder in ("away", "elderly_alone", "caregiver", "silent_lock"):
        assert report[confounder] == {"planted": 2, "flagged": []}


def test_meters_replaced_or_reset_never_count_as_negative_use(planted):
    """Some demo meters are replaced or reset in the middle of the data; no unit's use
    comes out negative, and the resets are counted."""
    _events, run, _ = planted
    from anju.supervision import thresholds
    from anju.supervision.services.screening_rules import features_of
    from anju.supervision.services.screening_sql import Window, unit_features

    window = Window(UNTIL, DAYS)
    values = thresholds.current()
    rows = [features_of(r, window, values) for r in unit_features(window, values)]
    assert all(f["elec_kwh_per_day"] is None or f["elec_kwh_per_day"] >= 0 for f in rows)
    assert all(f["water_m3_per_day"] is None or f["water_m3_per_day"] >= 0 for f in rows)
    assert len(rows) == run.units


def test_sending_the_same_days_again_stores_nothing_twice(planted):
    events, _run, _ = planted
    before = AccessEvent.objects.count(), MeterReading.objects.count()
    again = generate_events(days=DAYS, seed=12, until=UNTIL, plant=PLANT)
    assert (again.counts["events"], again.counts["readings"]) == (0, 0)
    assert again.labels == events.labels
    assert (AccessEvent.objects.count(), MeterReading.objects.count()) == before


def test_the_labels_are_kept_in_a_json_file(planted, tmp_path):
    events, _run, _ = planted
    path = tmp_path / "labels.json"
    write_labels(events, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["labels"] == events.labels and data["days"] == DAYS
    assert data["label_flags"]["group_rental"] == ["overcrowding"]
