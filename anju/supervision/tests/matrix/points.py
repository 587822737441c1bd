"""Scoping-matrix rows of tenant points: a household's points page with its record,
void and credit forms, the misdeeds catalogue and its edit page (the authority's,
Perm.RULES_MANAGE, reference data: "out" is a missing rule), and the termination
review list.

Each side gets a household of its own holding 22 valid points (15 + 7), so it is on
the review list; its 7-point entry is the one voided."""

from django.utils import timezone

from anju.supervision.models import PointRule
from anju.supervision.services.points import points_record
from anju.testing.admission import make_ruleset
from anju.testing.matrix import (
    POINTS_RECORD,
    RULES_MANAGE,
    SUPERVISION_VIEW,
    Row,
    _list,
    _r,
)
from anju.testing.tenancy import housed_household

MISSING_PK = 987654321


def build(world):
    officer = world.cast.users["officer"]
    make_ruleset(officer)
    today = timezone.localdate()
    sides = {}
    for side, estate in (("in", world.cast.e1), ("out", world.cast.e2)):
        household = housed_household(estate, f"PTM-{side[0].upper()}", officer)
        points_record(
            household,
            actor=officer,
            rule=PointRule.objects.get(code="illegal_use"),
            occurred_on=today,
            details="矩阵：在单位内开设棋牌室",
        )
        entry = points_record(
            household,
            actor=officer,
            rule=PointRule.objects.get(code="littering"),
            occurred_on=today,
            details="矩阵：乱抛垃圾",
        )
        sides[side] = {"household": household, "entry": entry}
    world.extra["points"] = {"sides": sides, "rule": PointRule.objects.get(code="noise")}


def _x(w, side):
    return w.extra["points"]["sides"][side]


def _url(name, key):
    return lambda w, side, role: _r(name, _x(w, side)[key].pk)


def _rule_url(name):
    return lambda w, side, role: _r(
        name, w.extra["points"]["rule"].pk if side == "in" else MISSING_PK
    )


ROWS = [
    Row("household_points", _url("household_points", "household"), allowed=SUPERVISION_VIEW),
    Row(
        "points_record",
        _url("points_record", "household"),
        methods=("POST",),
        allowed=POINTS_RECORD,
        data=lambda w, side: {
            "rule": PointRule.objects.get(code="smoking_public").pk,
            "occurred_on": str(timezone.localdate()),
            "details": "矩阵：楼道吸烟",
        },
    ),
    Row(
        "credit_record",
        _url("credit_record", "household"),
        methods=("POST",),
        allowed=POINTS_RECORD,
        data=lambda w, side: {
            "kind": "volunteering",
            "amount": "3.5",
            "occurred_on": str(timezone.localdate()),
            "details": "矩阵：社区清洁日",
        },
    ),
    Row(
        "points_void",
        _url("points_void", "entry"),
        methods=("POST",),
        allowed=POINTS_RECORD,
        data=lambda w, side: {"reason": "矩阵：认定有误"},
    ),
    Row("point_rule_list", _list("point_rule_list"), allowed=SUPERVISION_VIEW, scope="none"),
    Row(
        "point_rule_edit",
        _rule_url("point_rule_edit"),
        methods=("GET", "POST"),
        allowed=RULES_MANAGE,
        scope="missing",
        data=lambda w, side: {
            "name": "发出噪音滋扰邻居",
            "points": "7",
            "warning_first": "on",
            "active": "on",
            "source": "长住建〔2026〕矩阵号",
        },
    ),
    Row(
        "points_review_list",
        _list("points_review_list"),
        allowed=SUPERVISION_VIEW,
        scope="none",
        marks=("PTM-I", "PTM-O"),
    ),
]
