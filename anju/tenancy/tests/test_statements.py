"""Payment-channel statements: each bad row named with its line and reason, every good
row recorded (no amount lost), the same file twice a no-op, the BOM, and a lease
outside the importer's estates answered like one that does not exist."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, JobRun, JobStatus
from anju.tenancy.models import Bill, BillStatus, Channel, Payment, Statement
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.payments import credit_of
from anju.tenancy.services.statements import statement_import, statement_read

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2025-04-10 09:00 +08:00", tick=False):
        yield


HEADER = "transaction_id,paid_at,amount,lease_number,payer,memo"


def csv_bytes(*lines: str, bom: bool = False, header: str = HEADER) -> bytes:
    text = "\r\n".join([header, *lines]) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def run(actor, data: bytes, channel=Channel.BANK, name="statement.csv") -> Statement:
    with translation.override("en"):
        return statement_import(actor=actor, channel=channel, data=data, name=name)


def problems(statement) -> dict[int, str]:
    return {p["line"]: p["code"] for p in statement.problems}


# --- Good and bad rows ---------------------------------------------------------------------


def test_each_bad_row_is_named_by_line_and_every_good_row_is_recorded(cast):
    operator = cast.users["operator"]
    data = csv_bytes(
        "T-1,2025-03-05T10:00:00+08:00,455.00,L-HH-A,王小明,三月租金",  # line 2: good
        "T-2,2025-03-06T10:00:00+08:00,abc,L-HH-A,,",  # 3: bad amount
        ",2025-03-06T10:00:00+08:00,10.00,L-HH-A,,",  # 4: no id
        "T-4,2025-03-06 10:00,10.00,L-HH-A,,",  # 5: no offset
        "T-5,yesterday,10.00,L-HH-A,,",  # 6: bad time
        "T-6,2025-03-07T10:00:00+08:00,12.34,L-NOPE,,",  # 7: unknown lease
        "T-7,2025-03-07T10:00:00+08:00,-5.00,L-HH-A,,",  # 8: negative
        "T-8,2025-03-07T10:00:00+08:00,1.234,L-HH-A,,",  # 9: three decimals
        "",  # 10: blank, skipped
        "T-9,2025-03-08T02:00:00Z,100.5,L-HH-A,,",  # 11: good (UTC)
        "T-10,2025-03-09T10:00:00+08:00,0.00,L-HH-A,,",  # 12: zero
        "T-11,2025-05-01T10:00:00+08:00,1.00,L-HH-A,,",  # 13: in the future
        "T-12,2025-03-09T10:00:00+08:00,,,,",  # 14: two fields missing
        '"T-13","2025-03-10T08:00:00+08:00","44.50","L-HH-A","李四","备注，含逗号"',  # 15: good
    )
    statement = run(operator, data)

    assert problems(statement) == {
        3: "amount_bad",
        4: "txn_missing",
        5: "paid_at_no_offset",
        6: "paid_at_bad",
        7: "lease_unknown",
        8: "amount_negative",
        9: "amount_bad",
        12: "amount_zero",
        13: "paid_at_future",
        14: "amount_missing",
    }
    reasons = {p["line"]: p["reason"] for p in statement.problems}
    assert "“amount” is empty." in reasons[14] and "“lease_number” is empty." in reasons[14]
    assert "L-NOPE" in reasons[7]
    assert (statement.rows, statement.accepted, statement.duplicates, statement.rejected) == (
        13,
        3,
        0,
        10,
    )
    # No amount is lost: every good row is a payment, with its amount and its id.
    recorded = dict(Payment.objects.filter(statement=statement).values_list("txn_id", "amount"))
    assert recorded == {
        "T-1": Decimal("455.00"),
        "T-9": Decimal("100.50"),
        "T-13": Decimal("44.50"),
    }
    t13 = Payment.objects.get(txn_id="T-13")
    assert (t13.payer, t13.note, t13.reference) == ("李四", "备注，含逗号", "L-HH-A")
    assert t13.household == cast.alice_household and t13.channel == Channel.BANK
    assert Payment.objects.get(txn_id="T-9").paid_at == datetime.datetime(
        2025, 3, 8, 2, 0, tzinfo=datetime.UTC
    )
    entry = AuditEntry.objects.get(action="statement.import")
    assert entry.changes["accepted"] == 3 and entry.changes["rejected"] == 10


def test_no_amount_is_lost_among_many_rows_with_bad_ones_between(cast):
    officer = cast.users["officer"]
    lines, expected = [], {}
    for i in range(120):
        lease = "L-HH-A" if i % 2 else "L-HH-C"
        if i % 7 == 3:
            lines.append(f"B-{i},2025-03-01T09:00:00+08:00,12.345,{lease},,")  # bad amount
            continue
        amount = Decimal(100 + i) + Decimal(i % 100) / 100
        lines.append(f"B-{i},2025-03-01T09:{i % 60:02d}:00+08:00,{amount},{lease},,")
        expected[f"B-{i}"] = amount

    statement = run(officer, csv_bytes(*lines))

    assert statement.accepted == len(expected) and statement.rejected == 120 - len(expected)
    stored = dict(Payment.objects.filter(statement=statement).values_list("txn_id", "amount"))
    assert stored == expected
    total = Payment.objects.filter(statement=statement).aggregate(s=Sum("amount"))["s"]
    assert total == sum(expected.values())
    assert credit_of(cast.alice_household) + credit_of(cast.charlie_household) == total


def test_payments_from_a_statement_settle_the_oldest_bills_first(cast):
    for month in (datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)):
        bill_run(month, actor=None)
    statement = run(
        cast.users["officer"], csv_bytes("W-1,2025-03-01T12:00:00+08:00,600.00,L-HH-A,,")
    )
    assert statement.accepted == 1
    bills = list(Bill.objects.filter(household=cast.alice_household).order_by("period"))
    assert [(b.status, b.settled) for b in bills] == [
        (BillStatus.PAID, Decimal("455.00")),
        (BillStatus.OPEN, Decimal("145.00")),
    ]


# --- The same transaction twice -------------------------------------------------------------


def test_the_same_file_imported_twice_records_nothing_the_second_time(cast):
    operator = cast.users["operator"]
    data = csv_bytes(
        "D-1,2025-03-05T10:00:00+08:00,455.00,L-HH-A,,",
        "D-2,2025-03-06T10:00:00+08:00,bad,L-HH-A,,",
        "D-3,2025-03-07T10:00:00+08:00,10.00,L-HH-A,,",
    )
    first = run(operator, data)
    second = run(operator, data)

    assert (first.accepted, first.duplicates, first.rejected) == (2, 0, 1)
    assert (second.accepted, second.duplicates, second.rejected) == (0, 2, 1)
    assert Payment.objects.count() == 2
    assert credit_of(cast.alice_household) == Decimal("465.00")
    # The corrected file then records only the row that was wrong.
    fixed = run(operator, data.replace(b",bad,", b",20.00,"))
    assert (fixed.accepted, fixed.duplicates, fixed.rejected) == (1, 2, 0)
    assert credit_of(cast.alice_household) == Decimal("485.00")


def test_an_id_repeated_in_the_file_keeps_the_first_line_or_neither_if_they_differ(cast):
    data = csv_bytes(
        "R-1,2025-03-05T10:00:00+08:00,100.00,L-HH-A,,",  # 2
        "R-1,2025-03-05T10:00:00+08:00,100.00,L-HH-A,,",  # 3: the same again
        "R-2,2025-03-05T10:00:00+08:00,50.00,L-HH-A,,",  # 4
        "R-2,2025-03-05T10:00:00+08:00,60.00,L-HH-A,,",  # 5: another amount
    )
    statement = run(cast.users["officer"], data)

    assert problems(statement) == {3: "txn_duplicate", 4: "txn_duplicate", 5: "txn_duplicate"}
    assert "line 2" in statement.problems[0]["reason"]
    assert list(Payment.objects.values_list("txn_id", "amount")) == [("R-1", Decimal("100.00"))]


def test_an_id_imported_before_with_another_amount_is_rejected_not_skipped(cast):
    officer = cast.users["officer"]
    run(officer, csv_bytes("C-1,2025-03-05T10:00:00+08:00,100.00,L-HH-A,,"))
    again = run(officer, csv_bytes("C-1,2025-03-05T10:00:00+08:00,180.00,L-HH-A,,"))
    assert problems(again) == {2: "txn_conflict"}
    assert Payment.objects.get().amount == Decimal("100.00")


def test_the_same_id_on_another_channel_is_another_payment(cast):
    officer = cast.users["officer"]
    row = "X-1,2025-03-05T10:00:00+08:00,100.00,L-HH-A,,"
    run(officer, csv_bytes(row), channel=Channel.WECHAT)
    other = run(officer, csv_bytes(row), channel=Channel.ALIPAY)
    assert other.accepted == 1
    assert Payment.objects.count() == 2


# --- Encoding, headings, whole-file errors -----------------------------------------------


def test_a_byte_order_mark_and_chinese_headings_are_read(cast):
    data = csv_bytes(
        "U-1,2025-03-05T10:00:00+08:00,455.00,L-HH-A,王小明,",
        header="交易号,交易时间,金额,合同编号,付款人,备注",
        bom=True,
    )
    statement = run(cast.users["officer"], data)
    assert (statement.accepted, statement.rejected) == (1, 0)
    assert Payment.objects.get().payer == "王小明"


def test_the_columns_may_come_in_any_order_with_others_between(cast):
    data = csv_bytes(
        "455.00,渠道说明,L-HH-A,O-1,2025-03-05T10:00:00+08:00",
        header="Amount,channel_note,lease_number,TRANSACTION_ID,paid_at",
        bom=True,
    )
    statement = run(cast.users["officer"], data)
    assert statement.accepted == 1


def test_a_file_saved_by_a_chinese_excel_in_gb18030_is_read(cast):
    text = f"{HEADER}\r\nG-1,2025-03-05T10:00:00+08:00,455.00,L-HH-A,王小明,三月\r\n"
    statement = run(cast.users["officer"], text.encode("gb18030"))
    assert Payment.objects.get(statement=statement).payer == "王小明"


def test_line_numbers_count_the_lines_of_a_memo_that_spans_two(cast):
    data = csv_bytes(
        'M-1,2025-03-05T10:00:00+08:00,1.00,L-HH-A,,"two\nlines"',  # lines 2-3
        "M-2,2025-03-05T10:00:00+08:00,x,L-HH-A,,",  # line 4
    )
    assert problems(run(cast.users["officer"], data)) == {4: "amount_bad"}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"transaction_id,amount,lease_number\nA,1.00,L-HH-A\n", "columns"),
        (b"PK\x03\x04\x00\x00binary", "not_csv"),
        (b"transaction_id,paid_at,amount,amount,lease_number\n", "columns"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_whole_records_nothing(cast, data, code):
    with pytest.raises(DomainError) as caught:
        run(cast.users["officer"], data)
    assert caught.value.code == code
    assert not Statement.objects.exists() and not Payment.objects.exists()


def test_reading_names_the_line_each_row_starts_on():
    rows = statement_read(csv_bytes("A,1,2,3", "", "B,1,2,3", bom=True))
    assert [(r.line, r.values["transaction_id"]) for r in rows] == [(2, "A"), (4, "B")]


# --- Scope --------------------------------------------------------------------------------


def test_a_lease_outside_the_importers_estates_is_reported_like_an_unknown_one(cast):
    data = csv_bytes(
        "S-1,2025-03-05T10:00:00+08:00,455.00,L-HH-C,,",  # Charlie's lease, estate E2
        "S-2,2025-03-05T10:00:00+08:00,455.00,L-HH-X,,",  # no such lease
        "S-3,2025-03-05T10:00:00+08:00,455.00,L-HH-A,,",
    )
    statement = run(cast.users["operator"], data)

    assert problems(statement) == {2: "lease_unknown", 3: "lease_unknown"}
    words = [re.sub(r"“[^”]*”", "“…”", p["reason"]) for p in statement.problems]
    assert words[0] == words[1]
    assert list(Payment.objects.values_list("txn_id", flat=True)) == ["S-3"]
    # The authority works district-wide: the same file records Charlie's row too.
    officer_run = run(cast.users["officer"], data)
    assert (officer_run.accepted, officer_run.duplicates) == (1, 1)


# --- The page and its background job ---------------------------------------------------


def test_the_upload_is_imported_by_a_job_and_the_report_names_the_bad_lines(
    cast, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("operator")
    data = csv_bytes(
        "P-1,2025-03-05T10:00:00+08:00,455.00,L-HH-A,,",
        "P-2,2025-03-05T10:00:00+08:00,4 55,L-HH-A,,",
        bom=True,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("statement_import"),
            {"channel": "wechat", "file": SimpleUploadedFile("微信账单.csv", data)},
        )
    assert response.status_code == 302
    job = JobRun.objects.get(pk=re.search(r"/jobs/(\d+)/", response["Location"]).group(1))
    assert job.status == JobStatus.DONE, job.message
    statement = Statement.objects.get(pk=job.result["statement"])
    assert (statement.channel, statement.file_name) == ("wechat", "微信账单.csv")
    assert job.result["next_url"] == reverse("statement_detail", args=[statement.pk])

    page = client.get(job.result["next_url"])
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-line="3" data-code="amount_bad"' in text
    assert "P-1" in text


def test_a_file_that_cannot_be_read_fails_the_job_with_the_reason(
    cast, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("officer")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("statement_import"),
            {"channel": "bank", "file": SimpleUploadedFile("x.csv", b"id,amount\n1,2\n")},
        )
    job = JobRun.objects.get(pk=re.search(r"/jobs/(\d+)/", response["Location"]).group(1))
    assert job.status == JobStatus.FAILED
    assert "paid_at" in job.message
    assert not Statement.objects.exists()


def test_only_a_csv_file_is_taken(cast, client_for):
    response = client_for("officer").post(
        reverse("statement_import"),
        {"channel": "bank", "file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("statement_list")
    assert not JobRun.objects.exists()


def test_the_documented_example_file_is_well_formed(cast):
    """Every row of docs/examples/payment-statement.csv passes the checks but the lease
    (whose numbers are examples); with leases of those numbers it would be recorded."""
    from pathlib import Path

    from django.conf import settings

    data = (Path(settings.BASE_DIR) / "docs/examples/payment-statement.csv").read_bytes()
    with time_machine.travel("2026-12-01 09:00 +08:00", tick=False):
        statement = run(cast.users["officer"], data)
    assert statement.rows == 4
    assert set(problems(statement).values()) == {"lease_unknown"}
