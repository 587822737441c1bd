"""Scoping-matrix rows of ingest: the batch list and a batch, the staff upload, the
devices (list, confirm, retire), the data-quality page and the two API endpoints.

Each side gets a household of its own in a new building. The E1 side's batch comes
from the matrix's gateway key (bound to E1), the E2 side's from the command line; each
registers a lock and an electricity meter whose register went backwards a few days
ago (so the data-quality page lists it), and whose lock last reported 20 days ago
(silent)."""

import datetime
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.core.api_auth import ApiKeyPrincipal
from anju.supervision.models import Device
from anju.supervision.services.ingest import ingest
from anju.testing.matrix import DEVICES_MANAGE, INGEST, SUPERVISION_VIEW, Row, _r
from anju.testing.tenancy import housed_household

ACCESS_HEADER = "event_id,device_id,unit_code,occurred_at,credential,person_ref,result\n"
METER_HEADER = "reading_id,meter_id,unit_code,kind,read_at,value\n"


def _at(days_ago: float) -> str:
    return (timezone.now() - datetime.timedelta(days=days_ago)).isoformat()


def build(world):
    cast = world.cast
    officer = cast.users["officer"]
    sides = {}
    for side, estate in (("in", cast.e1), ("out", cast.e2)):
        tag = side.upper()
        household = housed_household(estate, f"MXI-{tag}", officer)
        unit = household.unit.code
        access = (
            ACCESS_HEADER
            + f"MXI-E-{tag}-1,MX-LOCK-{tag},{unit},{_at(20)},card,,granted\n"
            + f"MXI-E-{tag}-2,MX-LOCK-{tag},{unit},not-a-time,card,,granted\n"
        )
        meters = (
            METER_HEADER
            + f"MXI-M-{tag}-1,MX-EM-{tag},{unit},electricity,{_at(5)},1500.5\n"
            + f"MXI-M-{tag}-2,MX-EM-{tag},{unit},electricity,{_at(3)},12.0\n"
        )
        principal = ApiKeyPrincipal(world.apikey) if side == "in" else None
        channel = "api" if side == "in" else "cli"
        batch = ingest(
            kind="access",
            data=access.encode(),
            principal=principal,
            channel=channel,
            source=f"mx-{side}.csv",
        )
        ingest(kind="meters", data=meters.encode(), principal=principal, channel=channel)
        sides[side] = {
            "unit": unit,
            "batch": batch,
            "lock": Device.objects.get(code=f"MX-LOCK-{tag}"),
        }
    world.extra["ingest"] = sides


def _x(w, side):
    return w.extra["ingest"][side]


def _events(w, side):
    body = ACCESS_HEADER + f"MXI-API-1,MX-LOCK-IN,{_x(w, 'in')['unit']},{_at(1)},face,,granted\n"
    return {"file": SimpleUploadedFile("events.csv", body.encode(), "text/csv")}


def _readings(w, side):
    body = METER_HEADER + f"MXI-API-M1,MX-EM-IN,{_x(w, 'in')['unit']},electricity,{_at(1)},20\n"
    return {"file": SimpleUploadedFile("readings.csv", body.encode(), "text/csv")}


def _upload(w, side):
    return {"kind": "access", **_events(w, side)}


def _accepted_one(response, body):
    return json.loads(body)["accepted"] == 1


ROWS = [
    Row(
        "ingest_batch_list",
        lambda w, side, role: _r("ingest_batch_list"),
        allowed=SUPERVISION_VIEW,
        scope="none",
        # The E1 batch names its gateway key; the E2 batch, from the command line, its file.
        marks=("Gate E1", "mx-out.csv"),
    ),
    Row(
        "ingest_batch_detail",
        lambda w, side, role: _r("ingest_batch_detail", _x(w, side)["batch"].pk),
        allowed=SUPERVISION_VIEW,
    ),
    Row(
        "ingest_upload",
        lambda w, side, role: _r("ingest_upload"),
        methods=("POST",),
        allowed=INGEST,
        scope="none",
        data=_upload,
    ),
    Row(
        "device_list",
        lambda w, side, role: _r("device_list"),
        allowed=SUPERVISION_VIEW,
        scope="none",
        marks=("MX-LOCK-IN", "MX-LOCK-OUT"),
    ),
    Row(
        "device_confirm",
        lambda w, side, role: _r("device_confirm", _x(w, side)["lock"].pk),
        methods=("POST",),
        allowed=DEVICES_MANAGE,
        data=lambda w, side: {"notes": "门口"},
    ),
    Row(
        "device_retire",
        lambda w, side, role: _r("device_retire", _x(w, side)["lock"].pk),
        methods=("POST",),
        allowed=DEVICES_MANAGE,
        data=lambda w, side: {"reason": "换了新锁"},
    ),
    Row(
        "data_quality",
        lambda w, side, role: _r("data_quality"),
        allowed=SUPERVISION_VIEW,
        scope="none",
        marks=("MX-EM-IN", "MX-EM-OUT"),
    ),
    # --- API ---
    Row(
        "api-1:ingest_access_events",
        lambda w, side, role: _r("api-1:ingest_access_events"),
        methods=("POST",),
        allowed=INGEST,
        scope="none",
        api=True,
        ok={"POST": 200},
        data=_events,
        succeeded=_accepted_one,
    ),
    Row(
        "api-1:ingest_meter_readings",
        lambda w, side, role: _r("api-1:ingest_meter_readings"),
        methods=("POST",),
        allowed=INGEST,
        scope="none",
        api=True,
        ok={"POST": 200},
        data=_readings,
        succeeded=_accepted_one,
    ),
]
