"""Hand-built evaluation periods for the dashboards' tests and matrix rows: every
organisation of the cast scored in four quarters of `year` (two published, one
disclosed, one open), with one indicator per party kind, consequences and an
objection. Built with the ORM: the computing and publishing services are tested on
their own; here only what they leave behind matters.

The numbers, per quarter (Q1 and Q2 published, Q3 disclosed, Q4 open):

    party          Q1           Q2           Q3 (draft)   Q4 (open)
    property_1     85.00 good 2 72.00 pass 1 88.00        90.00
    property_2     92.00 exc. 1 55.00 fail 2 61.00        70.00
    operator_1     81.00 good 1 79.00 pass 2 80.00        —
    operator_2     70.00 pass 2 83.00 good 1 82.00        —
    street_a/b, community_a/b: 75/65, 80/60 every quarter.

A score's value is the total (one indicator of weight 1, target 95, nought at 60), so
that the trend lines are easy to read. Consequences: P2's Q2 fail raised a
rectification due 10 days before `today` (overdue) and a warning; P1's Q2 pass a
rectification due 10 days after `today`; P1's Q1 one rectification, done. O1 has a
pending objection to its Q3 draft score."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from anju.evaluation.models import (
    Consequence,
    ConsequenceKind,
    ConsequenceRule,
    ConsequenceState,
    Evaluation,
    Grade,
    Indicator,
    IndicatorUnit,
    Objection,
    PartyKind,
    Period,
    PeriodKind,
    PeriodStatus,
    Scheme,
    SchemeLine,
    Score,
)

D = Decimal
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
STATUSES = (
    PeriodStatus.PUBLISHED,
    PeriodStatus.PUBLISHED,
    PeriodStatus.DISCLOSED,
    PeriodStatus.OPEN,
)
TOTALS = {
    "property_1": (85, 72, 88, 90),
    "property_2": (92, 55, 61, 70),
    "operator_1": (81, 79, 80, None),
    "operator_2": (70, 83, 82, None),
    "street_a": (75, 75, 75, None),
    "street_b": (65, 65, 65, None),
    "community_a": (80, 80, 80, None),
    "community_b": (60, 60, 60, None),
}
KIND_OF = {
    "property": PartyKind.PROPERTY,
    "operator": PartyKind.OPERATOR,
    "street": PartyKind.STREET,
    "community": PartyKind.COMMUNITY,
}
INDICATOR_NAMES = {
    PartyKind.PROPERTY: ("维修按时完成率", "Repairs done in time"),
    PartyKind.OPERATOR: ("租金收缴率", "Rent collection rate"),
    PartyKind.STREET: ("审核及时率", "Reviews in time"),
    PartyKind.COMMUNITY: ("诉求按时答复率", "Feedback answered in time"),
}


@dataclass
class Built:
    periods: list[Period]
    indicators: dict[str, Indicator]
    evaluations: dict[tuple[str, int], Evaluation]  # (cast name, quarter index)
    consequences: dict[str, Consequence] = field(default_factory=dict)
    objection: Objection | None = None


def _grade(scheme: Scheme, total) -> str:
    return scheme.grade_for(D(total)) if total is not None else ""


def build_evaluations(cast, *, year: int, today: datetime.date, prefix: str = "dash") -> Built:
    officer = cast.users["officer"]
    now = timezone.now()
    indicators, schemes, lines = {}, {}, {}
    for kind, (zh, en) in INDICATOR_NAMES.items():
        indicators[kind] = Indicator.objects.create(
            code=f"{prefix}_{kind}",
            party_kind=kind,
            name_zh=zh,
            name_en=en,
            definition_zh=f"{zh}（测试）",
            unit=IndicatorUnit.PERCENT,
            source="manual",
        )
        schemes[kind] = Scheme.objects.create(
            party_kind=kind,
            period_kind=PeriodKind.QUARTER,
            version=year % 100 + 100,
            effective_from=datetime.date(year, 1, 1),
            source="看板测试",
            published_at=now,
        )
        lines[kind] = SchemeLine.objects.create(
            scheme=schemes[kind],
            indicator=indicators[kind],
            weight=D(1),
            target=D(95),
            zero_at=D(60),
        )
    periods = []
    for i, (quarter, status) in enumerate(zip(QUARTERS, STATUSES, strict=True)):
        start = datetime.date(year, 3 * i + 1, 1)
        end = datetime.date(year + (i == 3), (3 * i + 4) % 12 or 12, 1) - datetime.timedelta(days=1)
        periods.append(
            Period.objects.create(
                name=f"{year}{quarter}",
                kind=PeriodKind.QUARTER,
                starts_on=start,
                ends_on=end,
                status=status,
                opened_by=officer,
                published_at=now if status == PeriodStatus.PUBLISHED else None,
                published_by=officer if status == PeriodStatus.PUBLISHED else None,
            )
        )
    evaluations = {}
    for name, totals in TOTALS.items():
        organisation = getattr(cast, name)
        kind = KIND_OF[name.split("_")[0]]
        for i, total in enumerate(totals):
            if total is None:
                continue
            scheme = schemes[kind]
            final = STATUSES[i] == PeriodStatus.PUBLISHED
            evaluation = Evaluation.objects.create(
                period=periods[i],
                party_kind=kind,
                organisation=organisation,
                scheme=scheme,
                total=D(total),
                grade=_grade(scheme, total) if final else "",
            )
            Score.objects.create(
                evaluation=evaluation, line=lines[kind], value=D(total), score=D(total)
            )
            evaluations[(name, i)] = evaluation
    # Ranks within each period and party kind, highest total first.
    for i in range(4):
        for kind in KIND_OF.values():
            ranked = sorted(
                (e for (n, q), e in evaluations.items() if q == i and e.party_kind == kind),
                key=lambda e: -e.total,
            )
            for rank, e in enumerate(ranked, 1):
                e.rank = rank
                e.save(update_fields=["rank"])
    rules = {
        (kind, grade): ConsequenceRule.objects.create(
            scheme=schemes[PartyKind.PROPERTY], grade=grade, kind=kind, days=30
        )
        for kind, grade in (
            (ConsequenceKind.RECTIFICATION, Grade.FAIL),
            (ConsequenceKind.WARNING, Grade.FAIL),
            (ConsequenceKind.RECTIFICATION, Grade.PASS),
            (ConsequenceKind.RECTIFICATION, Grade.GOOD),
        )
    }
    built = Built(periods=periods, indicators=indicators, evaluations=evaluations)
    day = datetime.timedelta(days=10)
    built.consequences = {
        "p2_overdue": Consequence.objects.create(
            evaluation=evaluations[("property_2", 1)],
            rule=rules[(ConsequenceKind.RECTIFICATION, Grade.FAIL)],
            kind=ConsequenceKind.RECTIFICATION,
            due_on=today - day,
        ),
        "p2_warning": Consequence.objects.create(
            evaluation=evaluations[("property_2", 1)],
            rule=rules[(ConsequenceKind.WARNING, Grade.FAIL)],
            kind=ConsequenceKind.WARNING,
            valid_from=today - day,
        ),
        "p1_soon": Consequence.objects.create(
            evaluation=evaluations[("property_1", 1)],
            rule=rules[(ConsequenceKind.RECTIFICATION, Grade.PASS)],
            kind=ConsequenceKind.RECTIFICATION,
            due_on=today + day,
        ),
        "p1_done": Consequence.objects.create(
            evaluation=evaluations[("property_1", 0)],
            rule=rules[(ConsequenceKind.RECTIFICATION, Grade.GOOD)],
            kind=ConsequenceKind.RECTIFICATION,
            state=ConsequenceState.DONE,
            due_on=today - 3 * day,
            done_by=officer,
            done_at=now,
        ),
    }
    built.objection = Objection.objects.create(
        evaluation=evaluations[("operator_1", 2)],
        score=evaluations[("operator_1", 2)].scores.first(),
        reasons="收缴数据漏计了三月的银行代扣。",
        raised_by=cast.users["operator"],
    )
    return built
