"""`anju ingest access|meters FILE`: the counts, the first errors with their line
numbers, exit status 1 when a row was rejected, --estate, and the example files of
docs/ingest.md."""

import io
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from anju.housing.models import Unit
from anju.supervision.models import AccessEvent, IngestBatch, MeterReading

pytestmark = pytest.mark.django_db

ACCESS = "event_id,device_id,unit_code,occurred_at,credential,person_ref,result"
METERS = "reading_id,meter_id,unit_code,kind,read_at,value"
T = "2026-03-01T08:15:00+08:00"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "examples"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-10 09:00 +08:00", tick=False), translation.override("en"):
        yield


def write(tmp_path, name, header, *lines, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode(encoding))
    return str(path)


def ingest(*args):
    out = io.StringIO()
    call_command("ingest", *args, stdout=out)
    return out.getvalue()


def test_a_clean_file_prints_its_counts(cast, tmp_path):
    path = write(tmp_path, "events.csv", ACCESS, f"e-1,L-1,{cast.unit_a.code},{T},face,,granted")
    output = ingest("access", path)
    assert "1 rows, 1 accepted, 0 duplicates, 0 rejected" in output
    batch = IngestBatch.objects.get()
    assert (batch.channel, batch.source) == ("cli", path)
    # The second time every row is a duplicate, which is not an error.
    assert "0 accepted, 1 duplicates, 0 rejected" in ingest("access", path)


def test_rejected_rows_are_printed_with_their_lines_and_the_command_fails(cast, tmp_path):
    a = cast.unit_a.code
    path = write(
        tmp_path,
        "readings.csv",
        METERS,
        f"r-1,EM-1,{a},electricity,{T},10",
        f"r-2,EM-1,{a},steam,{T},10",
        f"r-3,EM-1,NOWHERE,electricity,{T},10",
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("ingest", "meters", path, stdout=out)
    assert "3 rows, 1 accepted, 0 duplicates, 2 rejected" in str(caught.value)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("line 3: bad_meter_kind: unknown meter kind steam")
    assert lines[1] == "line 4: unknown_unit: no unit NOWHERE among your estates"
    assert MeterReading.objects.count() == 1


def test_the_exit_status_is_1_when_a_row_was_rejected(cast, tmp_path):
    from django.core.management import execute_from_command_line

    path = write(tmp_path, "events.csv", ACCESS, f"e-1,L-1,NOWHERE,{T},face,,granted")
    with pytest.raises(SystemExit) as caught:
        execute_from_command_line(["anju", "ingest", "access", path])
    assert caught.value.code == 1


def test_only_the_errors_asked_for_are_printed(cast, tmp_path):
    lines = [f"e-{i},L-1,NOWHERE,{T},face,,granted" for i in range(30)]
    path = write(tmp_path, "events.csv", ACCESS, *lines)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", "access", path, "--show-errors", "5", stdout=out)
    printed = out.getvalue().splitlines()
    assert len(printed) == 6 and printed[-1] == "… and 25 more rejected rows."


def test_the_estate_option_keeps_other_estates_out(cast, tmp_path):
    path = write(
        tmp_path,
        "events.csv",
        ACCESS,
        f"e-1,L-1,{cast.unit_a.code},{T},face,,granted",
        f"e-2,L-2,{cast.unit_c.code},{T},face,,granted",
    )
    with pytest.raises(CommandError):
        ingest("access", path, "--estate", "E1")
    assert list(AccessEvent.objects.values_list("event_id", flat=True)) == ["e-1"]
    with pytest.raises(CommandError, match="No estate has the code E7"):
        ingest("access", path, "--estate", "E7")


def test_an_unreadable_file_is_an_error_and_writes_nothing(cast, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="empty_body"):
        ingest("access", str(path))
    with pytest.raises(CommandError):
        ingest("access", str(tmp_path / "missing.csv"))
    assert not IngestBatch.objects.exists()


def test_standard_input_and_a_forced_format(cast, monkeypatch):
    line = (
        f'{{"event_id": "e-1", "device_id": "L-1", "unit_code": "{cast.unit_a.code}", '
        f'"occurred_at": "{T}", "credential": "card", "person_ref": "", "result": "granted"}}\n'
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(line.encode())))
    assert "1 accepted" in ingest("access", "-", "--format", "ndjson")
    assert IngestBatch.objects.get().source == "stdin"


def test_the_help_says_what_the_command_does(capsys):
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit):
        execute_from_command_line(["anju", "ingest", "--help"])
    assert "exits with status 1" in " ".join(capsys.readouterr().out.split())


def test_the_documented_example_files_ingest_cleanly(cast):
    # The examples name two units of the demo district (generate-district --seed 7);
    # here they are made in the cast's estate E1.
    building = cast.unit_a.building
    for position, code in enumerate(("HS01-01-0101", "HS01-01-0102"), start=1):
        Unit.objects.create(
            code=code,
            estate=cast.e1,
            building=building,
            floor=9,
            position=position,
            area_m2=Decimal("45.50"),
        )
    for kind, name in (
        ("access", "access-events.csv"),
        ("access", "access-events.ndjson"),
        ("meters", "meter-readings.csv"),
        ("meters", "meter-readings.ndjson"),
    ):
        output = ingest(kind, str(DOCS / name))
        assert " 0 rejected" in output and " 0 accepted" not in output, (name, output)
    assert AccessEvent.objects.count() == 9 and MeterReading.objects.count() == 8
