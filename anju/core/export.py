"""Excel export of list pages: the same filtered, scoped queryset the page shows."""

import io

from django.http import HttpResponse
from openpyxl import Workbook

MAX_ROWS = 200_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename: str, headers: list, rows) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([str(h) for h in headers])
    for i, row in enumerate(rows):
        if i >= MAX_ROWS:
            break
        ws.append(["" if v is None else v if isinstance(v, int | float) else str(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
