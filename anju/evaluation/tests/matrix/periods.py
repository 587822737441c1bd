"""Scoping-matrix rows of evaluation periods: the periods list and the open form, a
period's page and its actions (compute, disclose, publish), a scorecard, a manual
score's form, the records behind a score, evidence downloads, objections (the list,
the party's objection, the resolution), the public ranking and the tenant's portal page.

The world gets published schemes for every party kind (one computed line each; the
property companies and the tenants also one manual line) and four periods:

- 2026 Q3, open, computed and every manual score entered: compute and disclose succeed;
- 2026 Q2, disclosed today, so its window is open: the scorecards, the scores and the
  evidence the rows read, the parties' objections, and Alice's and Charlie's objections
  to their payment punctuality, pending, for the officer to resolve;
- 2025 Q1, disclosed in April 2025, its window long past: publishing succeeds;
- 2025 Q2, published: the public ranking.

The scorecards the rows read are the tenants' (Alice's in, Charlie's out), which the
street, community and operator staff of E1 see; a property company sees only its own
scorecard, so its staff get 404 there. A period is the authority's calendar, not
scoped: its page shows each role only the scorecards it sees."""

import datetime
from decimal import Decimal

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.evaluation.models import (
    Evaluation,
    Indicator,
    IndicatorUnit,
    PartyKind,
    PeriodKind,
    Scheme,
    SchemeLine,
    Score,
)
from anju.evaluation.services.manual_scores import score_enter
from anju.evaluation.services.objections import objection_raise
from anju.evaluation.services.period_compute import period_compute
from anju.evaluation.services.periods import period_disclose, period_open, period_publish
from anju.testing.matrix import (
    DISTRICT,
    E1_SIDE,
    EVALUATION_MANAGE,
    EVALUATION_RESPOND,
    EVALUATION_SCORE,
    EVALUATION_VIEW,
    Row,
    _list,
    _r,
)

COMPUTED = {
    PartyKind.STREET: "street.review_timeliness",
    PartyKind.COMMUNITY: "community.review_timeliness",
    PartyKind.OPERATOR: "operator.handover_complete",
    PartyKind.PROPERTY: "property.responded_in_time",
    PartyKind.TENANT: "tenant.payment_punctuality",
}
WITH_MANUAL = (PartyKind.PROPERTY, PartyKind.TENANT)
TZ = datetime.timezone(datetime.timedelta(hours=8))
# Only the district-wide roles and the party itself see a party's scorecard; the E1
# staff who are not the party get 404 where the rule for "estate" expects more.
NOT_THE_PARTY = {role: 404 for role in E1_SIDE - DISTRICT}
NOT_TENANT_SEERS = {"propmgr": 404, "repairer": 404}
PORTAL = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}


def _pdf():
    return SimpleUploadedFile("evidence.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")


def _schemes():
    for kind, source in COMPUTED.items():
        scheme = Scheme.objects.create(
            party_kind=kind,
            period_kind=PeriodKind.QUARTER,
            version=80,
            effective_from=datetime.date(2025, 1, 1),
            source="矩阵考核办法",
            published_at=timezone.now(),
        )
        lines = [(f"matrix.{kind}", source, IndicatorUnit.PERCENT)]
        if kind in WITH_MANUAL:
            lines.append((f"matrix.{kind}.manual", "manual", IndicatorUnit.SCORE))
        for sort, (code, src, unit) in enumerate(lines):
            indicator = Indicator.objects.create(
                code=code,
                party_kind=kind,
                name_zh=f"矩阵指标 {code}",
                definition_zh="矩阵测试用",
                unit=unit,
                source=src,
            )
            SchemeLine.objects.create(
                scheme=scheme,
                indicator=indicator,
                weight=Decimal(1),
                target=Decimal(100),
                zero_at=Decimal(0),
                sort=sort,
            )


def _cycle(officer, starts_on, *, disclose=True):
    period = period_open(actor=officer, kind=PeriodKind.QUARTER, starts_on=starts_on)
    period_compute(period)
    for score in Score.objects.filter(evaluation__period=period, line__indicator__source="manual"):
        score_enter(score, actor=officer, value=85, comment="矩阵评分", evidence=[_pdf()])
    period.refresh_from_db()
    if disclose:
        period_disclose(period, actor=officer)
        period.refresh_from_db()
    return period


def _score(period, household, manual=False):
    return Score.objects.get(
        evaluation__period=period,
        evaluation__household=household,
        line__indicator__source__in=["manual"] if manual else [COMPUTED[PartyKind.TENANT]],
    )


def build(world) -> None:
    cast = world.cast
    officer = cast.users["officer"]
    _schemes()
    with time_machine.travel(datetime.datetime(2025, 4, 10, 10, tzinfo=TZ), tick=False):
        ready = _cycle(officer, datetime.date(2025, 1, 1))
    with time_machine.travel(datetime.datetime(2025, 7, 10, 10, tzinfo=TZ), tick=False):
        published = _cycle(officer, datetime.date(2025, 4, 1))
    with time_machine.travel(datetime.datetime(2025, 7, 20, 10, tzinfo=TZ), tick=False):
        period_publish(published, actor=officer)
    disclosed = _cycle(officer, datetime.date(2026, 4, 1))
    opened = _cycle(officer, datetime.date(2026, 7, 1), disclose=False)
    cards = {
        side: Evaluation.objects.get(period=disclosed, household=world.household(side))
        for side in ("in", "out")
    }
    objections = {
        side: objection_raise(
            cards[side],
            actor=cast.users["alice" if side == "in" else "charlie"],
            reasons="缴费记录有误",
            score=_score(disclosed, world.household(side)),
        )
        for side in ("in", "out")
    }
    own = {
        role: Evaluation.objects.get(period=disclosed, organisation=org)
        for role, org in (
            ("street", cast.street_a),
            ("community", cast.community_a),
            ("operator", cast.operator_1),
            ("propmgr", cast.property_1),
        )
    }
    world.extra["periods"] = {
        "ready": ready,
        "open": opened,
        "disclosed": disclosed,
        "cards": cards,
        "p": {
            "in": Evaluation.objects.get(period=disclosed, organisation=cast.property_1),
            "out": Evaluation.objects.get(period=disclosed, organisation=cast.property_2),
        },
        "own": own,
        "manual": {
            side: _score(opened, world.household(side), manual=True) for side in ("in", "out")
        },
        "computed": {side: _score(disclosed, world.household(side)) for side in ("in", "out")},
        "evidence": {
            side: _score(disclosed, world.household(side), manual=True).evidence.first()
            for side in ("in", "out")
        },
        "objections": objections,
    }


def _w(w):
    return w.extra["periods"]


def _period(which, name):
    return lambda w, side, role: _r(name, _w(w)[which].pk)


def _side(key, name):
    return lambda w, side, role: _r(name, _w(w)[key][side].pk)


def _objection_target(w, side, role):
    """A party's own scorecard for the roles that answer for one; P1's (in) or P2's
    (out) for everyone else."""
    data = _w(w)
    if side == "in" and role in data["own"]:
        return _r("evaluation_objection_raise", data["own"][role].pk)
    return _r("evaluation_objection_raise", data["p"][side].pk)


ROWS = [
    Row("evaluation_periods", _list("evaluation_periods"), allowed=EVALUATION_VIEW, scope="none"),
    Row(
        "evaluation_period_open",
        _list("evaluation_period_open"),
        methods=("POST",),
        allowed=EVALUATION_MANAGE,
        scope="none",
        data=lambda w, side: {"kind": "quarter", "starts_on": "2025-10-01"},
    ),
    Row(
        "evaluation_period",
        _period("disclosed", "evaluation_period"),
        allowed=EVALUATION_VIEW,
        scope="none",
        marks=("康居物业", "宏达物业"),
        marks_for=frozenset({"officer", "auditor", "propmgr"}),
    ),
    Row(
        "evaluation_period_compute",
        _period("open", "evaluation_period_compute"),
        methods=("POST",),
        allowed=EVALUATION_MANAGE,
        scope="none",
        data=lambda w, side: {},
    ),
    Row(
        "evaluation_period_disclose",
        _period("open", "evaluation_period_disclose"),
        methods=("POST",),
        allowed=EVALUATION_MANAGE,
        scope="none",
        data=lambda w, side: {},
    ),
    Row(
        "evaluation_period_publish",
        _period("ready", "evaluation_period_publish"),
        methods=("POST",),
        allowed=EVALUATION_MANAGE,
        scope="none",
        data=lambda w, side: {},
    ),
    Row(
        "evaluation_scorecard",
        _side("cards", "evaluation_scorecard"),
        allowed=EVALUATION_VIEW,
        override=NOT_TENANT_SEERS,
    ),
    # The open period's scores are a draft only the district-wide roles see.
    Row(
        "evaluation_score_enter",
        _side("manual", "evaluation_score_enter"),
        methods=("POST",),
        allowed=EVALUATION_SCORE,
        override=NOT_THE_PARTY,
        data=lambda w, side: {"value": "88", "comment": "复核后调整"},
    ),
    Row(
        "evaluation_trace",
        _side("computed", "evaluation_trace"),
        allowed=EVALUATION_VIEW,
        override=NOT_TENANT_SEERS,
    ),
    Row(
        "evaluation_evidence",
        _side("evidence", "evaluation_evidence"),
        allowed=EVALUATION_VIEW,
        override=NOT_TENANT_SEERS,
    ),
    Row(
        "evaluation_objections",
        _list("evaluation_objections"),
        allowed=EVALUATION_VIEW,
        scope="none",
    ),
    Row(
        "evaluation_objection_raise",
        _objection_target,
        methods=("POST",),
        allowed=EVALUATION_RESPOND,
        data=lambda w, side: {"score": "", "reasons": "评分未考虑疫情影响"},
    ),
    Row(
        "evaluation_objection_resolve",
        _side("objections", "evaluation_objection_resolve"),
        methods=("POST",),
        allowed=EVALUATION_MANAGE,
        override=NOT_TENANT_SEERS,
        data=lambda w, side: {"upheld": "0", "resolution": "核实缴费记录无误。"},
    ),
    Row("public_ranking", _list("public_ranking"), fixed={"*": 200}),
    Row("portal_evaluation", _list("portal_evaluation"), fixed=PORTAL),
    Row(
        "portal_evaluation_object",
        lambda w, side, role: _r("portal_evaluation_object", _w(w)["cards"]["in"].pk),
        methods=("POST",),
        fixed={"alice": 302, "anonymous": 302, "*": 404},
        data=lambda w, side: {"score": "", "reasons": "家庭成员变动未计入"},
    ),
]
