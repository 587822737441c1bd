"""Scoping-matrix rows of the move-out handover and the deposit settlement: the
handover form and its record, the settlement form, the settlement and its PDF, each
by the exit case's pk.

Each side (E1 "in", E2 "out") gets three households of its own with a voluntary exit
each, one at each step: "moving" (the keys still to come back: the handover form),
"handed" (keys back: its record and the settlement form) and "settled" (the
settlement and its statement). The vacate notices and the statement are typeset as
stand-ins here; the POST that settles typesets a real one."""

import datetime
from unittest import mock

from django.utils import timezone

from anju.exits.services import cases as cases_svc
from anju.exits.services import settlement as settlement_svc
from anju.exits.services.handovers import move_out
from anju.housing.handover import CHECKLIST_ITEMS
from anju.testing.admission import make_ruleset
from anju.testing.matrix import EXITS_VIEW, HANDOVER, Row, _r
from anju.testing.tenancy import housed_household

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STEPS = ("moving", "handed", "settled")


def _checklist():
    return [{"item": item, "ok": True, "note": ""} for item in CHECKLIST_ITEMS]


def _handover_post(case, today):
    data = {
        "on": today.isoformat(),
        "unit": case.unit.code,
        "keys": "2",
        "cards": "1",
        "unit_after": "vacant",
        "note": "矩阵：交房",
        "meter-water": "101.5",
        "meter-electricity": "2301.0",
    }
    data.update({f"item-{item}": "ok" for item in CHECKLIST_ITEMS})
    return data


def build(world):
    officer = world.cast.users["officer"]
    operator = world.cast.users["operator"]
    make_ruleset(officer)
    today = timezone.localdate()
    sides = {}
    with (
        mock.patch.object(cases_svc, "notice_pdf", lambda case: PDF),
        mock.patch.object(settlement_svc, "settlement_pdf", lambda settlement: PDF),
    ):
        for side, estate in (("in", world.cast.e1), ("out", world.cast.e2)):
            x = {}
            for step in STEPS:
                household = housed_household(estate, f"HOM-{side[0].upper()}-{step}", officer)
                case = cases_svc.exit_request(
                    household,
                    actor=officer,
                    move_out_on=today + datetime.timedelta(days=20),
                    channel="counter",
                )
                case = cases_svc.case_decide(case, actor=officer, decision="矩阵：同意退出。")
                case = cases_svc.notice_issue(case, actor=officer, on=today)
                if step != "moving":
                    move_out(
                        case,
                        actor=operator if side == "in" else officer,
                        unit=case.unit,
                        on=today,
                        checklist=_checklist(),
                        meter_readings={"water": "100", "electricity": "2300"},
                        keys=2,
                        cards=1,
                        unit_after="vacant",
                    )
                    case.refresh_from_db()
                if step == "settled":
                    settlement_svc.settle(case, actor=officer, refund_method="bank", on=today)
                x[step] = case
            sides[side] = x
    world.extra["handovers"] = {"sides": sides, "today": today}


def _case(w, side, step):
    return w.extra["handovers"]["sides"][side][step]


def _url(name, step):
    return lambda w, side, role: _r(name, _case(w, side, step).pk)


ROWS = [
    Row(
        "exit_handover_new",
        _url("exit_handover_new", "moving"),
        methods=("GET", "POST"),
        allowed=HANDOVER,
        data=lambda w, side: _handover_post(
            _case(w, side, "moving"), w.extra["handovers"]["today"]
        ),
    ),
    Row("exit_handover", _url("exit_handover", "handed"), allowed=EXITS_VIEW),
    Row(
        "exit_settlement_new",
        _url("exit_settlement_new", "handed"),
        methods=("GET", "POST"),
        allowed=HANDOVER,
        data=lambda w, side: {
            "refund_method": "bank",
            "on": w.extra["handovers"]["today"].isoformat(),
        },
    ),
    Row("exit_settlement", _url("exit_settlement", "settled"), allowed=EXITS_VIEW),
    Row("exit_settlement_pdf", _url("exit_settlement_pdf", "settled"), allowed=EXITS_VIEW),
]
