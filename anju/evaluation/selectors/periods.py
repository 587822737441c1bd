"""Reads of evaluation periods and their scorecards, all through the one scoping
choke-point (`Evaluation.objects.visible_to`).

Periods themselves are the authority's calendar, seen by everyone who sees
evaluations; the scorecards in them are scoped. A party sees its scorecard once the
period is disclosed: before that, the scores are a draft only the district-wide roles
(the authority's officers and the auditor) see."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from anju.core.access import get_or_404
from anju.core.scoping import sees_whole_district

from ..models import (
    PUBLICLY_RANKED,
    Evaluation,
    Objection,
    ObjectionStatus,
    PartyKind,
    Period,
    PeriodStatus,
    Score,
    ScoreEvidence,
)
from ..scoping import evaluation_q

SHOWN = (PeriodStatus.DISCLOSED, PeriodStatus.PUBLISHED)


def _shown_q(user, path: str = "", *, staff: bool = True) -> Q:
    """The scoping choke-point, and for a party the period being disclosed. The staff
    pages show a tenant nothing: a tenant's scorecard is on the portal."""
    prefix = f"{path}__" if path else ""
    if staff and not (user.is_authenticated and user.is_staff_user):
        return Q(pk__in=[])
    q = evaluation_q(user, path)
    if not sees_whole_district(user):
        q &= Q(**{f"{prefix}period__status__in": SHOWN})
    return q


def scorecards_for(user):
    return Evaluation.objects.filter(_shown_q(user))


def periods():
    return Period.objects.select_related("job", "opened_by", "published_by")


def find_period(user, pk, **_kwargs) -> Period:
    return get_or_404(periods(), pk=pk)


def find_evaluation(user, pk, **_kwargs) -> Evaluation:
    return get_or_404(
        scorecards_for(user).select_related(
            "period", "scheme", "organisation", "household", "estate"
        ),
        pk=pk,
    )


def find_score(user, pk, **_kwargs) -> Score:
    return get_or_404(
        Score.objects.filter(_shown_q(user, "evaluation")).select_related(
            "evaluation__period",
            "evaluation__organisation",
            "evaluation__household",
            "line__indicator",
            "scored_by",
        ),
        pk=pk,
    )


def find_evidence(user, pk, **_kwargs) -> ScoreEvidence:
    return get_or_404(ScoreEvidence.objects.filter(_shown_q(user, "score__evaluation")), pk=pk)


def find_objection(user, pk, **_kwargs) -> Objection:
    return get_or_404(
        Objection.objects.filter(_shown_q(user, "evaluation")).select_related(
            "evaluation__period", "score__line__indicator"
        ),
        pk=pk,
    )


def kind_counts(period: Period, user) -> list[dict]:
    """Per party kind: the scorecards one sees, how many graded each grade, and how many
    have an objection pending."""
    rows = (
        scorecards_for(user)
        .filter(period=period)
        .values("party_kind")
        .annotate(
            n=Count("pk"),
            excellent=Count("pk", filter=Q(grade="excellent")),
            good=Count("pk", filter=Q(grade="good")),
            passed=Count("pk", filter=Q(grade="pass")),
            fail=Count("pk", filter=Q(grade="fail")),
        )
    )
    by_kind = {row["party_kind"]: row for row in rows}
    pending = dict(
        Objection.objects.filter(
            _shown_q(user, "evaluation"),
            evaluation__period=period,
            status=ObjectionStatus.PENDING,
        )
        .values_list("evaluation__party_kind")
        .annotate(n=Count("pk"))
    )
    out = []
    for kind, label in PartyKind.choices:
        if kind in by_kind:
            out.append({**by_kind[kind], "label": label, "pending": pending.get(kind, 0)})
    return out


def scorecards(period: Period, user, *, party_kind: str = "", grade: str = ""):
    """The ranked scorecards of `period` one sees, best first."""
    rows = (
        scorecards_for(user)
        .filter(period=period)
        .select_related("organisation", "household", "estate")
        .annotate(
            pending=Exists(
                Objection.objects.filter(evaluation=OuterRef("pk"), status=ObjectionStatus.PENDING)
            ),
            objections_n=Count("objections"),
        )
    )
    if party_kind:
        rows = rows.filter(party_kind=party_kind)
    if grade == "none":
        rows = rows.filter(grade="")
    elif grade:
        rows = rows.filter(grade=grade)
    return rows.order_by("party_kind", "rank", "pk")


def objections_for(user, *, status: str = ""):
    """The objections one sees, pending first, the oldest pending first."""
    rows = Objection.objects.filter(_shown_q(user, "evaluation")).select_related(
        "evaluation__period",
        "evaluation__organisation",
        "evaluation__household",
        "score__line__indicator",
        "raised_by",
        "resolved_by",
    )
    if status:
        rows = rows.filter(status=status)
    # "pending" sorts before "rejected" and "upheld".
    return rows.order_by("status", "raised_at", "pk")


def public_ranking():
    """The published periods, each with its operators' and property companies' ranks:
    [(period, {party_kind: [evaluations]})]. Nothing else leaves the building."""
    published = list(Period.objects.filter(status=PeriodStatus.PUBLISHED).order_by("-starts_on"))
    rows = (
        Evaluation.objects.filter(
            period__in=published, party_kind__in=PUBLICLY_RANKED, organisation__isnull=False
        )
        .select_related("organisation")
        .only("period_id", "party_kind", "total", "grade", "rank", "organisation__name")
        .order_by("period_id", "party_kind", "rank", "organisation__name")
    )
    grouped: dict[int, dict[str, list]] = {
        p.pk: {k: [] for k in PUBLICLY_RANKED} for p in published
    }
    for e in rows:
        grouped[e.period_id][e.party_kind].append(e)
    return [
        (p, [(PartyKind(k).label, grouped[p.pk][k]) for k in PUBLICLY_RANKED]) for p in published
    ]


def portal_scorecards(household):
    """A household's scorecards of disclosed and published periods, the latest first."""
    return (
        Evaluation.objects.filter(household=household, period__status__in=SHOWN)
        .select_related("period", "scheme")
        .order_by("-period__starts_on", "period__kind")
    )
