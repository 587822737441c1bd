"""Reads of schemes and indicators: district-wide reference data, the same for everyone
who may read evaluations."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, QuerySet

from anju.core.access import get_or_404

from ..models import ConsequenceRule, Grade, Indicator, PeriodKind, Scheme, SchemeLine


def scheme_for_user(user, pk) -> Scheme:
    return get_or_404(Scheme.objects.select_related("created_by"), pk=pk)


def line_for_user(user, pk) -> SchemeLine:
    return get_or_404(SchemeLine.objects.select_related("scheme", "indicator"), pk=pk)


def rule_for_user(user, pk) -> ConsequenceRule:
    return get_or_404(ConsequenceRule.objects.select_related("scheme"), pk=pk)


def indicator_for_user(user, pk) -> Indicator:
    return get_or_404(Indicator.objects.all(), pk=pk)


def scheme_groups() -> list[dict]:
    """Every scheme, newest version first, grouped by party and period kind; each with
    its counts of lines, rules and evaluations. One query."""
    schemes = Scheme.objects.annotate(
        line_count=Count("lines", distinct=True),
        rule_count=Count("consequence_rules", distinct=True),
        used=Count("evaluations", distinct=True),
    ).order_by("party_kind", "period_kind", "-version")
    groups: dict[tuple[str, str], list[Scheme]] = defaultdict(list)
    for s in schemes:
        groups[(s.party_kind, s.period_kind)].append(s)
    return [
        {
            "party_kind": versions[0].get_party_kind_display(),
            "period_kind": PeriodKind(versions[0].period_kind).label,
            "versions": versions,
            "latest": versions[0],
        }
        for versions in groups.values()
    ]


def scheme_lines(scheme: Scheme) -> list[SchemeLine]:
    return list(scheme.lines.select_related("indicator").order_by("sort", "id"))


def scheme_rules(scheme: Scheme) -> list[ConsequenceRule]:
    """The rules from the best grade down."""
    order = {grade: n for n, grade in enumerate(Grade.values)}
    rules = scheme.consequence_rules.all()
    return sorted(rules, key=lambda rule: (order.get(rule.grade, len(order)), rule.kind))


def scheme_usage(scheme: Scheme, limit: int = 20) -> list[dict]:
    """The periods that scored by the scheme, with how many evaluations each."""
    return list(
        scheme.evaluations.values("period", "period__name", "period__status")
        .annotate(count=Count("id"))
        .order_by("-period__starts_on")[:limit]
    )


def indicator_list(*, party_kind: str = "") -> QuerySet[Indicator]:
    rows = Indicator.objects.annotate(used=Count("lines", distinct=True))
    if party_kind:
        rows = rows.filter(party_kind=party_kind)
    return rows.order_by("party_kind", "sort", "code")


def addable_indicators(scheme: Scheme) -> QuerySet[Indicator]:
    return (
        Indicator.objects.filter(party_kind=scheme.party_kind, is_active=True)
        .exclude(lines__scheme=scheme)
        .order_by("sort", "code")
    )
