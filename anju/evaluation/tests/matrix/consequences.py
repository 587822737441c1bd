"""Scoping-matrix rows of consequences: the list, one consequence, and the actions on
it (confirm or reject a proposed termination, report a rectification, record one
done, cancel).

The world gets yearly schemes (version 90, apart from the quarterly ones of the
periods' rows) and two published years, 2019 and 2020:

- the tenants: excellent in 2019 (a good-conduct standing, open-ended), failing in 2020
  (a compulsory interview): Alice's in, Charlie's out. The street, community and
  operator staff of E1 see Alice's; the property company's staff see no tenant's;
- the operators: failing both years, so a termination is proposed in 2020: O1's in
  (only its own clerk and the district-wide roles see it), O2's out;
- the property companies: failing in 2020, a rectification order: P1's in (its own
  staff and the district-wide roles), P2's out."""

import datetime

from django.utils import timezone

from anju.evaluation.models import (
    ConsequenceKind,
    ConsequenceRule,
    Evaluation,
    Grade,
    Indicator,
    IndicatorUnit,
    PartyKind,
    Period,
    PeriodKind,
    PeriodStatus,
    Scheme,
    SchemeLine,
)
from anju.evaluation.services.consequences import raise_for_period
from anju.testing.matrix import (
    CONSEQUENCE_RECORD,
    EVALUATION_MANAGE,
    EVALUATION_RESPOND,
    EVALUATION_VIEW,
    Row,
    _list,
    _r,
)

K = ConsequenceKind
VERSION = 90
RULES = {
    PartyKind.TENANT: [
        (Grade.EXCELLENT, K.GOOD_STANDING, {}),
        (Grade.FAIL, K.INTERVIEW, {"days": 14}),
    ],
    PartyKind.OPERATOR: [(Grade.FAIL, K.TERMINATION, {"consecutive_fails": 2})],
    PartyKind.PROPERTY: [(Grade.FAIL, K.RECTIFICATION, {"days": 30})],
}
NOT_TENANT_SEERS = {"propmgr": 404, "repairer": 404}
NOT_THE_OPERATOR = {"street": 404, "community": 404, "propmgr": 404, "repairer": 404}
NOT_THE_COMPANY = {"street": 404, "community": 404, "operator": 404}


def _scheme(kind, version=VERSION) -> Scheme:
    scheme = Scheme.objects.create(
        party_kind=kind,
        period_kind=PeriodKind.YEAR,
        version=version,
        effective_from=datetime.date(2019, 1, 1),
        source="矩阵考核办法",
        published_at=timezone.now(),
    )
    indicator, _ = Indicator.objects.get_or_create(
        code=f"matrix_h3_{kind}",
        defaults={
            "party_kind": kind,
            "name_zh": "矩阵指标",
            "definition_zh": "人工评分",
            "unit": IndicatorUnit.SCORE,
            "source": "manual",
        },
    )
    SchemeLine.objects.create(scheme=scheme, indicator=indicator, weight=1, target=100, zero_at=0)
    for grade, kind_, extra in RULES[kind]:
        ConsequenceRule.objects.create(scheme=scheme, grade=grade, kind=kind_, **extra)
    return scheme


def _year(officer, year) -> Period:
    return Period.objects.create(
        name=f"矩阵{year}年度",
        kind=PeriodKind.YEAR,
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
        status=PeriodStatus.PUBLISHED,
        opened_by=officer,
        published_at=datetime.datetime(year + 1, 1, 20, 9, tzinfo=datetime.UTC),
        published_by=officer,
    )


def _grade(period, scheme, party, grade):
    tenant = scheme.party_kind == PartyKind.TENANT
    return Evaluation.objects.create(
        period=period,
        scheme=scheme,
        party_kind=scheme.party_kind,
        household=party if tenant else None,
        organisation=None if tenant else party,
        estate=party.estate if tenant else None,
        grade=grade,
    )


def build(world) -> None:
    cast = world.cast
    officer = cast.users["officer"]
    schemes = {kind: _scheme(kind) for kind in RULES}
    first, second = _year(officer, 2019), _year(officer, 2020)
    for household in (cast.alice_household, cast.charlie_household):
        _grade(first, schemes[PartyKind.TENANT], household, Grade.EXCELLENT)
        _grade(second, schemes[PartyKind.TENANT], household, Grade.FAIL)
    for operator in (cast.operator_1, cast.operator_2):
        _grade(first, schemes[PartyKind.OPERATOR], operator, Grade.FAIL)
        _grade(second, schemes[PartyKind.OPERATOR], operator, Grade.FAIL)
    for company in (cast.property_1, cast.property_2):
        _grade(second, schemes[PartyKind.PROPERTY], company, Grade.FAIL)
    raise_for_period(first, actor=officer)
    raise_for_period(second, actor=officer)

    def of(party_filter, kind):
        return Evaluation.objects.get(
            period=second if kind != K.GOOD_STANDING else first, **party_filter
        ).consequences.get(kind=kind)

    world.extra["consequences"] = {
        "standing": {
            "in": of({"household": cast.alice_household}, K.GOOD_STANDING),
            "out": of({"household": cast.charlie_household}, K.GOOD_STANDING),
        },
        "interview": {
            "in": of({"household": cast.alice_household}, K.INTERVIEW),
            "out": of({"household": cast.charlie_household}, K.INTERVIEW),
        },
        "termination": {
            "in": of({"organisation": cast.operator_1}, K.TERMINATION),
            "out": of({"organisation": cast.operator_2}, K.TERMINATION),
        },
        "rectification": {
            "in": of({"organisation": cast.property_1}, K.RECTIFICATION),
            "out": of({"organisation": cast.property_2}, K.RECTIFICATION),
        },
    }


def _pick(what):
    return lambda w, side: w.extra["consequences"][what][side]


def _url(name, what):
    return lambda w, side, role: _r(name, _pick(what)(w, side).pk)


def _note(w, side):
    return {"note": "矩阵：已处理"}


ROWS = [
    Row(
        "evaluation_consequences",
        _list("evaluation_consequences"),
        allowed=EVALUATION_VIEW,
        scope="none",
        marks=(None, "HH-C"),
    ),
    Row(
        "evaluation_consequence",
        _url("evaluation_consequence", "standing"),
        allowed=EVALUATION_VIEW,
        override=NOT_TENANT_SEERS,
    ),
    Row(
        "evaluation_consequence_cancel",
        _url("evaluation_consequence_cancel", "standing"),
        methods=("POST",),
        allowed=EVALUATION_MANAGE,
        override=NOT_TENANT_SEERS,
        data=_note,
    ),
    Row(
        "evaluation_consequence_done",
        _url("evaluation_consequence_done", "interview"),
        methods=("POST",),
        allowed=CONSEQUENCE_RECORD,
        override=NOT_TENANT_SEERS,
        data=_note,
    ),
    Row(
        "evaluation_consequence_confirm",
        _url("evaluation_consequence_confirm", "termination"),
        methods=("POST",),
        allowed=EVALUATION_MANAGE,
        override=NOT_THE_OPERATOR,
        data=lambda w, side: {},
    ),
    Row(
        "evaluation_consequence_reject",
        _url("evaluation_consequence_reject", "termination"),
        methods=("POST",),
        allowed=EVALUATION_MANAGE,
        override=NOT_THE_OPERATOR,
        data=_note,
    ),
    Row(
        "evaluation_consequence_report",
        _url("evaluation_consequence_report", "rectification"),
        methods=("POST",),
        allowed=EVALUATION_RESPOND & {"propmgr"},
        override=NOT_THE_COMPANY,
        data=_note,
    ),
]
