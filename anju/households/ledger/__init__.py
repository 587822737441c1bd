"""The legacy ledger (台账): import from CSV or XLSX, and export in the same format.
The format is documented in docs/ledger-format.md.

For a page: `ledger_check(upload)` gives the preview without writing; after the user
confirms, a background task (`anju.households.tasks.import_ledger_task`) runs
`ledger_import(...)` and stores `report.to_dict()` on its JobRun."""

from .export import LedgerExport, ledger_export
from .read import LedgerFileError, read_ledger
from .report import HouseholdChange, LedgerReport, RowError
from .services import ledger_check, ledger_import

__all__ = [
    "HouseholdChange",
    "LedgerExport",
    "LedgerFileError",
    "LedgerReport",
    "RowError",
    "ledger_check",
    "ledger_export",
    "ledger_import",
    "read_ledger",
]
