"""Reads of the exits dashboard, for the authority and the operators: the cases in each
stage, the steps whose deadline has passed (with who acts next), the households
overstaying at market rent with what has been billed to them, and how many days pass
from the decision to an empty unit, per estate and per reason.

Every figure is counted or summed by the database (one grouped query each), over the
cases the user may see (`ExitCase.objects.visible_to`), so the page asks the same
number of queries for ten cases or a hundred thousand.

Days from the decision to the handover: a date difference is an integer on PostgreSQL
(date − date) but goes through a Python function on SQLite (Django's
`django_timestamp_diff`, in microseconds), and `Avg` over it does not agree on both.
`DaysBetween` writes the difference in each database's own SQL (`julianday` on
SQLite), an integer number of days on both; the queries `Sum` it and count the cases,
and the average is the exact quotient, rounded here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Concat, RowNumber
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.tenancy.models import Bill, BillKind, BillStatus

from ..models import FINISHED, ExitCase, ExitReason, Stage

# The stages in the order a case walks them.
STAGE_ORDER = [
    Stage.OPEN,
    Stage.DECIDED,
    Stage.MOVING,
    Stage.OVERSTAY,
    Stage.LITIGATION,
    Stage.HANDED_OVER,
    Stage.CLOSED,
    Stage.WITHDRAWN,
]
LIVE_STAGES = [s for s in STAGE_ORDER if s not in FINISHED]

AUTHORITY = "authority"
OPERATOR = "operator"
COURT = "court"
ACTORS = {
    AUTHORITY: pgettext_lazy("acts next", "Authority"),
    OPERATOR: pgettext_lazy("acts next", "Operator"),
    COURT: pgettext_lazy("acts next", "Court"),
}
# Who must act when a stage's deadline passes: the authority decides and issues the
# notice; the operator takes the unit back and settles the deposit; the court hears
# and enforces. (An overstay at market rent has no deadline: it is billed monthly.)
NEXT_ACTOR = {
    Stage.OPEN: AUTHORITY,
    Stage.DECIDED: AUTHORITY,
    Stage.MOVING: OPERATOR,
    Stage.OVERSTAY: OPERATOR,
    Stage.LITIGATION: COURT,
    Stage.HANDED_OVER: OPERATOR,
}
# What the deadline of each stage is for.
STEP_DUE = {
    Stage.OPEN: _("Decision due"),
    Stage.DECIDED: _("Vacate notice due"),
    Stage.MOVING: _("Moving period over, unit not handed back"),
    Stage.OVERSTAY: _("Overstay step due"),
    Stage.LITIGATION: _("Court step due"),
    Stage.HANDED_OVER: _("Deposit settlement due"),
}

# What a row of the overdue and overstay lists shows (the rest is not read: narrow
# rows keep the window's sort small).
ROW_FIELDS = (
    "number",
    "stage",
    "reason",
    "due_on",
    "overstay_from",
    "market_rent",
    "household__number",
    "household__head__name",
    "unit__code",
    "estate__name",
)
OVERDUE_SHOWN = 20  # oldest overdue cases listed per stage; the case list has the rest
OVERSTAYS_SHOWN = 50
TENTH = Decimal("0.1")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cases_for(user, *, estate=None) -> QuerySet[ExitCase]:
    """The exit cases the user may see, optionally of one estate."""
    cases = ExitCase.objects.visible_to(user)
    if estate is not None:
        cases = cases.filter(estate=estate)
    return cases


# --- Cases by stage ----------------------------------------------------------------------


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    count: int
    overdue: int
    live: bool


def stage_counts(cases: QuerySet[ExitCase], *, today: datetime.date) -> list[StageCount]:
    """Every stage with its number of cases and, for live stages, how many of them are
    past their deadline: one grouped query."""
    rows = {
        row["stage"]: row
        for row in cases.order_by()
        .values("stage")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))
    }
    return [
        StageCount(
            stage=stage,
            label=str(stage.label),
            count=rows.get(stage, {}).get("n", 0),
            overdue=0 if stage in FINISHED else rows.get(stage, {}).get("late", 0),
            live=stage not in FINISHED,
        )
        for stage in STAGE_ORDER
    ]


# --- Overdue steps -----------------------------------------------------------------------


@dataclass
class OverdueGroup:
    stage: str
    label: str
    step: str
    actor: str
    actor_label: str
    count: int
    cases: list = field(default_factory=list)  # ExitCase with .days_overdue, oldest first

    @property
    def more(self) -> int:
        return self.count - len(self.cases)


def overdue_steps(
    cases: QuerySet[ExitCase],
    *,
    today: datetime.date,
    counts: list[StageCount],
    per_stage: int = OVERDUE_SHOWN,
) -> list[OverdueGroup]:
    """Live cases whose deadline (`due_on`) is before `today`, grouped by stage in the
    order of the workflow, the longest overdue first; at most `per_stage` of each (one
    query: a window numbers the cases within their stage). `counts` (from
    `stage_counts`) gives each group's full number."""
    ranked = (
        cases.exclude(stage__in=FINISHED)
        .filter(due_on__lt=today)
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("stage")],
                order_by=[F("due_on").asc(), F("pk").asc()],
            )
        )
        .filter(place__lte=per_stage)
        .select_related("household__head", "unit", "estate")
        .only(*ROW_FIELDS)
        .order_by("due_on", "pk")
    )
    groups = {
        c.stage: OverdueGroup(
            stage=c.stage,
            label=c.label,
            step=str(STEP_DUE[Stage(c.stage)]),
            actor=NEXT_ACTOR[Stage(c.stage)],
            actor_label=str(ACTORS[NEXT_ACTOR[Stage(c.stage)]]),
            count=c.overdue,
        )
        for c in counts
        if c.live and c.overdue
    }
    for case in ranked:
        case.days_overdue = (today - case.due_on).days
        group = groups.get(case.stage)
        if group is not None:
            group.cases.append(case)
    return [groups[s] for s in LIVE_STAGES if s in groups]


# --- Households overstaying --------------------------------------------------------------


def _exit_bills() -> Q:
    """Bills raised by exit cases (source key "exit:…"), in a form each database's
    index on the key serves: PostgreSQL's pattern index takes the LIKE; SQLite's
    LIKE ignores case and reads the whole table, but its binary order makes the key
    range exact. (The range alone would be wrong under a linguistic collation, which
    may sort the colon as nothing.)"""
    q = Q(source_key__startswith="exit:")
    if connection.vendor == "sqlite":
        q &= Q(source_key__gte="exit:", source_key__lt="exit;")
    return q


def _overstay_bills():
    """The outer case's market-rent bills (kind OVERSTAY, source key
    "exit:<number>:…"), not cancelled, for a subquery. The lease narrows the search to
    the case's own bills through its index; the key keeps an earlier case of the same
    lease out."""
    return (
        Bill.objects.filter(
            lease_id=OuterRef("lease_id"),
            kind=BillKind.OVERSTAY,
            source_key__startswith=Concat(Value("exit:"), OuterRef("number"), Value(":")),
        )
        .exclude(status=BillStatus.CANCELLED)
        .order_by()
        .values("lease_id")
    )


def _money(expr):
    return Coalesce(
        Subquery(_overstay_bills().annotate(total=Sum(expr)).values("total")[:1]),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def overstay_bills_of(cases: QuerySet[ExitCase]) -> QuerySet[Bill]:
    """The market-rent bills, not cancelled, of the given cases: read from the bills'
    side (the exit bills through the key's index, each checked against its case), so
    the sums over thousands of overstays are one pass rather than a lookup per case."""
    own_case = cases.filter(lease_id=OuterRef("lease_id")).filter(
        StartsWith(OuterRef("source_key"), Concat(Value("exit:"), F("number"), Value(":")))
    )
    return (
        Bill.objects.filter(_exit_bills(), kind=BillKind.OVERSTAY)
        .exclude(status=BillStatus.CANCELLED)
        .filter(Exists(own_case))
    )


@dataclass
class Overstays:
    count: int
    billed: Decimal
    paid: Decimal
    cases: list  # ExitCase with .billed, .paid, .days_over, the earliest first

    @property
    def more(self) -> int:
        return self.count - len(self.cases)


def overstays(
    cases: QuerySet[ExitCase],
    *,
    today: datetime.date,
    count: int | None = None,
    shown: int = OVERSTAYS_SHOWN,
) -> Overstays:
    """Households still in the unit after their moving period on the market-rent track
    (stage OVERSTAY), the longest first, with the market rent billed so far and what of
    it was paid; and the totals over all of them. `count`, the number of such cases,
    when the caller has it (`stage_counts`), saves a query."""
    staying = cases.filter(stage=Stage.OVERSTAY)
    if count is None:
        count = staying.count()
    totals = overstay_bills_of(staying).aggregate(billed=Sum("amount"), paid=Sum("settled"))
    # The longest first, picked before the joins and the sums (a sort of the cases
    # alone), then read with their household, unit, estate and bills.
    first = staying.order_by(F("overstay_from").asc(nulls_last=True), "pk").values("pk")[:shown]
    rows = list(
        cases.filter(pk__in=first)
        .annotate(billed=_money("amount"), paid=_money("settled"))
        .select_related("household__head", "unit", "estate")
        .only(*ROW_FIELDS)
        .order_by(F("overstay_from").asc(nulls_last=True), "pk")
    )
    for case in rows:
        case.days_over = (today - case.overstay_from).days + 1 if case.overstay_from else None
        case.billed, case.paid = case.billed.quantize(CENT), case.paid.quantize(CENT)
    return Overstays(
        count=count,
        billed=(totals["billed"] or ZERO).quantize(CENT),
        paid=(totals["paid"] or ZERO).quantize(CENT),
        cases=rows,
    )


# --- From the decision to an empty unit ------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """The cases of one estate or reason handed over in the year, and the days from
    their decision to the handover."""

    key: str
    label: str
    cases: int
    total_days: int
    longest: int

    @property
    def average(self) -> Decimal | None:
        if not self.cases:
            return None
        return (Decimal(self.total_days) / self.cases).quantize(TENTH, ROUND_HALF_UP)


@dataclass
class DecisionToEmpty:
    year: int
    overall: Span
    by_estate: list[Span]
    by_reason: list[Span]


class DaysBetween(Func):
    """`end` − `start`, two dates, in whole days, in each database's own SQL: date −
    date on PostgreSQL, the difference of the Julian day numbers on SQLite."""

    arity = 2
    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def handed_over_in(cases: QuerySet[ExitCase], year: int) -> QuerySet[ExitCase]:
    """Cases whose keys came back in `year`, with a decision to count from (a range on
    the date, so the index serves it)."""
    return cases.filter(
        handed_over_on__gte=datetime.date(year, 1, 1),
        handed_over_on__lte=datetime.date(year, 12, 31),
        decided_on__isnull=False,
    )


def decision_to_empty(cases: QuerySet[ExitCase], *, year: int) -> DecisionToEmpty:
    """Per estate, per reason and overall: how many cases were handed over in `year`
    and the days from their decision (`decided_on`) to the empty unit
    (`handed_over_on`): total, average and longest. Three grouped queries."""
    done = handed_over_in(cases, year).order_by()
    span = DaysBetween("handed_over_on", "decided_on")
    sums = {"n": Count("pk"), "total": Sum(span), "longest": Max(span)}

    def make(key, label, row) -> Span:
        return Span(
            key=str(key),
            label=str(label),
            cases=row["n"] or 0,
            total_days=row["total"] or 0,
            longest=row["longest"] or 0,
        )

    by_estate = [
        make(row["estate"], f"{row['estate__code']} {row['estate__name']}", row)
        for row in done.values("estate", "estate__code", "estate__name")
        .annotate(**sums)
        .order_by("estate__code")
    ]
    reasons = {row["reason"]: row for row in done.values("reason").annotate(**sums)}
    by_reason = [
        make(reason, reason.label, reasons[reason])
        for reason in ExitReason
        if reason.value in reasons
    ]
    overall = make("", _("All cases"), done.aggregate(**sums))
    return DecisionToEmpty(year=year, overall=overall, by_estate=by_estate, by_reason=by_reason)


def handover_years(cases: QuerySet[ExitCase], *, today: datetime.date) -> list[int]:
    """The years from the first handover to the last (this year always in), newest
    first: one aggregate over the date's index."""
    span = cases.aggregate(first=Min("handed_over_on"), last=Max("handed_over_on"))
    first = min(span["first"].year if span["first"] else today.year, today.year)
    last = max(span["last"].year if span["last"] else today.year, today.year)
    return list(range(last, first - 1, -1))


def chart_data(result: DecisionToEmpty) -> dict:
    """What the bar charts draw (the same numbers as the tables)."""

    def series(spans):
        return {
            "labels": [s.label for s in spans],
            "average": [float(s.average) if s.average is not None else None for s in spans],
            "cases": [s.cases for s in spans],
            "longest": [s.longest for s in spans],
        }

    return {
        "estates": series(result.by_estate),
        "reasons": series(result.by_reason),
        "labels": {
            "average": str(_("Average days")),
            "cases": str(_("Cases")),
            "longest": str(_("Longest (days)")),
        },
    }


# --- The whole dashboard -------------------------------------------------------------------


@dataclass
class Dashboard:
    today: datetime.date
    stages: list[StageCount]
    overdue: list[OverdueGroup]
    overstays: Overstays
    spans: DecisionToEmpty

    @property
    def live(self) -> int:
        return sum(s.count for s in self.stages if s.live)

    @property
    def overdue_total(self) -> int:
        return sum(s.overdue for s in self.stages)


def dashboard(
    user, *, year: int | None = None, estate=None, today: datetime.date | None = None
) -> Dashboard:
    today = today or timezone.localdate()
    cases = cases_for(user, estate=estate)
    stages = stage_counts(cases, today=today)
    return Dashboard(
        today=today,
        stages=stages,
        overdue=overdue_steps(cases, today=today, counts=stages),
        overstays=overstays(
            cases, today=today, count=next(c.count for c in stages if c.stage == Stage.OVERSTAY)
        ),
        spans=decision_to_empty(cases, year=year or today.year),
    )
