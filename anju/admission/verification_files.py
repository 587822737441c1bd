"""The file a partner agency exchanges with Anju (docs/verification.md): a batch written
out as CSV or XLSX, one row per person asked about, and the same file read back with
the agency's answers, each row with the line number a clerk sees in the file.

This module knows the format only: columns, encodings, the words for yes and no. What an
answer means, and whether it is acceptable, is the service's business
(`anju.admission.services.verification`)."""

import csv
import io
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from anju.core.errors import DomainError

# Reading is shared with the legacy-ledger import: the same encodings (UTF-8 with or
# without BOM, GB18030) and the same line numbering.
from anju.households.ledger.read import XLSX_MAGIC, _csv_records, _read_bytes, _xlsx_records

COLUMNS = ("ref", "name", "id_number", "question", "declared", "found", "value", "detail")
# The columns an answer file must have; the others are there for the agency to read.
REQUIRED = ("ref", "found")
# The agency fills these in.
ANSWER_COLUMNS = ("found", "value", "detail")
# Chinese headers are accepted as well, for a file a clerk typed up from scratch.
ALIASES = {
    "编号": "ref",
    "姓名": "name",
    "身份证号": "id_number",
    "协查事项": "question",
    "申报情况": "declared",
    "是否查到": "found",
    "查到的值": "value",
    "说明": "detail",
}
YES = frozenset({"yes", "y", "true", "1", "是", "有"})
NO = frozenset({"no", "n", "false", "0", "否", "无"})

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AnswerFileError(DomainError):
    """The file as a whole cannot be used: unreadable, empty, or lacking a column."""


@dataclass
class AnswerRow:
    line: int
    values: dict[str, str]


def read_answers(source, *, name: str = "") -> list[AnswerRow]:
    """The rows of an answer file (a path, bytes or an uploaded file), blank rows left
    out. Raises AnswerFileError when the file cannot be read or lacks a column."""
    data, _name = _read_bytes(source, name)
    try:
        records = _xlsx_records(data) if data.startswith(XLSX_MAGIC) else _csv_records(data)
        return _rows(records)
    except AnswerFileError:
        raise
    except DomainError as exc:  # the reader's own verdict on an unreadable file
        raise AnswerFileError(exc.message, code=exc.code) from exc


def _rows(records) -> list[AnswerRow]:
    header: list[str | None] | None = None
    rows: list[AnswerRow] = []
    for line, record in records:
        cells = [(c or "").strip() for c in record]
        if header is None:
            header = _header(cells)
            continue
        if not any(cells):
            continue
        values = {
            column: (cells[index] if index < len(cells) else "")
            for index, column in enumerate(header)
            if column is not None
        }
        rows.append(AnswerRow(line=line, values=values))
    if header is None:
        raise AnswerFileError(_("The file is empty: it has no header row."), code="empty_file")
    return rows


def _header(cells: list[str]) -> list[str | None]:
    header: list[str | None] = []
    for cell in cells:
        text = cell.lstrip("\ufeff").strip()
        column = ALIASES.get(text, text.lower())
        if column not in COLUMNS:
            header.append(None)  # a column of the agency's own: ignored
            continue
        if column in header:
            raise AnswerFileError(
                _("The column %(column)s appears twice in the header.") % {"column": column},
                code="duplicate_column",
            )
        header.append(column)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise AnswerFileError(
            _("The header (line 1) lacks these columns: %(columns)s.")
            % {"columns": ", ".join(missing)},
            code="missing_columns",
        )
    return header


def parse_found(text: str) -> bool | None:
    """True for yes, False for no, None for anything else (an empty cell included)."""
    word = unicodedata.normalize("NFKC", text or "").strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    return None


def found_word(found: bool | None) -> str:
    if found is None:
        return ""
    return _("yes") if found else _("no")


def write_answers(rows: list[dict], fmt: str) -> bytes:
    """The batch as a file to answer: `rows` are dicts keyed by COLUMNS."""
    if fmt == "xlsx":
        return _write_xlsx(rows)
    if fmt == "csv":
        return _write_csv(rows)
    raise ValueError(fmt)


def _write_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    # The BOM makes Excel open the file as UTF-8 rather than as the system's code page.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


WIDTHS = {
    "ref": 20,
    "name": 10,
    "id_number": 21,
    "question": 16,
    "declared": 40,
    "found": 8,
    "value": 12,
    "detail": 40,
}


def _write_xlsx(rows: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Answers")[:31]
    sheet.append(COLUMNS)
    answer_fill = PatternFill("solid", fgColor="FFF4CC")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if column in ANSWER_COLUMNS:
            cell.fill = answer_fill
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = WIDTHS[column]
        # Text, so that Excel neither rounds an 18-digit ID number nor drops zeros.
        sheet.column_dimensions[letter].number_format = "@"
    for row in rows:
        sheet.append([str(row.get(c, "")) for c in COLUMNS])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
