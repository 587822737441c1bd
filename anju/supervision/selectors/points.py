"""Reads of tenant points and good-conduct credit: one household's standing, and the
authority's termination review list, both scoped to the user's estates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Sum
from django.utils import timezone

from anju.core.access import get_or_404
from anju.households.models import Household

from ..models import EntryKind, GoodConductCredit, PointEntry
from ..services.points import rules_on, valid_points


def household_for_points(user, pk) -> Household:
    return get_or_404(
        Household.objects.visible_to(user).select_related("head", "unit", "estate"), pk=pk
    )


def entry_for_user(user, pk) -> PointEntry:
    return get_or_404(PointEntry.objects.visible_to(user).select_related("household"), pk=pk)


@dataclass
class Standing:
    points: int
    threshold: int
    valid_years: int
    warnings: int
    credit: Decimal
    entries: list
    credits: list

    @property
    def on_review(self) -> bool:
        return self.points >= self.threshold

    @property
    def exchange_blocked(self) -> bool:
        return self.points > 0

    @property
    def share(self) -> int:
        """How far to the threshold, in per cent (for the progress bar)."""
        return min(100, round(100 * self.points / self.threshold)) if self.threshold else 0


def standing(household, on: datetime.date | None = None) -> Standing:
    on = on or timezone.localdate()
    entries = list(
        PointEntry.objects.filter(household=household)
        .select_related("rule", "case", "recorded_by", "voided_by")
        .order_by("-occurred_on", "-id")
    )
    for e in entries:
        e.is_valid = e.voided_at is None and e.occurred_on <= on < e.expires_on
    credits = list(GoodConductCredit.objects.filter(household=household).order_by("-occurred_on"))
    rules = rules_on(on)
    return Standing(
        points=valid_points(household, on),
        threshold=rules.points_review_threshold,
        valid_years=rules.points_valid_years,
        warnings=sum(1 for e in entries if e.is_valid and e.kind == EntryKind.WARNING),
        credit=sum((c.amount for c in credits), Decimal("0")),
        entries=entries,
        credits=credits,
    )


def review_rows(user, on: datetime.date | None = None):
    """Households in the user's scope holding at least the review threshold on `on`,
    most points first, each with its valid total and latest misdeed; then the
    households an evaluation referred to the review (a POINTS_REFERRAL in effect),
    each marked with that referral (`referral`), whatever their points."""
    from anju.evaluation.selectors.consequences import referrals_in_effect

    on = on or timezone.localdate()
    rows = (
        PointEntry.objects.visible_to(user)
        .filter(kind=EntryKind.POINTS)
        .valid_on(on)
        .values("household")
        .annotate(total=Sum("points"), latest=Max("occurred_on"))
        .filter(total__gte=rules_on(on).points_review_threshold)
        .order_by("-total", "household")
    )
    totals = {r["household"]: r for r in rows}
    households = Household.objects.filter(pk__in=totals).select_related("head", "unit", "estate")
    out = []
    for h in households:
        h.valid_total = totals[h.pk]["total"]
        h.latest = totals[h.pk]["latest"]
        out.append(h)
    referrals = referrals_in_effect(on, Household.objects.visible_to(user).values("pk"))
    by_household = {c.evaluation.household_id: c for c in referrals}
    for h in out:
        h.referral = by_household.pop(h.pk, None)
    out.sort(key=lambda h: (-h.valid_total, h.number))
    if by_household:
        held = {
            household: (total, latest)
            for household, total, latest in PointEntry.objects.filter(
                kind=EntryKind.POINTS, household__in=by_household
            )
            .valid_on(on)
            .values("household")
            .annotate(total=Sum("points"), latest=Max("occurred_on"))
            .values_list("household", "total", "latest")
        }
        referred = list(
            Household.objects.filter(pk__in=by_household).select_related("head", "unit", "estate")
        )
        for h in sorted(referred, key=lambda h: h.number):
            h.valid_total, h.latest = held.get(h.pk, (0, None))
            h.referral = by_household[h.pk]
            out.append(h)
    return out
