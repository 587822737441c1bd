"""Scoping-matrix rows of work orders: the staff list, an order's page and photo, the
new-order form, dispatching (assign, defer, resume, cancel, urgency) and the board,
the repairer's pages (tasks, start, done), quality checks and the sample, the
deadline table and the classification, the SLA report; and the tenant's repair
pages on the portal.

Each side (E1 "in", served by P1; E2 "out", served by P2) gets one order at each
step, reported by phone for the unit of Alice (E1) or Charlie (E2), so that the
portal rows reach Alice's own orders: "reported" (with a photo), "assigned",
"in_progress", "deferred", "done" and "closed" (confirmed by the tenant). P2 gets a
repairer of its own, "repairer2", so that E2's orders can be assigned."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.core import services as core_services
from anju.core.roles import Role
from anju.helpdesk.models import RepairClass, SlaRule
from anju.helpdesk.services import workorder_answers as answers
from anju.helpdesk.services import workorder_work as work
from anju.helpdesk.services import workorders as svc
from anju.testing.cast import PASSWORD
from anju.testing.matrix import (
    HELPDESK_VIEW,
    SLA_MANAGE,
    WORKORDER_DISPATCH,
    WORKORDER_ENTER,
    WORKORDER_QUALITY,
    WORKORDER_WORK,
    Row,
    _list,
    _r,
)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
STEPS = ("reported", "assigned", "in_progress", "deferred", "done", "closed")
TENANTS_OWN = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}
MISSING_PK = 987654321


def _photo(name="leak.jpg"):
    return SimpleUploadedFile(name, JPEG, "image/jpeg")


def _order(step, *, unit, officer, repairer, tenant):
    order = svc.workorder_report(
        actor=officer,
        channel="phone",
        repair_class=RepairClass.objects.get(code="HW01"),
        description=f"矩阵：{step}",
        unit=unit,
        photos=[_photo()] if step == "reported" else [],
    )
    if step == "deferred":
        return svc.workorder_defer(
            order,
            actor=officer,
            until=timezone.localdate() + datetime.timedelta(days=5),
            reason="等配件",
        )
    if step == "reported":
        return order
    order = svc.workorder_assign(order, actor=officer, repairer=repairer)
    if step == "assigned":
        return order
    order = work.workorder_start(order, actor=repairer)
    if step == "in_progress":
        return order
    order = work.workorder_done(order, actor=repairer, note="换了阀门", photos=[_photo("ok.jpg")])
    if step == "done":
        return order
    return answers.workorder_confirm(order, actor=tenant, rating=5, comment="好")


def build(world):
    cast = world.cast
    officer = cast.users["officer"]
    repairer2 = core_services.user_create(
        actor=None,
        username="repairer2",
        full_name="Repairer Two",
        organisation=cast.property_2,
        roles=[Role.PROPERTY_STAFF],
        password=PASSWORD,
    )
    sides = {}
    for side, unit, repairer, tenant in (
        ("in", cast.unit_a, cast.users["repairer"], cast.users["alice"]),
        ("out", cast.unit_c, repairer2, cast.users["charlie"]),
    ):
        sides[side] = {
            step: _order(step, unit=unit, officer=officer, repairer=repairer, tenant=tenant)
            for step in STEPS
        }
        sides[side]["repairer"] = repairer
    rule = SlaRule.objects.get(repair_class__code="BL", estate=None, urgency="")
    world.extra["workorders"] = {
        "sides": sides,
        "photo": {side: sides[side]["reported"].photos.get() for side in sides},
        "rule": rule,
        "class": RepairClass.objects.get(code="HW05"),
    }


def _x(w):
    return w.extra["workorders"]


def _order_url(name, step):
    return lambda w, side, role: _r(name, _x(w)["sides"][side][step].pk)


def _alice(name, step):
    return lambda w, side, role: _r(name, _x(w)["sides"]["in"][step].pk)


def _new_order(w, side):
    return {
        "channel": "phone",
        "repair_class": RepairClass.objects.get(code="HW03").pk,
        "unit": w.cast.unit_a.code,
        "description": "矩阵：下水堵塞",
    }


def _rule_data(w, side):
    return {
        "repair_class": RepairClass.objects.get(code="BL").pk,
        "estate": "",
        "urgency": "",
        "respond_in": "3",
        "respond_unit": "hours",
        "complete_in": "24",
        "complete_unit": "hours",
        "source": "矩阵：物业服务合同第5条",
    }


ROWS = [
    Row(
        "workorder_list",
        _list("workorder_list"),
        allowed=HELPDESK_VIEW,
        scope="none",
        marks=("康居苑", "安泰小区"),
    ),
    Row(
        "workorder_new",
        _list("workorder_new"),
        methods=("GET", "POST"),
        allowed=WORKORDER_ENTER,
        scope="none",
        data=_new_order,
    ),
    Row(
        "workorder_board",
        _list("workorder_board"),
        allowed=WORKORDER_DISPATCH,
        scope="none",
        marks=("康居苑", "安泰小区"),
    ),
    Row("workorder_quality", _list("workorder_quality"), allowed=WORKORDER_QUALITY, scope="none"),
    Row(
        "workorder_sample",
        _list("workorder_sample"),
        methods=("POST",),
        allowed=WORKORDER_QUALITY,
        scope="none",
        data=lambda w, side: {
            "month": f"{timezone.localdate():%Y-%m}",
            "per_company": "3",
        },
    ),
    Row("workorder_detail", _order_url("workorder_detail", "reported"), allowed=HELPDESK_VIEW),
    Row(
        "workorder_photo",
        lambda w, side, role: _r(
            "workorder_photo", _x(w)["sides"][side]["reported"].pk, _x(w)["photo"][side].pk
        ),
        allowed=HELPDESK_VIEW,
    ),
    Row(
        "workorder_assign",
        _order_url("workorder_assign", "reported"),
        methods=("POST",),
        allowed=WORKORDER_DISPATCH,
        data=lambda w, side: {"repairer": _x(w)["sides"][side]["repairer"].pk},
    ),
    Row(
        "workorder_defer",
        _order_url("workorder_defer", "reported"),
        methods=("POST",),
        allowed=WORKORDER_DISPATCH,
        data=lambda w, side: {
            "until": (timezone.localdate() + datetime.timedelta(days=4)).isoformat(),
            "reason": "住户外出",
        },
    ),
    Row(
        "workorder_resume",
        _order_url("workorder_resume", "deferred"),
        methods=("POST",),
        allowed=WORKORDER_DISPATCH,
        data=lambda w, side: {},
    ),
    Row(
        "workorder_cancel",
        _order_url("workorder_cancel", "reported"),
        methods=("POST",),
        allowed=WORKORDER_DISPATCH,
        data=lambda w, side: {"reason": "重复报修"},
    ),
    Row(
        "workorder_urgency",
        _order_url("workorder_urgency", "reported"),
        methods=("POST",),
        allowed=WORKORDER_DISPATCH,
        data=lambda w, side: {"urgency": "warranty"},
    ),
    Row(
        "workorder_check",
        _order_url("workorder_check", "done"),
        methods=("POST",),
        allowed=WORKORDER_QUALITY,
        data=lambda w, side: {"result": "passed", "method": "phone", "note": ""},
    ),
    Row("repairer_tasks", _list("repairer_tasks"), allowed=WORKORDER_WORK, scope="none"),
    Row(
        "workorder_start",
        _order_url("workorder_start", "assigned"),
        methods=("POST",),
        allowed=WORKORDER_WORK,
        data=lambda w, side: {},
    ),
    Row(
        "workorder_done",
        _order_url("workorder_done", "in_progress"),
        methods=("GET", "POST"),
        allowed=WORKORDER_WORK,
        data=lambda w, side: {
            "note": "疏通完毕",
            "photos": _photo("after.jpg"),
            "material-name": ["管卡"],
            "material-qty": ["2"],
            "material-unit": ["个"],
        },
    ),
    Row("sla_rules", _list("sla_rules"), allowed=HELPDESK_VIEW, scope="none"),
    Row(
        "sla_rule_new",
        _list("sla_rule_new"),
        methods=("GET", "POST"),
        allowed=SLA_MANAGE,
        scope="none",
        data=lambda w, side: {
            **_rule_data(w, side),
            "repair_class": RepairClass.objects.get(code="HE").pk,
            "urgency": "paid",
        },
    ),
    Row(
        "sla_rule_edit",
        lambda w, side, role: _r("sla_rule_edit", _x(w)["rule"].pk if side == "in" else MISSING_PK),
        methods=("GET", "POST"),
        allowed=SLA_MANAGE,
        scope="missing",
        data=_rule_data,
    ),
    Row(
        "sla_rule_delete",
        lambda w, side, role: _r(
            "sla_rule_delete", _x(w)["rule"].pk if side == "in" else MISSING_PK
        ),
        methods=("POST",),
        allowed=SLA_MANAGE,
        scope="missing",
        data=lambda w, side: {},
    ),
    Row("repair_classes", _list("repair_classes"), allowed=HELPDESK_VIEW, scope="none"),
    Row(
        "repair_class_toggle",
        lambda w, side, role: _r(
            "repair_class_toggle", _x(w)["class"].pk if side == "in" else MISSING_PK
        ),
        methods=("POST",),
        allowed=SLA_MANAGE,
        scope="missing",
        data=lambda w, side: {},
    ),
    Row(
        "repair_sla_report",
        _list("repair_sla_report"),
        allowed=HELPDESK_VIEW,
        scope="none",
        marks=("康居物业", "宏达物业"),
    ),
    # --- the portal: only the tenant's own household's orders ---
    Row("portal_repairs", _list("portal_repairs"), fixed=TENANTS_OWN),
    Row(
        "portal_repair_new",
        _list("portal_repair_new"),
        methods=("GET", "POST"),
        fixed=TENANTS_OWN,  # a POST without a description shows the form again
    ),
    Row(
        "portal_repair",
        _alice("portal_repair", "reported"),
        fixed={"alice": 200, "anonymous": 302, "*": 404},
    ),
    Row(
        "portal_repair_photo",
        lambda w, side, role: _r(
            "portal_repair_photo", _x(w)["sides"]["in"]["reported"].pk, _x(w)["photo"]["in"].pk
        ),
        fixed={"alice": 200, "anonymous": 302, "*": 404},
    ),
    Row(
        "portal_repair_confirm",
        _alice("portal_repair_confirm", "done"),
        methods=("POST",),
        fixed={"alice": 302, "anonymous": 302, "*": 404},
        data=lambda w, side: {"rating": "4", "comment": "还行"},
    ),
    Row(
        "portal_repair_reopen",
        _alice("portal_repair_reopen", "done"),
        methods=("POST",),
        fixed={"alice": 302, "anonymous": 302, "*": 404},
        data=lambda w, side: {"reason": "还在漏"},
    ),
    Row(
        "portal_repair_cancel",
        _alice("portal_repair_cancel", "reported"),
        methods=("POST",),
        fixed={"alice": 302, "anonymous": 302, "*": 404},
        data=lambda w, side: {},
    ),
]
