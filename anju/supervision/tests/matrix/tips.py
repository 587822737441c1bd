"""Scoping-matrix rows of tips: the public pages (anyone, signed in or not), the portal
pages (a tenant's own tips; staff have no household), and the staff pages: the queue,
entering a tip, a tip's page and photo, raising an inspection from it, closing it and
revealing the tipster's phone.

Each side gets one public tip about its tenant's unit, with a photo and a phone."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from anju.supervision.models import TipSource
from anju.supervision.services.tips import tip_submit
from anju.testing.matrix import (
    PII_UNMASK,
    SUPERVISION_VIEW,
    TIP_TRIAGE,
    Row,
    _list,
    _r,
)

from .inspections import JPEG

PLACES = {"in": "矩阵举报甲栋", "out": "矩阵举报乙栋"}
PORTAL = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}


def build(world) -> None:
    sides = {}
    for side in ("in", "out"):
        unit = world.unit(side)
        sides[side] = tip_submit(
            source=TipSource.PUBLIC,
            category="sublet",
            estate=unit.estate,
            unit=unit,
            place=PLACES[side],
            text="每周都有拖着行李箱的陌生人进出。",
            contact_name="李四",
            contact_phone="13700001234",
            photos=[SimpleUploadedFile("door.jpg", JPEG, "image/jpeg")],
            ip=f"matrix-{side}",
        )
    world.extra["tips"] = sides


def _tip(w, side):
    return w.extra["tips"][side]


def _url(name):
    return lambda w, side, role: _r(name, _tip(w, side).pk)


def _photo(w, side, role):
    tip = _tip(w, side)
    return _r("tip_photo", tip.pk, tip.photos.get().pk)


def _status(w, side, role):
    return reverse("tip_public_status") + "?code=" + _tip(w, "in").tracking_code


ROWS = [
    # --- public: no log-in, the same for everyone; an empty form is shown again ---
    Row("tip_public_new", _list("tip_public_new"), methods=("GET", "POST"), fixed={"*": 200}),
    Row("tip_public_status", _status, fixed={"*": 200}),
    # --- portal: the tenant's own tips ---
    Row("portal_tips", _list("portal_tips"), fixed=PORTAL),
    Row("portal_tip_new", _list("portal_tip_new"), methods=("GET", "POST"), fixed=PORTAL),
    # --- staff ---
    Row(
        "tip_list",
        _list("tip_list"),
        allowed=SUPERVISION_VIEW,
        scope="none",
        marks=(PLACES["in"], PLACES["out"]),
    ),
    Row(
        "tip_create",
        _list("tip_create"),
        methods=("GET", "POST"),
        allowed=TIP_TRIAGE,
        scope="none",
        data=lambda w, side: {
            "category": "idle",
            "place": "3号楼 2单元 502",
            "text": "窗帘半年没拉开过。",
        },
    ),
    Row("tip_detail", _url("tip_detail"), allowed=SUPERVISION_VIEW),
    Row("tip_photo", _photo, allowed=SUPERVISION_VIEW),
    Row(
        "tip_inspect",
        _url("tip_inspect"),
        methods=("POST",),
        allowed=TIP_TRIAGE,
        data=lambda w, side: {"unit_code": w.unit(side).code},
    ),
    Row(
        "tip_close",
        _url("tip_close"),
        methods=("POST",),
        allowed=TIP_TRIAGE,
        data=lambda w, side: {"reason": "矩阵：与已办举报重复"},
    ),
    Row(
        "tip_contact",
        _url("tip_contact"),
        methods=("POST",),
        allowed=PII_UNMASK,
        data=lambda w, side: {},
    ),
]
