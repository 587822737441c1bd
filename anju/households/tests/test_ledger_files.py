"""The ledger's file formats, the export and its round trip, the background task, the
commands, and what never reaches the database in plain text."""

import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from anju.core.models import AuditEntry, AuditKind, JobRun, JobStatus
from anju.households.ledger import ledger_export, ledger_import
from anju.households.ledger.columns import COLUMNS
from anju.households.ledger.jobs import ledger_job_start
from anju.households.models import Household, Member
from anju.households.tasks import import_ledger_task

from . import test_ledger as base
from .test_ledger import IDS, counts, good_rows, run, to_csv

# The same small district as the import tests.
district = base.district

pytestmark = pytest.mark.django_db


def to_xlsx(rows, *, extra=("note",)) -> bytes:
    header = list(COLUMNS) + [c for c in extra if any(c in r for r in rows)]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(c, "") for c in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Reading ----------------------------------------------------------------------------


def test_xlsx_file_is_read(district):
    rows = good_rows()
    report = ledger_import(to_xlsx(rows), actor=None, name="ledger.xlsx")

    assert report.errors == []
    assert report.created["households"] == 3
    assert Household.objects.get(number="H2019-001").notes == {"note": "三楼走廊"}


def test_xlsx_typed_cells_are_read_as_text(district):
    """Excel turns dates into dates and numbers into numbers; both are understood."""
    from datetime import datetime

    rows = good_rows()
    header = list(COLUMNS) + ["note"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        cells = [row.get(c, "") for c in header]
        for column, convert in (
            ("floor", int),
            ("area_m2", float),
            ("lease_start", lambda v: datetime.strptime(v.replace("/", "-"), "%Y-%m-%d")),
            ("monthly_rent", float),
        ):
            index = header.index(column)
            if cells[index]:
                cells[index] = convert(cells[index])
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)

    report = ledger_import(out.getvalue(), actor=None, name="typed.xlsx")

    assert report.errors == []
    assert report.created["leases"] == 3


def test_xlsx_line_numbers_are_the_sheet_row_numbers(district):
    rows = good_rows()
    rows[3]["category"] = "rich"
    header = list(COLUMNS)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for index, row in enumerate(rows):
        sheet.append([row.get(c, "") for c in header])
        if index == 1:
            sheet.append([])  # an empty row 4
    out = io.BytesIO()
    workbook.save(out)

    report = ledger_import(out.getvalue(), actor=None, dry_run=True)

    assert [(e.line, e.code) for e in report.errors] == [(6, "unknown_category")]


def test_gb18030_csv_is_read(district):
    data = to_csv(good_rows(), encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    report = ledger_import(data, actor=None, name="excel.csv")

    assert report.errors == []
    assert Household.objects.get(number="H2019-001").head.name == "王建国"


def test_utf8_csv_with_bom_is_read(district):
    report = ledger_import(to_csv(good_rows(), bom=True), actor=None, name="bom.csv")

    assert report.errors == []
    assert report.created["households"] == 3


def test_line_numbers_count_blank_lines_and_multiline_cells(district):
    rows = good_rows()
    rows[0]["note"] = "第一行\n第二行"  # a quoted cell spanning two lines
    rows[3]["category"] = "rich"
    text = to_csv(rows).decode()
    lines = text.split("\r\n")
    lines.insert(3, "")  # a blank line before the third row
    data = "\r\n".join(lines).encode()

    report = ledger_import(data, actor=None, name="gaps.csv", dry_run=True)

    # Zhang's row is the 4th data row: header 1, Wang 2–3, Li 4, blank 5, child 6, Zhang 7.
    assert [(e.line, e.code) for e in report.errors] == [(7, "unknown_category")]


def test_uploaded_file_object_is_read(district):
    upload = ContentFile(to_csv(good_rows()), name="upload.csv")

    report = ledger_import(upload, actor=None, dry_run=True)

    assert report.source == "upload.csv"
    assert report.created["households"] == 3


def test_unreadable_file_is_one_error_on_line_one(district):
    report = ledger_import(b"PK\x03\x04 not really a workbook", actor=None, name="x.xlsx")

    assert [(e.line, e.code) for e in report.errors] == [(1, "bad_xlsx")]
    assert not report.written


# --- Export and the round trip ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_reimport_changes_nothing(district, tmp_path, fmt):
    run(good_rows(), district)
    path = tmp_path / f"ledger.{fmt}"

    result = ledger_export(path, actor=district["officer"])
    before = counts()
    report = ledger_import(path, actor=district["officer"])

    assert (result.rows, result.households, result.members, result.vacant_units) == (6, 3, 5, 1)
    assert report.errors == []
    assert report.change_count == 0
    assert report.unchanged == {"units": 4, "households": 3, "members": 5}
    assert counts() == before


def test_export_writes_full_numbers_and_logs_the_access(district, tmp_path):
    run(good_rows(), district)
    path = tmp_path / "ledger.xlsx"

    ledger_export(path, actor=district["officer"])

    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == list(COLUMNS) + ["note"]
    first = dict(zip(header, rows[1], strict=True))
    assert first["id_number"] == IDS["wang"]
    assert first["phone"] == "13803550001"
    assert first["member_role"] == "head"
    assert first["credential_refs"] == "card:A1001;face:F-77"
    entry = AuditEntry.objects.get(action="ledger.export")
    assert entry.kind == AuditKind.ACCESS
    assert entry.actor == district["officer"]
    assert entry.changes["count"] == 6


def test_export_can_be_narrowed_to_estates(district, tmp_path):
    run(good_rows(), district)
    out = io.BytesIO()

    result = ledger_export(
        out, actor=None, estates=type(district["e02"]).objects.filter(code="E02"), fmt="csv"
    )

    assert (result.rows, result.households) == (1, 1)
    text = out.getvalue().decode("utf-8-sig")
    assert "H2021-005" in text and "H2019-001" not in text


# --- What never reaches the database in plain text -------------------------------------


def test_no_plaintext_id_or_phone_number_is_stored_anywhere(district):
    rows = good_rows()
    rows[0]["note"] = f"配偶身份证 {IDS['li']}，电话 13912345678"
    report = run(rows, district)
    assert report.written
    secrets = [*IDS.values(), "13803550001", "13912345678"]

    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            cursor.execute(
                f"SELECT {', '.join(connection.ops.quote_name(c) for c in columns)} "
                f"FROM {connection.ops.quote_name(table)}"
            )
            for record in cursor.fetchall():
                text = " ".join(str(v) for v in record)
                found += [(table, s) for s in secrets if s in text]

    assert found == []
    wang = Household.objects.get(number="H2019-001")
    assert IDS["li"][:6] + "********" + IDS["li"][-4:] in wang.notes["note"]
    assert json.dumps(
        list(AuditEntry.objects.values_list("changes", flat=True)), ensure_ascii=False
    )


# --- The background task -------------------------------------------------------------------


def _job(params, data, owner):
    job = JobRun(kind="ledger.import", created_by=owner, params=params)
    job.input_file.save("ledger.csv", ContentFile(data), save=False)
    job.save()
    return job


def test_task_runs_the_import_and_records_the_report(district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = _job({"only_good_rows": False}, to_csv(good_rows()), district["officer"])

    import_ledger_task(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.finished_at is not None
    assert job.done == job.total > 0
    assert job.result["written"] is True
    assert job.result["created"]["households"] == 3
    assert job.result["errors_total"] == 0
    assert Household.objects.count() == 3
    assert AuditEntry.objects.filter(action="household.create").first().actor == district["officer"]


def test_task_with_bad_rows_only_good_rows_writes_the_good(district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rows = good_rows()
    rows[4]["id_number"] = "140411199202020000"
    job = _job(
        {"only_good_rows": True, "allow_new_estates": False}, to_csv(rows), district["officer"]
    )

    import_ledger_task(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result["errors"] == [
        {
            "line": 6,
            "reason": job.result["errors"][0]["reason"],
            "code": "id_number_checksum",
            "household": "H2021-005",
        }
    ]
    assert Household.objects.count() == 2


def test_task_failure_marks_the_job_failed_and_writes_nothing(district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = _job({}, to_csv(good_rows()), district["officer"])
    job.input_file.storage.delete(job.input_file.name)

    import_ledger_task(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message
    assert Household.objects.count() == 0


def test_check_job_then_confirmed_import_job_reuse_the_upload(
    district, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    upload = ContentFile(to_csv(good_rows()), name="台账.csv")
    with django_capture_on_commit_callbacks(execute=True):
        check = ledger_job_start(actor=district["officer"], file=upload, dry_run=True)
    check.refresh_from_db()
    assert check.status == JobStatus.DONE
    assert check.result["dry_run"] and check.result["created"]["households"] == 3
    assert Household.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        job = ledger_job_start(actor=district["officer"], from_job=check, only_good_rows=True)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result["source"] == "台账.csv"
    assert Household.objects.count() == 3


# --- The commands ----------------------------------------------------------------------------


def test_import_command_prints_bad_rows_and_fails_when_nothing_is_written(district, tmp_path):
    rows = good_rows()
    rows[3]["monthly_rent"] = "abc"
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv(rows))
    out = io.StringIO()

    with pytest.raises(CommandError), translation.override("en"):
        call_command("import_ledger", str(path), stdout=out)

    assert "line 5: monthly_rent" in out.getvalue()
    assert Household.objects.count() == 0


def test_import_command_with_only_good_rows_succeeds(district, tmp_path):
    rows = good_rows()
    rows[3]["monthly_rent"] = "abc"
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv(rows))
    out = io.StringIO()

    with translation.override("en"):
        call_command(
            "import_ledger", str(path), "--only-good-rows", "--user", "ledger-officer", stdout=out
        )

    assert "line 5:" in out.getvalue()
    assert Household.objects.count() == 2
    entry = AuditEntry.objects.get(action="ledger.import")
    assert entry.actor == district["officer"]


def test_import_command_dry_run_writes_nothing(district, tmp_path):
    path = tmp_path / "good.csv"
    path.write_bytes(to_csv(good_rows()))
    out = io.StringIO()

    call_command("import_ledger", str(path), "--dry-run", stdout=out)

    assert Household.objects.count() == 0
    assert Member.objects.count() == 0


def test_import_command_refuses_an_unknown_user(district, tmp_path):
    path = tmp_path / "good.csv"
    path.write_bytes(to_csv(good_rows()))

    with pytest.raises(CommandError):
        call_command("import_ledger", str(path), "--user", "nobody")


def test_export_command_writes_the_file(district, tmp_path):
    run(good_rows(), district)
    path = tmp_path / "out.csv"
    out = io.StringIO()

    call_command("export_ledger", str(path), "--estate", "E01", stdout=out)

    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("estate_code,estate_name,street")
    assert IDS["wang"] in text and "H2021-005" not in text
    assert AuditEntry.objects.filter(action="ledger.export", kind=AuditKind.ACCESS).count() == 1


# --- The example files of docs/ledger-format.md -------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
# line -> the error the documentation says it shows (against the test cast's archive)
BAD_EXAMPLE = {
    2: "id_number_checksum",
    3: "person_twice",
    4: "person_twice",
    5: "unit_code_estate",
    6: "not_a_date",
    7: "not_a_number",
    8: "not_a_number",
    9: "not_a_number",
    10: "unknown_category",
    11: "required",
    12: "lease_dates",
    13: "household_has_errors",
    14: "household_disagrees",
    15: "no_head",
    16: "household_has_errors",
    17: "two_heads",
    18: "head_relation",
    19: "unknown_estate",
    20: "unknown_street",
    21: "unknown_community",
    22: "unit_let",
    23: "person_in_other_household",
    24: "bad_credential",
    25: "unit_twice",
    26: "household_no_missing",
    27: "unit_code_position",
    28: "unit_place_differs",
}


def test_example_ledger_imports_cleanly_and_only_once(cast):
    path = EXAMPLES / "ledger-example.csv"

    report = ledger_import(path, actor=cast.officer)
    again = ledger_import(path, actor=cast.officer)

    assert report.errors == []
    assert report.created["households"] == 3
    assert report.created["units"] == 4
    assert report.vacant_units == 1
    assert {h.estate.code for h in Household.objects.filter(number__startswith="LD")} == {
        "E1",
        "E2",
    }
    assert again.change_count == 0


def test_bad_example_shows_each_documented_error(cast):
    report = ledger_import(EXAMPLES / "ledger-bad-example.csv", actor=cast.officer)

    found = {(e.line, e.code) for e in report.errors}
    assert set(BAD_EXAMPLE.items()) <= found
    assert {e.line for e in report.errors} == set(BAD_EXAMPLE)
    assert report.good_households == 0
    assert not report.written
