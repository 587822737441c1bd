"""Reading a gateway's body into rows: the text encoding, CSV or NDJSON, and the line
number each row came from. Nothing here knows what the fields mean; `ingest` checks them.

A body that cannot be read at all (not text, a CSV header without the needed columns)
raises `IngestBodyError`: nothing is stored and the API answers 400 with its code."""

import csv
import io
import json
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from anju.core.errors import DomainError

ACCESS_FIELDS = (
    "event_id",
    "device_id",
    "unit_code",
    "occurred_at",
    "credential",
    "person_ref",
    "result",
)
METER_FIELDS = ("reading_id", "meter_id", "unit_code", "kind", "read_at", "value")
FIELDS = {"access": ACCESS_FIELDS, "meters": METER_FIELDS}
FORMATS = ("csv", "ndjson")

# A row whose NDJSON line is not a JSON object: the rest of the body is still read.
NOT_AN_OBJECT = object()


class IngestBodyError(DomainError):
    """The body as a whole cannot be read; `code` is stable for the API."""


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark; a CSV saved by a Chinese Excel is
    GB18030, which is read too rather than turned away."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise IngestBodyError(
            _("The body is neither UTF-8 nor GB18030 text."), code="unreadable_body"
        ) from None


def detect(text: str) -> str:
    """NDJSON when the first thing in the body is a JSON object, else CSV."""
    first = text.lstrip()[:1]
    if first == "[":
        raise IngestBodyError(
            _("Send one JSON object per line (NDJSON), not a JSON array."), code="json_array"
        )
    return "ndjson" if first == "{" else "csv"


def read_rows(kind: str, text: str, fmt: str) -> list[tuple[int, Any]]:
    """(line, values) for every non-blank data row, in order. `values` is a list of
    strings, one per field of `kind` ("" where a CSV row is short, None where an NDJSON
    key is absent), or NOT_AN_OBJECT for an NDJSON line that is not a JSON object."""
    fields = FIELDS[kind]
    if fmt == "csv":
        return _csv_rows(fields, text)
    return _ndjson_rows(fields, text)


def _csv_rows(fields, text):
    if '"' not in text and "\r" not in (text := text.replace("\r\n", "\n")):
        # Nothing quoted and one kind of line end: the CSV is exactly its lines split
        # at the commas, which is twice as fast as the csv module.
        lines = text.split("\n")
        return _rows(fields, ((n, line.split(",")) for n, line in enumerate(lines, 1)))
    reader = csv.reader(io.StringIO(text, newline=""))

    def numbered():
        line = 0
        try:
            for cells in reader:
                start, line = line + 1, reader.line_num
                yield start, cells
        except csv.Error as exc:
            raise IngestBodyError(
                _("The CSV cannot be read after line %(line)s.") % {"line": line},
                code="unreadable_body",
            ) from exc

    return _rows(fields, numbered())


def _rows(fields, numbered):
    """(line, values) of the data rows, the header row naming the columns."""
    header = None
    for _number, cells in numbered:
        if any(cell.strip() for cell in cells):
            header = cells
            break
    if header is None:
        return []
    names = [cell.strip().strip("\ufeff").strip().lower() for cell in header]
    missing = [f for f in fields if f not in names]
    if missing:
        raise IngestBodyError(
            _("The CSV header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)},
            code="missing_columns",
        )
    at = [names.index(f) for f in fields]
    width = max(at) + 1
    in_order = at == list(range(len(fields)))  # the usual case: no reordering needed
    out: list[tuple[int, list[str]]] = []
    append = out.append
    for number, cells in numbered:
        if len(cells) >= width:
            append((number, cells[:width] if in_order else [cells[i] for i in at]))
        elif not any(c.strip() for c in cells):
            continue  # a blank line
        else:
            append((number, [cells[i] if i < len(cells) else "" for i in at]))
    return out


def _ndjson_rows(fields, text):
    out: list[tuple[int, Any]] = []
    append = out.append
    loads = json.loads
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw or raw.isspace():
            continue
        try:
            obj = loads(raw, parse_float=Decimal)
        except ValueError:
            append((number, NOT_AN_OBJECT))
            continue
        if not isinstance(obj, dict):
            append((number, NOT_AN_OBJECT))
            continue
        values = []
        for f in fields:
            v = obj.get(f)
            if v is None or isinstance(v, str):
                values.append(v)
            elif isinstance(v, bool | dict | list):
                values.append(json.dumps(v))  # shown back in the reason, then rejected
            else:
                values.append(str(v))
        append((number, values))
    return out
