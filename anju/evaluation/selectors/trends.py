"""One indicator over time, for every party of its kind the viewer may see: the
district-wide roles see every party, the others their own organisation (and a street
its communities), as `Evaluation.objects.visible_to` says. Values are the Score rows
of disclosed and published periods; the target is the scheme's, period by period.
Tenant households are not drawn: ninety thousand lines say nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from ..models import ORGANISATION_PARTIES, Evaluation, Indicator, Period, Score
from .party_dashboards import SHOWN_PERIODS


def indicator_choices(user):
    """The organisations' indicators that have a value the user may see."""
    seen = Score.objects.filter(
        line__indicator=OuterRef("pk"),
        evaluation__in=Evaluation.objects.visible_to(user),
        evaluation__period__status__in=SHOWN_PERIODS,
    )
    return (
        Indicator.objects.filter(party_kind__in=ORGANISATION_PARTIES)
        .filter(Exists(seen))
        .order_by("party_kind", "sort", "code")
    )


@dataclass
class PartyLine:
    organisation_id: int
    name: str
    values: list[float | None] = field(default_factory=list)


@dataclass
class Trend:
    indicator: Indicator
    periods: list[Period]
    targets: list[float | None]
    parties: list[PartyLine]

    def as_chart(self) -> dict:
        return {
            "indicator": self.indicator.name,
            "unit": self.indicator.get_unit_display(),
            "periods": [p.name for p in self.periods],
            "targets": self.targets,
            "parties": [{"name": p.name, "values": p.values} for p in self.parties],
        }


def _float(value) -> float | None:
    return None if value is None else float(value)


def indicator_trend(user, indicator: Indicator) -> Trend:
    rows = list(
        Score.objects.filter(
            line__indicator=indicator,
            evaluation__in=Evaluation.objects.visible_to(user),
            evaluation__period__status__in=SHOWN_PERIODS,
            evaluation__organisation__isnull=False,
        )
        .order_by()
        .values(
            "evaluation__period_id",
            "evaluation__organisation_id",
            "evaluation__organisation__name",
            "value",
            "line__target",
        )
    )
    period_ids = {r["evaluation__period_id"] for r in rows}
    periods = list(Period.objects.filter(pk__in=period_ids).order_by("starts_on", "kind", "id"))
    column = {p.pk: i for i, p in enumerate(periods)}
    targets: list[float | None] = [None] * len(periods)
    parties: dict[int, PartyLine] = {}
    for r in rows:
        i = column[r["evaluation__period_id"]]
        targets[i] = _float(r["line__target"])
        org = r["evaluation__organisation_id"]
        line = parties.get(org)
        if line is None:
            line = parties[org] = PartyLine(
                org, r["evaluation__organisation__name"], [None] * len(periods)
            )
        line.values[i] = _float(r["value"])
    ordered = sorted(parties.values(), key=lambda p: p.name)
    return Trend(indicator=indicator, periods=periods, targets=targets, parties=ordered)
