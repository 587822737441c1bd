"""Payment-channel statements (bank transfer, WeChat Pay, Alipay) in Anju's generic CSV
format, documented in docs/payment-statements.md:

    transaction_id,paid_at,amount,lease_number,payer,memo

Each row is checked on its own. A bad row is left out and named with its line number
and the reason; the good rows are recorded as payments all the same, each with the
channel's transaction id. A transaction id already recorded for the channel is counted
as already imported and changes nothing, so importing the same file twice is a no-op,
and a file corrected after a first try can be imported whole. A lease outside the
importer's estates is reported exactly like a lease that does not exist.

The import runs as a background job (a file of thousands of rows takes longer than a
request should): the page queues it, the job page shows its progress, and the
statement's page shows the report."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError
from anju.core.models import JobRun, JobStatus
from anju.households.models import Lease

from ..models import STATEMENT_CHANNELS, Payment, Statement
from .payments import payment_record

logger = logging.getLogger(__name__)

IMPORT_KIND = "tenancy.statement"
COLUMNS = ("transaction_id", "paid_at", "amount", "lease_number", "payer", "memo")
REQUIRED = ("transaction_id", "paid_at", "amount", "lease_number")
# The Chinese headings a clerk may type instead, as documented.
ALIASES = {
    "交易号": "transaction_id",
    "交易流水号": "transaction_id",
    "流水号": "transaction_id",
    "交易时间": "paid_at",
    "支付时间": "paid_at",
    "金额": "amount",
    "交易金额": "amount",
    "合同编号": "lease_number",
    "租赁合同编号": "lease_number",
    "付款人": "payer",
    "付款方": "payer",
    "备注": "memo",
    "附言": "memo",
}
AMOUNT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")
TXN_MAX: int = Payment._meta.get_field("txn_id").max_length or 64
MAX_PROBLEMS_KEPT = 1000
CHUNK = 500  # ids per IN (…) lookup, well under SQLite's limit on parameters
PROGRESS_EVERY = 100


@dataclass
class Row:
    line: int
    values: dict[str, str]


@dataclass
class Good:
    line: int
    txn_id: str
    paid_at: datetime.datetime
    amount: Decimal
    lease: Lease
    payer: str
    memo: str


@dataclass
class Checked:
    good: list[Good] = field(default_factory=list)
    duplicates: int = 0
    problems: list[dict] = field(default_factory=list)

    def reject(self, line: int, txn_id: str, code: str, reason) -> None:
        self.problems.append({"line": line, "txn_id": txn_id, "code": code, "reason": str(reason)})


# --- Reading the file ---------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8, with or without a byte-order mark. A file saved as "CSV" by a Chinese
    Excel is GB18030; that is read too rather than turned away."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError(
            _("The file is not text in UTF-8: save it as “CSV UTF-8” and upload it again."),
            code="encoding",
        ) from None


def _heading(text: str) -> str:
    name = text.strip().strip("\ufeff").strip()
    return ALIASES.get(name, name.lower())


def statement_read(data: bytes) -> list[Row]:
    """The data rows of a statement file, each with the number of the line it starts
    on (the heading is line 1). Raises DomainError when the file as a whole cannot be
    read: not text, not CSV, or a required column missing."""
    if b"\x00" in data[:4096]:
        raise DomainError(
            _("This is not a CSV file (a spreadsheet? save it as “CSV UTF-8”)."), code="not_csv"
        )
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    rows: list[Row] = []
    columns: list[str] | None = None
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = [_heading(cell) for cell in cells]
                _check_columns(columns)
                continue
            values = {
                name: (cells[i] if i < len(cells) else "").strip()
                for i, name in enumerate(columns)
                if name in COLUMNS
            }
            rows.append(Row(line, values))
    except csv.Error as exc:
        raise DomainError(
            _("Line %(line)s cannot be read as CSV: %(error)s")
            % {"line": reader.line_num, "error": exc},
            code="not_csv",
        ) from None
    if columns is None:
        raise DomainError(_("The file is empty."), code="empty")
    return rows


def _check_columns(columns: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise DomainError(
            _("The first line must name the columns; missing: %(missing)s.")
            % {"missing": ", ".join(missing)},
            code="columns",
        )
    twice = sorted({c for c in columns if c in COLUMNS and columns.count(c) > 1})
    if twice:
        raise DomainError(
            _("The column %(columns)s appears more than once.") % {"columns": ", ".join(twice)},
            code="columns",
        )


# --- Checking the rows --------------------------------------------------------------------


def _amount(text: str) -> tuple[Decimal | None, str, str]:
    if not text:
        return None, "amount_missing", _("“amount” is empty.")
    if text.startswith("-"):
        return (
            None,
            "amount_negative",
            _("“amount” must be more than zero, not %(value)s.") % {"value": text[:20]},
        )
    if not AMOUNT.fullmatch(text):
        return (
            None,
            "amount_bad",
            _("“amount” must be yuan with at most two decimals, like 455.00, not “%(value)s”.")
            % {"value": text[:20]},
        )
    amount = Decimal(text)
    if amount <= 0:
        return None, "amount_zero", _("“amount” must be more than zero.")
    return amount, "", ""


def _paid_at(text: str, now: datetime.datetime) -> tuple[datetime.datetime | None, str, str]:
    if not text:
        return None, "paid_at_missing", _("“paid_at” is empty.")
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None:
        return (
            None,
            "paid_at_bad",
            _("“paid_at” must be a time like 2026-03-05T14:30:00+08:00, not “%(value)s”.")
            % {"value": text[:40]},
        )
    if value.tzinfo is None:
        return (
            None,
            "paid_at_no_offset",
            _("“paid_at” must end with its UTC offset (like +08:00): “%(value)s”.")
            % {"value": text[:40]},
        )
    if value > now:
        return (
            None,
            "paid_at_future",
            _("“paid_at” is in the future: %(value)s.") % {"value": text[:40]},
        )
    return value, "", ""


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def statement_check(rows: list[Row], *, actor, channel: str) -> Checked:
    """Sort the rows into good ones, ones already imported, and bad ones with their
    reasons. Reads the database but writes nothing."""
    checked = Checked()
    now = timezone.now()
    lines_of: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        txn = row.values.get("transaction_id", "")
        if txn:
            lines_of[txn].append(row.line)
    numbers = sorted({r.values.get("lease_number", "") for r in rows} - {""})
    leases: dict[str, Lease] = {}
    visible = Lease.objects.visible_to(actor).select_related("household__estate")
    for chunk in _chunks(numbers):
        leases.update({lease.number: lease for lease in visible.filter(number__in=chunk)})
    recorded: dict[str, tuple[int, Decimal]] = {}
    for chunk in _chunks(sorted(lines_of)):
        recorded.update(
            {
                txn: (household_id, amount)
                for txn, household_id, amount in Payment.objects.filter(
                    channel=channel, txn_id__in=chunk
                ).values_list("txn_id", "household_id", "amount")
            }
        )

    for row in rows:
        v = row.values
        txn = v.get("transaction_id", "")
        reasons: list[tuple[str, str]] = []
        if not txn:
            reasons.append(("txn_missing", _("“transaction_id” is empty.")))
        elif len(txn) > TXN_MAX:
            reasons.append(
                (
                    "txn_long",
                    _("“transaction_id” is longer than %(n)s characters.") % {"n": TXN_MAX},
                )
            )
        elif len(lines_of[txn]) > 1 and lines_of[txn][0] != row.line:
            reasons.append(
                (
                    "txn_duplicate",
                    _("Transaction %(txn)s appears again: it is already on line %(line)s.")
                    % {"txn": txn, "line": lines_of[txn][0]},
                )
            )
        paid_at, code, reason = _paid_at(v.get("paid_at", ""), now)
        if code:
            reasons.append((code, reason))
        amount, code, reason = _amount(v.get("amount", ""))
        if code:
            reasons.append((code, reason))
        number = v.get("lease_number", "")
        lease = leases.get(number)
        if not number:
            reasons.append(("lease_missing", _("“lease_number” is empty.")))
        elif lease is None:
            # The same words whether the lease does not exist or is outside the
            # importer's estates: the answer must not tell one from the other.
            reasons.append(
                (
                    "lease_unknown",
                    _("No lease numbered “%(number)s” in the estates you work for.")
                    % {"number": number[:48]},
                )
            )
        if reasons or paid_at is None or amount is None or lease is None:
            checked.reject(
                row.line, txn[:TXN_MAX], reasons[0][0], "; ".join(str(r) for _c, r in reasons)
            )
            continue
        if txn in recorded:
            household_id, recorded_amount = recorded[txn]
            if (household_id, recorded_amount) == (lease.household_id, amount):
                checked.duplicates += 1
            else:
                checked.reject(
                    row.line,
                    txn,
                    "txn_conflict",
                    _(
                        "Transaction %(txn)s was imported before with another amount or "
                        "lease; check it with the channel."
                    )
                    % {"txn": txn},
                )
            continue
        checked.good.append(
            Good(
                line=row.line,
                txn_id=txn,
                paid_at=paid_at,
                amount=amount,
                lease=lease,
                payer=v.get("payer", ""),
                memo=v.get("memo", ""),
            )
        )
    # A transaction listed twice with different details is wrong on both lines: the
    # first is left out too rather than recorded on a guess.
    conflicts = {p["txn_id"]: p for p in checked.problems if p["code"] == "txn_duplicate"}
    if conflicts:
        firsts = {g.txn_id: g for g in checked.good if g.txn_id in conflicts}
        by_line = {r.line: r for r in rows}
        for txn, good in firsts.items():
            again = [by_line[n].values for n in lines_of[txn][1:]]
            if any(_differs(good, values) for values in again):
                checked.good.remove(good)
                checked.reject(
                    good.line,
                    txn,
                    "txn_duplicate",
                    _(
                        "Transaction %(txn)s is listed again with other details on line "
                        "%(lines)s; neither is recorded."
                    )
                    % {"txn": txn, "lines": ", ".join(str(n) for n in lines_of[txn][1:])},
                )
    checked.problems.sort(key=lambda p: p["line"])
    return checked


def _differs(good: Good, values: dict[str, str]) -> bool:
    amount, _code, _reason = _amount(values.get("amount", ""))
    return amount != good.amount or values.get("lease_number", "") != good.lease.number


# --- Importing ----------------------------------------------------------------------------


def statement_import(
    *,
    actor,
    channel: str,
    data: bytes,
    name: str,
    progress: Callable[[int, int], None] | None = None,
) -> Statement:
    """Read a statement file and record its good rows as payments, each settling the
    household's oldest open bills. Returns the Statement with its counts and the bad
    rows. Raises DomainError, recording nothing, when the file as a whole cannot be
    read."""
    if channel not in STATEMENT_CHANNELS:
        raise DomainError(_("Choose the bank, WeChat Pay or Alipay."), code="channel")
    rows = statement_read(data)
    checked = statement_check(rows, actor=actor, channel=channel)
    statement = Statement.objects.create(
        channel=channel,
        file_name=Path(name or "statement.csv").name[:200],
        file_sha256=hashlib.sha256(data).hexdigest(),
        imported_by=actor,
        rows=len(rows),
        duplicates=checked.duplicates,
    )
    accepted = 0
    try:
        for done, good in enumerate(checked.good, 1):
            try:
                new = _record(statement, good, actor=actor, channel=channel)
            except DomainError as exc:
                checked.reject(good.line, good.txn_id, exc.code, exc.message)
            else:
                if new:
                    accepted += 1
                else:
                    checked.duplicates += 1
            if progress and (done % PROGRESS_EVERY == 0 or done == len(checked.good)):
                progress(done, len(checked.good))
    finally:
        # Kept even if the import stops half-way: the payments recorded so far are
        # in the database, and the statement says how many.
        checked.problems.sort(key=lambda p: p["line"])
        statement.accepted = accepted
        statement.duplicates = checked.duplicates
        statement.rejected = len(checked.problems)
        statement.problems = checked.problems[:MAX_PROBLEMS_KEPT]
        statement.save(update_fields=["accepted", "duplicates", "rejected", "problems"])
        audit.record(
            actor=actor,
            action="statement.import",
            target=statement,
            changes={
                "channel": channel,
                "file": statement.file_name,
                "sha256": statement.file_sha256,
                "rows": statement.rows,
                "accepted": accepted,
                "duplicates": statement.duplicates,
                "rejected": statement.rejected,
            },
        )
    return statement


def _record(statement: Statement, good: Good, *, actor, channel: str) -> bool:
    """One payment; a receipt number taken by a writer at the same moment is tried
    again."""
    for attempt in range(3):
        try:
            _payment, new = payment_record(
                good.lease.household,
                actor=actor,
                amount=good.amount,
                channel=channel,
                paid_at=good.paid_at,
                txn_id=good.txn_id,
                payer=good.payer,
                reference=good.lease.number,
                note=good.memo,
                statement=statement,
            )
            return new
        except IntegrityError:
            if attempt == 2:
                raise
    return False  # pragma: no cover


# --- The background job -------------------------------------------------------------------


def statement_job_start(*, actor, channel: str, file) -> JobRun:
    """Keep the uploaded file and queue its import; the job page follows it."""
    from anju.tenancy.tasks.billing import statement_import_task

    if channel not in STATEMENT_CHANNELS:
        raise DomainError(_("Choose the bank, WeChat Pay or Alipay."), code="channel")
    name = Path(getattr(file, "name", "") or "statement.csv").name
    job = JobRun(
        kind=IMPORT_KIND,
        created_by=actor,
        message=_("Waiting to read the statement…"),
        params={"channel": channel, "source": name, "language": translation.get_language()},
    )
    job.input_file.save(name, file, save=False)
    job.save()
    transaction.on_commit(lambda: statement_import_task(job.pk))
    return job


def statement_job_run(job_id: int) -> JobRun:
    """The background job's body: import the file and point the job at the report. A
    job that has already finished is left alone, so a retried task does nothing."""
    job = JobRun.objects.select_related("created_by").get(pk=job_id)
    if job.is_finished:
        return job
    params = job.params or {}
    language = params.get("language")
    with translation.override(language) if language else nullcontext():
        JobRun.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, message=_("Reading the statement…")
        )

        def progress(done: int, total: int) -> None:
            JobRun.objects.filter(pk=job.pk).update(
                done=done, total=total, message=_("Recording the payments…")
            )

        try:
            with job.input_file.open("rb") as handle:
                data = handle.read()
            statement = statement_import(
                actor=job.created_by,
                channel=params["channel"],
                data=data,
                name=params.get("source", ""),
                progress=progress,
            )
        except DomainError as exc:
            job.status, job.message = JobStatus.FAILED, str(exc.message)[:300]
            job.result = {"error": str(exc.message)}
        except Exception as exc:
            logger.exception("statement import job %s failed", job.pk)
            job.status = JobStatus.FAILED
            job.message = (
                _(
                    "The import stopped: %(error)s. The payments recorded before are kept; "
                    "import the file again to record the rest."
                )
                % {"error": exc}
            )[:300]
            job.result = {"error": str(exc)[:2000]}
        else:
            job.status = JobStatus.DONE
            job.message = statement_verdict(statement)[:300]
            job.result = {
                "statement": statement.pk,
                "next_url": reverse("statement_detail", args=[statement.pk]),
            }
            job.done = job.total = max(statement.rows, 1)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "done", "total", "finished_at"])
    return job


def statement_verdict(statement: Statement) -> str:
    return _(
        "%(rows)s rows read: %(accepted)s payments recorded, %(duplicates)s already "
        "imported, %(rejected)s rejected."
    ) % {
        "rows": statement.rows,
        "accepted": statement.accepted,
        "duplicates": statement.duplicates,
        "rejected": statement.rejected,
    }
