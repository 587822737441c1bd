"""Reads of consequences: the scoped list and one record for a user, the standing
consequences a household holds (for the portal and the rest of Anju), and the EXISTS
expression other apps annotate with (priority in exchanges, the points review)."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from anju.core.access import get_or_404

from ..models import (
    OPEN_CONSEQUENCES,
    Consequence,
    ConsequenceKind,
    ConsequenceState,
)

K = ConsequenceKind
# What a household's portal home shows while it holds.
PORTAL_KINDS = (K.GOOD_STANDING, K.HARMONIOUS_TITLE, K.RENT_DISCOUNT)


def consequences_for(user) -> QuerySet[Consequence]:
    """The consequences the staff pages show `user`. A tenant reads its household's on
    the portal, not here: the staff pages find none for a tenant account (404)."""
    if not getattr(user, "is_staff_user", False):
        return Consequence.objects.none()
    return Consequence.objects.visible_to(user).select_related(
        "evaluation__period",
        "evaluation__organisation",
        "evaluation__household__head",
        "evaluation__estate",
        "rule",
        "decided_by",
        "done_by",
    )


def consequence_for_user(user, pk) -> Consequence:
    """One consequence in the user's scope, or 404 (the same answer as a missing one)."""
    return get_or_404(consequences_for(user), pk=pk)


def consequence_list(
    user, *, kind="", state="", party_kind="", overdue=False, q="", today=None
) -> QuerySet[Consequence]:
    """The consequences `user` sees, the open ones with the nearest deadline first."""
    today = today or timezone.localdate()
    rows = consequences_for(user)
    if kind:
        rows = rows.filter(kind=kind)
    if state == "open":
        rows = rows.filter(state__in=OPEN_CONSEQUENCES)
    elif state:
        rows = rows.filter(state=state)
    if party_kind:
        rows = rows.filter(evaluation__party_kind=party_kind)
    if overdue:
        rows = rows.filter(state=ConsequenceState.IN_EFFECT, due_on__lt=today)
    if q:
        rows = rows.filter(
            Q(evaluation__household__number__icontains=q)
            | Q(evaluation__organisation__name__icontains=q)
            | Q(evaluation__period__name__icontains=q)
        )
    return rows.order_by("state", "due_on", "-created_at", "-id")


def in_effect_exists(kind: str, household_ref: str = "household_id", on=None) -> Exists:
    """EXISTS: the household named by `household_ref` (an outer lookup) holds a
    consequence of `kind` in effect on `on` (default today)."""
    on = on or timezone.localdate()
    return Exists(
        Consequence.objects.in_effect_on(on).filter(
            kind=kind, evaluation__household_id=OuterRef(household_ref)
        )
    )


def household_standing(household, on: datetime.date | None = None) -> list[Consequence]:
    """The standing, title and discount the household holds on `on` (default today)."""
    on = on or timezone.localdate()
    return list(
        Consequence.objects.in_effect_on(on)
        .filter(evaluation__household=household, kind__in=PORTAL_KINDS)
        .select_related("evaluation__period")
        .order_by("kind", "-valid_from")
    )


def rectifications_due(user, *, today=None, limit: int = 10) -> list[Consequence]:
    """Open rectification orders and interviews with a deadline, nearest first: for a
    dashboard."""
    return list(
        consequences_for(user)
        .filter(
            state=ConsequenceState.IN_EFFECT,
            kind__in=(K.RECTIFICATION, K.INTERVIEW),
            due_on__isnull=False,
        )
        .order_by("due_on", "id")[:limit]
    )


def referrals_in_effect(on: datetime.date, households=None) -> list[Consequence]:
    """The referrals to the points termination review in effect on `on`, of the
    `households` given (a queryset of ids; default all): one query."""
    rows = Consequence.objects.in_effect_on(on).filter(kind=K.POINTS_REFERRAL)
    if households is not None:
        rows = rows.filter(evaluation__household__in=households)
    return list(rows.select_related("evaluation__period").order_by("valid_from", "id"))
