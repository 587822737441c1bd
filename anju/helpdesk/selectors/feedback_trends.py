"""Reports of feedback for the authority.

Rising topics (flexible feedback, 灵活反馈): for a chosen month, how much feedback each
estate gave on each topic against the monthly average of the months before it, flagged
when it is notably higher, with a few of the month's texts to read, so that a policy
can be changed (many ageing tenants asking to move to a lower floor, say).

Feedback by topic and organisation: per organisation and topic, how much came, how much
of it was acknowledged and answered in time, the average rating and the escalations.
Feedback counts against the organisation it was routed or passed on to, not the one an
escalation moved it to: the escalation is the sign of that organisation's lapse. The
evaluation of the authority's partners reads this report.

Every figure is counted by the database, grouped, over the feedback the user may see;
nothing loops over feedback rows in Python."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from anju.core.models import Organisation
from anju.housing.models import Estate

from ..models import Feedback, FeedbackStep, FeedbackStepKind, FeedbackTopic
from .feedback import month_bounds

TENTH = Decimal("0.1")
SAMPLES = 3  # texts shown per rising estate and topic


def add_months(month: datetime.date, months: int) -> datetime.date:
    year, month0 = divmod(month.year * 12 + month.month - 1 + months, 12)
    return datetime.date(year, month0 + 1, 1)


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(TENTH, ROUND_HALF_UP)


# --- Rising topics --------------------------------------------------------------------------


@dataclass
class TrendRow:
    estate: Estate | None  # None: the whole district (all estates shown)
    topic: str
    count: int  # in the month chosen
    before: int  # in the months before it, together
    months_before: int
    rising: bool
    samples: list[str] = field(default_factory=list)

    @property
    def topic_label(self) -> str:
        return str(FeedbackTopic(self.topic).label)

    @property
    def average(self) -> Decimal:
        return (Decimal(self.before) / self.months_before).quantize(TENTH, ROUND_HALF_UP)

    @property
    def ratio(self) -> Decimal | None:
        if not self.before:
            return None
        return (self.count / self.average).quantize(TENTH, ROUND_HALF_UP) if self.average else None


@dataclass
class Trends:
    month: datetime.date
    months_before: int
    min_count: int
    factor: Decimal
    by_estate: list[TrendRow]
    by_topic: list[TrendRow]  # the district: every estate shown together

    @property
    def rising(self) -> list[TrendRow]:
        return [row for row in self.by_estate if row.rising]


def _trend_rows(rows: QuerySet, start, *, min_count: int, factor: Decimal, months_before: int):
    """Count each group in the month and before it, and flag the rising ones, in the
    query: `count × months_before × q ≥ before × p` with the factor written p/q, so that
    the comparison is exact integer arithmetic in every database."""
    ratio = Fraction(factor).limit_denominator(100)
    return (
        rows.annotate(
            count=Count("pk", filter=Q(received_at__gte=start)),
            before=Count("pk", filter=Q(received_at__lt=start)),
        )
        .annotate(
            scaled_count=F("count") * months_before * ratio.denominator,
            scaled_before=F("before") * ratio.numerator,
        )
        .annotate(
            rising=Case(
                When(
                    Q(count__gte=min_count) & Q(scaled_count__gte=F("scaled_before")),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .filter(count__gt=0)
    )


def rising_topics(
    user,
    *,
    month: datetime.date,
    min_count: int = 3,
    factor: Decimal = Decimal("1.5"),
    months_before: int = 3,
) -> Trends:
    """Feedback per estate and topic in `month` against the monthly average of the
    `months_before` months before it. A group is rising when it has at least
    `min_count` this month and at least `factor` times the average. Feedback that
    names no estate counts only in the district's rows."""
    month = month.replace(day=1)
    start, end = month_bounds(month)
    first, _ = month_bounds(add_months(month, -months_before))
    seen = Feedback.objects.visible_to(user).filter(received_at__gte=first, received_at__lt=end)
    options: dict[str, Any] = {
        "min_count": min_count,
        "factor": factor,
        "months_before": months_before,
    }
    by_estate = list(
        _trend_rows(
            seen.filter(estate__isnull=False).values("estate", "topic"), start, **options
        ).order_by("-rising", "-count", "estate", "topic")
    )
    by_topic = list(
        _trend_rows(seen.values("topic"), start, **options).order_by("-rising", "-count", "topic")
    )
    estates = Estate.objects.in_bulk({row["estate"] for row in by_estate})
    rows = [
        TrendRow(
            estate=estates[row["estate"]],
            topic=row["topic"],
            count=row["count"],
            before=row["before"],
            months_before=months_before,
            rising=row["rising"],
        )
        for row in by_estate
    ]
    _add_samples([row for row in rows if row.rising], seen, start, end)
    return Trends(
        month=month,
        months_before=months_before,
        min_count=min_count,
        factor=factor,
        by_estate=rows,
        by_topic=[
            TrendRow(
                estate=None,
                topic=row["topic"],
                count=row["count"],
                before=row["before"],
                months_before=months_before,
                rising=row["rising"],
            )
            for row in by_topic
        ],
    )


def _add_samples(rows: list[TrendRow], seen: QuerySet, start, end) -> None:
    """The latest few texts of the month for each rising estate and topic, in one query
    (a window numbers each group's feedback, newest first)."""
    if not rows:
        return
    wanted = Q()
    for row in rows:
        wanted |= Q(estate=row.estate, topic=row.topic)
    texts = (
        seen.filter(wanted, received_at__gte=start, received_at__lt=end)
        .annotate(
            n=Window(
                RowNumber(),
                partition_by=[F("estate"), F("topic")],
                order_by=[F("received_at").desc(), F("id").desc()],
            )
        )
        .filter(n__lte=SAMPLES)
        .values_list("estate", "topic", "text")
    )
    by_group = {(row.estate.pk, row.topic): row for row in rows if row.estate}
    for estate_id, topic, text in texts:
        by_group[(estate_id, topic)].samples.append(text)


# --- By topic and organisation ----------------------------------------------------------------


@dataclass
class OrgTopicRow:
    organisation: Organisation
    topic: str | None  # None: every topic of the organisation together
    count: int = 0
    acknowledge_due: int = 0
    acknowledged_on_time: int = 0
    answer_due: int = 0
    answered_on_time: int = 0
    rated: int = 0
    rating_sum: int = 0
    escalated: int = 0  # feedback escalated at least once
    escalations: int = 0  # levels gone up, all together

    @property
    def topic_label(self) -> str:
        return str(FeedbackTopic(self.topic).label) if self.topic else ""

    @property
    def acknowledged_rate(self) -> Decimal | None:
        return _rate(self.acknowledged_on_time, self.acknowledge_due)

    @property
    def answered_rate(self) -> Decimal | None:
        return _rate(self.answered_on_time, self.answer_due)

    @property
    def average_rating(self) -> Decimal | None:
        if not self.rated:
            return None
        return (Decimal(self.rating_sum) / self.rated).quantize(TENTH, ROUND_HALF_UP)

    def add(self, other: OrgTopicRow) -> None:
        for name in COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNTED = (
    "count",
    "acknowledge_due",
    "acknowledged_on_time",
    "answer_due",
    "answered_on_time",
    "rated",
    "rating_sum",
    "escalated",
    "escalations",
)


@dataclass
class OrgReport:
    start: datetime.date
    end: datetime.date  # the last month, inclusive
    organisations: list[OrgTopicRow]  # one total per organisation, most feedback first
    rows: list[OrgTopicRow]  # per organisation and topic
    total: OrgTopicRow


def routed_to() -> Subquery:
    """The organisation feedback was routed or last passed on to."""
    return Subquery(
        FeedbackStep.objects.filter(
            feedback=OuterRef("pk"),
            kind__in=[FeedbackStepKind.RECEIVED, FeedbackStepKind.PASSED_ON],
        )
        .order_by("-at", "-id")
        .values("to_org")[:1]
    )


def feedback_by_topic_and_organisation(
    user,
    *,
    start: datetime.date,
    end: datetime.date,
    now: datetime.datetime | None = None,
) -> OrgReport:
    """Feedback received from the month of `start` to the month of `end` (inclusive)
    that the user sees, per organisation it was routed to and topic: how much, the
    share acknowledged and answered by their deadlines (of those whose deadline has
    come, or that were dealt with before it), the average rating and the escalations."""
    now = now or timezone.now()
    first, _ = month_bounds(start)
    _, after = month_bounds(end)
    grouped = (
        Feedback.objects.visible_to(user)
        .filter(received_at__gte=first, received_at__lt=after)
        .annotate(
            routed_to=Coalesce(routed_to(), F("organisation_id"), output_field=IntegerField())
        )
        .values("routed_to", "topic")
        .annotate(
            count=Count("pk"),
            acknowledge_due=Count(
                "pk", filter=Q(acknowledged_at__isnull=False) | Q(acknowledge_by__lte=now)
            ),
            acknowledged_on_time=Count(
                "pk",
                filter=Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("acknowledge_by")),
            ),
            answer_due=Count("pk", filter=Q(answered_at__isnull=False) | Q(answer_by__lte=now)),
            answered_on_time=Count(
                "pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("answer_by"))
            ),
            rated=Count("rating"),
            rating_sum=Sum("rating", default=0),
            escalated=Count("pk", filter=Q(level__gt=0)),
            escalations=Sum("level", default=0),
        )
        .order_by("routed_to", "topic")
    )
    grouped_rows = list(grouped)
    orgs = Organisation.objects.in_bulk({row["routed_to"] for row in grouped_rows})
    rows = [
        OrgTopicRow(
            organisation=orgs[row["routed_to"]],
            topic=row["topic"],
            **{name: row[name] or 0 for name in COUNTED},
        )
        for row in grouped_rows
    ]
    totals: dict[int, OrgTopicRow] = {}
    total = OrgTopicRow(organisation=Organisation(name=""), topic=None)
    for row in rows:  # the grouped rows, at most organisations × topics
        totals.setdefault(row.organisation.pk, OrgTopicRow(row.organisation, None)).add(row)
        total.add(row)
    organisations = sorted(totals.values(), key=lambda r: (-r.count, r.organisation.name))
    order = {org.organisation.pk: i for i, org in enumerate(organisations)}
    rows.sort(key=lambda r: (order[r.organisation.pk], -r.count, r.topic or ""))
    return OrgReport(
        start=start.replace(day=1),
        end=end.replace(day=1),
        organisations=organisations,
        rows=rows,
        total=total,
    )
