"""The gateways' door: door events and meter readings, posted as a raw CSV or NDJSON
body (or as a multipart upload in a field named `file`). A gateway sends its API key
(scope "ingest") and may write only to the units of the estates the key is bound to;
staff holding Perm.INGEST may post through their session. The answer comes after the
batch is committed: a 200 means every accepted row is stored, and no answer means
nothing was stored and the gateway sends the batch again (re-sending is harmless)."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from anju.core.api_auth import ApiKeyPrincipal, require
from anju.core.roles import Perm

from ..models import IngestChannel, IngestKind
from ..services.ingest import ingest
from ..services.ingest_read import IngestBodyError

router = Router(tags=["ingest"])


class IngestErrorOut(Schema):
    line: int
    code: str
    reason: str
    id: str


class IngestOut(Schema):
    batch: int
    rows: int
    accepted: int
    duplicates: int
    rejected: int
    errors: list[IngestErrorOut]


class ProblemOut(Schema):
    code: str
    message: str


CSV_TYPES = ("text/csv",)
NDJSON_TYPES = (
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/json",
)


def _body(example_csv: str, example_ndjson: str) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": example_csv},
                "application/x-ndjson": {"schema": {"type": "string"}, "example": example_ndjson},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    }


ACCESS_BODY = _body(
    "event_id,device_id,unit_code,occurred_at,credential,person_ref,result\n"
    "E01-L-000001,LOCK-E01-0101,E01-01-0101,2026-03-01T07:42:10+08:00,face,F-1001,granted\n",
    '{"event_id": "E01-L-000001", "device_id": "LOCK-E01-0101", "unit_code": "E01-01-0101", '
    '"occurred_at": "2026-03-01T07:42:10+08:00", "credential": "face", '
    '"person_ref": "F-1001", "result": "granted"}\n',
)
METER_BODY = _body(
    "reading_id,meter_id,unit_code,kind,read_at,value\n"
    "E01-M-000001,EM-E01-0101,E01-01-0101,electricity,2026-03-01T00:00:00+08:00,1532.4\n",
    '{"reading_id": "E01-M-000001", "meter_id": "EM-E01-0101", "unit_code": "E01-01-0101", '
    '"kind": "electricity", "read_at": "2026-03-01T00:00:00+08:00", "value": 1532.4}\n',
)
RESPONSES = {200: IngestOut, 400: ProblemOut, 413: ProblemOut}


def _too_large(limit: int):
    return Status(
        413,
        {
            "code": "too_large",
            "message": _(
                "The body is larger than %(limit)s bytes: send the records in smaller batches."
            )
            % {"limit": limit},
        },
    )


def _read(request):
    """(data, fmt, source) from the request, or a 413 Status."""
    limit = settings.ANJU_INGEST_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _too_large(limit)
    content_type = (request.content_type or "").lower()
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise IngestBodyError(
                _("Send the records as the body, or upload them in a field named “file”."),
                code="no_file",
            )
        if upload.size > limit:
            return _too_large(limit)
        return upload.read(), None, upload.name or ""
    # Read the stream, not request.body, whose cap is the (larger) upload limit.
    data = request.body if hasattr(request, "_body") else request.read(limit + 1)
    if len(data) > limit:
        return _too_large(limit)
    fmt = "csv" if content_type in CSV_TYPES else "ndjson" if content_type in NDJSON_TYPES else None
    return data, fmt, ""


def _post(request, kind):
    principal = request.auth
    require(principal, Perm.INGEST)
    read = _read(request)
    if isinstance(read, Status):
        return read
    data, fmt, name = read
    source = name or (principal.get_username() if isinstance(principal, ApiKeyPrincipal) else "")
    batch = ingest(
        kind=kind,
        data=data,
        principal=principal,
        channel=IngestChannel.API,
        source=source,
        fmt=fmt,
    )
    return Status(
        200,
        {
            "batch": batch.pk,
            "rows": batch.rows,
            "accepted": batch.accepted,
            "duplicates": batch.duplicates,
            "rejected": batch.rejected,
            "errors": batch.errors,
        },
    )


@router.post(
    "/ingest/access-events",
    response=RESPONSES,
    summary="Post door events (CSV or NDJSON)",
    openapi_extra=ACCESS_BODY,
)
def ingest_access_events(request):
    """One batch of door openings. Each row is checked on its own: bad rows are
    listed in `errors` with their line, a stable `code` and a reason, and the good
    rows are stored. Rows whose `event_id` is already stored (or repeated in the
    body) count as duplicates and change nothing. The answer comes after the commit."""
    return _post(request, IngestKind.ACCESS)


@router.post(
    "/ingest/meter-readings",
    response=RESPONSES,
    summary="Post meter readings (CSV or NDJSON)",
    openapi_extra=METER_BODY,
)
def ingest_meter_readings(request):
    """One batch of cumulative meter registers, idempotent on `reading_id`; otherwise
    as for door events."""
    return _post(request, IngestKind.METERS)
