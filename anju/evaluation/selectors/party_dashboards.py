"""One organisation's dashboard: its latest scorecard (total, grade, rank of how
many), its grades over the periods, each indicator's value against its target period
by period, its open consequences with their deadlines, and its pending objections.

Everything is read through `Evaluation.objects.visible_to(user)` and its siblings: a
viewer who may not see the organisation's scorecards does not see the organisation.
Only disclosed and published periods are shown (an open period's scores are still
being computed; its page is the authority's); the latest scorecard is the latest
published one, a disclosed period's total is a draft."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from anju.core.models import Organisation

from ..models import (
    OPEN_CONSEQUENCES,
    Consequence,
    Evaluation,
    Objection,
    ObjectionStatus,
    PartyKind,
    PeriodStatus,
    Score,
)

SHOWN_PERIODS = (PeriodStatus.DISCLOSED, PeriodStatus.PUBLISHED)


def organisation_for(user, pk) -> Organisation:
    """The organisation whose scorecards `user` may see, else 404 (also for one never
    evaluated)."""
    seen = Evaluation.objects.visible_to(user).filter(organisation_id=pk)
    organisation = Organisation.objects.filter(pk=pk, pk__in=seen.values("organisation_id")).first()
    if organisation is None:
        raise Http404
    return organisation


def own_organisation_id(user) -> int | None:
    """The user's organisation, when it is evaluated and theirs to see."""
    org = user.organisation_id
    if org and Evaluation.objects.visible_to(user).filter(organisation_id=org).exists():
        return org
    return None


def chart_labels() -> dict:
    """The words the pages' charts draw, in the reader's language."""
    return {"value": _("Value"), "target": _("Target"), "total": pgettext("evaluation", "Score")}


def scorecard_url(evaluation_id: int) -> str | None:
    """H2's scorecard page, while it may not exist yet."""
    try:
        return reverse("evaluation_scorecard", args=[evaluation_id])
    except NoReverseMatch:
        return None


@dataclass
class Card:
    """One period's scorecard in the grade history."""

    evaluation: Evaluation
    of: int  # parties of the same kind scored in the period
    url: str | None

    @property
    def period(self):
        return self.evaluation.period

    @property
    def is_final(self) -> bool:
        return self.evaluation.period.status == PeriodStatus.PUBLISHED


@dataclass
class IndicatorTrend:
    code: str
    name: str
    unit: str
    direction: str
    periods: list[str] = field(default_factory=list)
    values: list[float | None] = field(default_factory=list)
    targets: list[float | None] = field(default_factory=list)
    scores: list[float | None] = field(default_factory=list)

    def as_chart(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "periods": self.periods,
            "values": self.values,
            "targets": self.targets,
        }


@dataclass
class Dashboard:
    organisation: Organisation
    party_kind: str
    latest: Card | None
    history: list[Card]
    trends: list[IndicatorTrend]
    consequences: list[Consequence]
    objections: list[Objection]
    today: datetime.date

    @property
    def party_kind_label(self) -> str:
        return str(PartyKind(self.party_kind).label) if self.party_kind else ""

    @property
    def overdue(self) -> int:
        return sum(1 for c in self.consequences if c.is_overdue(self.today))

    def chart(self) -> dict:
        return {
            "history": {
                "periods": [c.period.name for c in self.history],
                "totals": [_float(c.evaluation.total) for c in self.history],
                "grades": [c.evaluation.grade for c in self.history],
            },
            "indicators": [t.as_chart() for t in self.trends],
        }


def _float(value) -> float | None:
    return None if value is None else float(value)


def _history(evaluations) -> list[Card]:
    evaluations = list(evaluations)
    sizes = {
        (row["period_id"], row["party_kind"]): row["n"]
        for row in Evaluation.objects.filter(
            period_id__in={e.period_id for e in evaluations},
            party_kind__in={e.party_kind for e in evaluations},
        )
        .order_by()
        .values("period_id", "party_kind")
        .annotate(n=Count("pk", filter=Q(total__isnull=False)))
    }
    return [
        Card(e, sizes.get((e.period_id, e.party_kind), 0), scorecard_url(e.pk)) for e in evaluations
    ]


def indicator_trends(evaluations) -> list[IndicatorTrend]:
    """Per indicator, its value and target in each disclosed or published period of
    `evaluations` (one party's), oldest first."""
    scores = (
        Score.objects.filter(
            evaluation__in=evaluations, evaluation__period__status__in=SHOWN_PERIODS
        )
        .select_related("line__indicator", "evaluation__period")
        .order_by("line__indicator__sort", "line__indicator__code", "evaluation__period__starts_on")
    )
    trends: dict[int, IndicatorTrend] = {}
    for score in scores:
        indicator = score.line.indicator
        trend = trends.get(indicator.pk)
        if trend is None:
            trend = trends[indicator.pk] = IndicatorTrend(
                code=indicator.code,
                name=indicator.name,
                unit=indicator.get_unit_display(),
                direction=indicator.direction,
            )
        trend.periods.append(score.evaluation.period.name)
        trend.values.append(_float(score.value))
        trend.targets.append(_float(score.line.target))
        trend.scores.append(_float(score.score))
    return list(trends.values())


def party_dashboard(user, organisation: Organisation, *, today: datetime.date) -> Dashboard:
    evaluations = (
        Evaluation.objects.visible_to(user)
        .filter(organisation=organisation, period__status__in=SHOWN_PERIODS)
        .select_related("period")
        .order_by("period__starts_on", "period__kind", "id")
    )
    history = _history(evaluations)
    published = [c for c in history if c.is_final]
    consequences = list(
        Consequence.objects.visible_to(user)
        .filter(evaluation__organisation=organisation, state__in=OPEN_CONSEQUENCES)
        .select_related("evaluation__period")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )
    objections = list(
        Objection.objects.filter(evaluation__in=evaluations, status=ObjectionStatus.PENDING)
        .select_related("evaluation__period", "score__line__indicator", "raised_by")
        .order_by("raised_at", "id")
    )
    return Dashboard(
        organisation=organisation,
        party_kind=history[-1].evaluation.party_kind if history else "",
        latest=published[-1] if published else None,
        history=history,
        trends=indicator_trends(evaluations),
        consequences=consequences,
        objections=objections,
        today=today,
    )
