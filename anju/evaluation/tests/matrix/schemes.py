"""Scoping-matrix rows of schemes and indicators: district-wide reference data, read by
everyone who reads evaluations and changed by the authority. The world gets a
published yearly tenant scheme (version 95) and a draft copy of it (96) with a line
and a rule to edit or remove, and an indicator the draft does not use yet. An object
page asked "out" of scope asks for a record that does not exist."""

import datetime

from anju.evaluation.models import ConsequenceKind, Grade, Indicator, PartyKind, PeriodKind
from anju.evaluation.services.indicator_defs import indicator_create
from anju.evaluation.services.schemes import rule_add, scheme_create
from anju.testing.matrix import EVALUATION_MANAGE, EVALUATION_VIEW, Row, _list, _r

from .consequences import _scheme

MISSING_PK = 987654321


def build(world) -> None:
    officer = world.cast.users["officer"]
    published = _scheme(PartyKind.TENANT, version=95)
    draft = scheme_create(
        actor=officer,
        party_kind=PartyKind.TENANT,
        period_kind=PeriodKind.YEAR,
        effective_from=datetime.date(2027, 1, 1),
        source="矩阵考核办法（修订）",
    )
    rule = rule_add(draft, actor=officer, grade=Grade.PASS, kind=ConsequenceKind.TENANT_WARNING)
    extra: Indicator = indicator_create(
        actor=officer,
        code="matrix_h3_extra",
        party_kind=PartyKind.TENANT,
        name_zh="矩阵附加指标",
        definition_zh="人工评分",
    )
    world.extra["schemes"] = {
        "published": published,
        "draft": draft,
        "line": draft.lines.first(),
        "rule": rule,
        "indicator": extra,
    }


def _x(w):
    return w.extra["schemes"]


def _obj(name, key):
    return lambda w, side, role: _r(name, _x(w)[key].pk if side == "in" else MISSING_PK)


def _manage(name, key, data, methods=("POST",)):
    return Row(
        name,
        _obj(name, key),
        methods=methods,
        allowed=EVALUATION_MANAGE,
        scope="missing",
        data=data,
    )


def _line_data(w, side):
    line = _x(w)["line"]
    return {
        f"line{line.pk}-weight": "2",
        f"line{line.pk}-target": "90",
        f"line{line.pk}-zero_at": "10",
    }


ROWS = [
    Row("evaluation_schemes", _list("evaluation_schemes"), allowed=EVALUATION_VIEW, scope="none"),
    Row(
        "evaluation_scheme",
        _obj("evaluation_scheme", "draft"),
        allowed=EVALUATION_VIEW,
        scope="missing",
    ),
    _manage(
        "evaluation_scheme_new",
        "published",
        lambda w, side: {"effective_from": "2028-01-01", "source": "矩阵：新版本"},
    ),
    _manage(
        "evaluation_scheme_edit",
        "draft",
        lambda w, side: {
            "effective_from": "2027-01-01",
            "source": "矩阵考核办法（修订）",
            "pass_from": "60",
            "good_from": "75",
            "excellent_from": "90",
            "objection_days": "7",
            "citation": "",
        },
    ),
    _manage("evaluation_scheme_publish", "draft", lambda w, side: {}),
    _manage(
        "evaluation_scheme_line_add",
        "draft",
        lambda w, side: {
            "indicator": _x(w)["indicator"].pk,
            "weight": "1",
            "target": "100",
            "zero_at": "0",
        },
    ),
    _manage("evaluation_scheme_line_edit", "line", _line_data),
    _manage("evaluation_scheme_line_remove", "line", lambda w, side: {}),
    _manage(
        "evaluation_scheme_rule_add",
        "draft",
        lambda w, side: {"grade": Grade.GOOD, "kind": ConsequenceKind.HARMONIOUS_TITLE},
    ),
    _manage("evaluation_scheme_rule_remove", "rule", lambda w, side: {}),
    Row(
        "evaluation_indicators",
        _list("evaluation_indicators"),
        allowed=EVALUATION_VIEW,
        scope="none",
    ),
    Row(
        "evaluation_indicator_new",
        _list("evaluation_indicator_new"),
        methods=("GET", "POST"),
        allowed=EVALUATION_MANAGE,
        scope="none",
        data=lambda w, side: {
            "code": "matrix_h3_new",
            "party_kind": PartyKind.PROPERTY,
            "unit": "score",
            "direction": "higher",
            "name_zh": "矩阵新指标",
            "definition_zh": "人工评分",
            "sort": "0",
        },
    ),
    _manage(
        "evaluation_indicator_edit",
        "indicator",
        lambda w, side: {
            "name_zh": "矩阵附加指标（改）",
            "definition_zh": "人工评分",
            "sort": "1",
            "is_active": "on",
        },
        methods=("GET", "POST"),
    ),
]
