"""The ledger import as services: a check that writes nothing (the preview), and the
import itself, which writes the good households in one transaction."""

from django.db import transaction

from anju.core.models import AuditHead

from .apply import apply_plan
from .plan import plan_import
from .read import LedgerFileError, read_ledger
from .report import LedgerReport, RowError
from .validate import check_ledger


def ledger_check(
    source, *, name: str = "", allow_new_estates: bool = False, progress=None
) -> LedgerReport:
    """Validate `source` and work out what importing it would change; write nothing.
    The report is the preview: counts, bad rows with line numbers and reasons, and the
    households that would be created or updated."""
    return ledger_import(
        source,
        actor=None,
        name=name,
        dry_run=True,
        allow_new_estates=allow_new_estates,
        progress=progress,
    )


def ledger_import(
    source,
    *,
    actor,
    name: str = "",
    dry_run: bool = False,
    only_good_rows: bool = False,
    allow_new_estates: bool = False,
    only_estates: set[str] | None = None,
    progress=None,
) -> LedgerReport:
    """Import a ledger file (a path, bytes or a binary file object; CSV or XLSX).

    Nothing is written in a dry run, nor when any row is bad unless `only_good_rows`;
    then the good households are written and the bad ones reported. `progress(done,
    total)` is called as rows are checked (the first half) and written (the second)."""
    report = LedgerReport(
        source=name,
        dry_run=dry_run,
        only_good_rows=only_good_rows,
        allow_new_estates=allow_new_estates,
    )
    try:
        ledger = read_ledger(source, name=name)
    except LedgerFileError as exc:
        report.errors = [RowError(1, str(exc.message), exc.code)]
        report.bad_lines = 1
        return report
    report.source = ledger.name
    rows = len(ledger.rows)
    total = 2 * rows or 1

    def checking(done, _total):
        if progress:
            progress(done, total)

    def writing(step, steps):
        if progress:
            progress(rows + rows * step // steps, total)

    # The check runs outside the transaction so that its progress can be seen. Every
    # write in Anju appends to the audit chain, so an unchanged chain head means the
    # check is still true when the writing starts; otherwise it is done again.
    head_before = _audit_head()
    checked = check_ledger(
        ledger,
        allow_new_estates=allow_new_estates,
        only_estates=only_estates,
        progress=checking,
    )
    plan = plan_import(checked)
    plan.fill_report(report)
    checking(rows, total)
    if dry_run or (checked.errors and not only_good_rows) or plan.is_empty:
        return report
    with transaction.atomic():
        if _audit_head(lock=True) != head_before:
            checked = check_ledger(
                ledger, allow_new_estates=allow_new_estates, only_estates=only_estates
            )
            plan = plan_import(checked)
            report = LedgerReport(
                source=ledger.name,
                only_good_rows=only_good_rows,
                allow_new_estates=allow_new_estates,
            )
            plan.fill_report(report)
            if (checked.errors and not only_good_rows) or plan.is_empty:
                return report
        counts = {
            "source": ledger.name,
            "created": report.created,
            "updated": report.updated,
            "removed": report.removed,
            "bad_lines": report.bad_lines,
        }
        apply_plan(plan, actor=actor, source=ledger.name, counts=counts, progress=writing)
    report.written = True
    if progress:
        progress(total, total)
    return report


def _audit_head(*, lock: bool = False) -> str:
    heads = AuditHead.objects.filter(pk=1)
    if lock:
        heads = heads.select_for_update()
    head = heads.first()
    return head.last_hash if head else ""
