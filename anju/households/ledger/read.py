"""Reading a ledger file (CSV or XLSX) into plain rows of text, each with the line
number a clerk sees in the file (the header is line 1)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from anju.core.errors import DomainError

from .columns import COLUMNS

XLSX_MAGIC = b"PK\x03\x04"


class LedgerFileError(DomainError):
    """The file as a whole cannot be used (unreadable, or columns missing)."""


@dataclass
class RawRow:
    line: int
    values: dict[str, str]
    extras: dict[str, str] = field(default_factory=dict)


@dataclass
class LedgerFile:
    name: str
    rows: list[RawRow]
    extra_columns: list[str]


def read_ledger(source, *, name: str = "") -> LedgerFile:
    """Read `source`: a path, bytes, or a binary file object (an upload, a FieldFile).
    Raises LedgerFileError when the file cannot be read or lacks columns."""
    data, name = _read_bytes(source, name)
    records = _xlsx_records(data) if data.startswith(XLSX_MAGIC) else _csv_records(data)
    return _to_rows(records, name)


def _read_bytes(source, name: str) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), name
    if isinstance(source, str | Path):
        path = Path(source)
        return path.read_bytes(), name or path.name
    name = name or Path(getattr(source, "name", "") or "").name
    if hasattr(source, "open") and getattr(source, "closed", False):
        source.open("rb")
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data, name


def _decode(data: bytes) -> str:
    # UTF-8 (with or without the BOM Excel adds) first; Chinese Excel saves "CSV" as
    # GB18030 (its GBK superset), which would not decode as UTF-8.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise LedgerFileError(
            _("The file is neither UTF-8 nor GB18030 text, nor an XLSX workbook."),
            code="bad_encoding",
        ) from exc


def _csv_records(data: bytes):
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for record in reader:
            yield start, record
            # A quoted cell may span lines: the next record starts after this one ends.
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LedgerFileError(
            _("Line %(line)s cannot be read as CSV: %(error)s")
            % {"line": reader.line_num, "error": exc},
            code="bad_csv",
        ) from exc


def _xlsx_records(data: bytes):
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LedgerFileError(
            _("The file cannot be opened as an XLSX workbook."), code="bad_xlsx"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in row]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _to_rows(records, name: str) -> LedgerFile:
    header = None
    rows: list[RawRow] = []
    for line, record in records:
        cells = [c.strip() for c in record]
        if header is None:
            header = _header(cells)
            continue
        if not any(cells):
            continue
        values, extras = {}, {}
        for index, column in enumerate(header):
            if column is None:
                continue
            cell = cells[index] if index < len(cells) else ""
            if column in COLUMNS:
                values[column] = cell
            elif cell:
                extras[column] = cell
        rows.append(RawRow(line=line, values=values, extras=extras))
    if header is None:
        raise LedgerFileError(_("The file is empty: it has no header row."), code="empty_file")
    extra_columns = [c for c in header if c and c not in COLUMNS]
    return LedgerFile(name=name, rows=rows, extra_columns=extra_columns)


def _header(cells: list[str]) -> list[str | None]:
    header: list[str | None] = []
    seen: set[str] = set()
    for cell in cells:
        column = cell.lstrip("\ufeff").strip()
        key = column.lower() if column.lower() in COLUMNS else column
        if not key:
            header.append(None)
            continue
        if key in seen:
            raise LedgerFileError(
                _("The column %(column)s appears twice in the header.") % {"column": key},
                code="duplicate_column",
            )
        seen.add(key)
        header.append(key)
    missing = [c for c in COLUMNS if c not in seen]
    if missing:
        raise LedgerFileError(
            _("The header (line 1) lacks these columns: %(columns)s.")
            % {"columns": ", ".join(missing)},
            code="missing_columns",
        )
    return header
