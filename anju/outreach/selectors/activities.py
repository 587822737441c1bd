"""Reads of community activities: the staff list (upcoming or past, by estate), one
activity for a user (404 outside their estates, the same as a missing one; 403 for a
district-wide activity to anyone but the authority when it is to be changed), its
sign-ups, and the portal's lists, which start from the tenant's own household."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from anju.core.access import get_or_404

from ..models import Activity, ActivityStatus, Signup
from ..services.activities import may_manage

ACTIVE = Q(signups__cancelled_at__isnull=True)


def with_places(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Each activity with `taken` (people signed up) and `households` (sign-ups)."""
    return activities.annotate(
        taken=Coalesce(Sum("signups__people", filter=ACTIVE), 0),
        households=Count("signups", filter=ACTIVE),
    )


def activities_for(user) -> QuerySet[Activity]:
    return with_places(Activity.objects.visible_to(user).select_related("estate", "organiser"))


def activity_list(
    user, *, when: str = "upcoming", estate: str = "", now: datetime.datetime | None = None
) -> QuerySet[Activity]:
    """Upcoming (not yet ended, soonest first) or past (latest first). `estate` is an
    estate's id, "district" for the district-wide ones, or blank for all."""
    now = now or timezone.now()
    activities = activities_for(user)
    if estate == "district":
        activities = activities.filter(estate__isnull=True)
    elif estate:
        activities = activities.filter(estate_id=estate)
    if when == "past":
        return activities.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    return activities.filter(ends_at__gte=now).order_by("starts_at", "id")


def activity_for_user(user, pk) -> Activity:
    """One activity the user sees, or 404 (the same answer as a missing one)."""
    return get_or_404(activities_for(user), pk=pk)


def activity_to_manage(user, pk) -> Activity:
    """One activity the user sees and may change: a district-wide one is the
    authority's (403 to the others, who see it)."""
    activity = activity_for_user(user, pk)
    if not may_manage(user, activity):
        raise PermissionDenied
    return activity


def signup_to_manage(user, pk, signup_pk) -> Signup:
    activity = activity_to_manage(user, pk)
    return get_or_404(activity.signups.select_related("household", "activity"), pk=signup_pk)


def signups_of(activity: Activity) -> list[Signup]:
    """The sign-ups, active ones first in the order they came, then the cancelled."""
    signups = activity.signups.select_related(
        "household__head", "household__unit", "signed_up_by", "credit"
    ).order_by(F("cancelled_at").asc(nulls_first=True), "signed_up_at", "id")
    return list(signups)


# --- The portal ---------------------------------------------------------------------------


def activities_for_household(household, *, now: datetime.datetime | None = None):
    """The activities a household may join and that have not ended: the district's and
    its estate's, soonest first."""
    now = now or timezone.now()
    return (
        with_places(Activity.objects.for_household(household))
        .filter(ends_at__gte=now)
        .exclude(status=ActivityStatus.CANCELLED)
        .select_related("estate", "organiser")
        .order_by("starts_at", "id")
    )


def household_activity(household, pk) -> Activity:
    """An activity the household may see (the district's or its estate's), or 404."""
    return get_or_404(
        with_places(Activity.objects.for_household(household)).select_related(
            "estate", "organiser"
        ),
        pk=pk,
    )


def my_signups(household) -> list[Signup]:
    """The household's sign-ups, latest activity first."""
    return list(
        Signup.objects.filter(household=household)
        .select_related("activity__estate", "credit")
        .order_by("-activity__starts_at", "-id")
    )


def own_signup(household, pk) -> Signup:
    return get_or_404(
        Signup.objects.filter(household=household, cancelled_at__isnull=True).select_related(
            "activity"
        ),
        activity_id=pk,
    )


def signups_by_activity(household, activity_ids) -> dict[int, Signup]:
    return {
        s.activity_id: s
        for s in Signup.objects.filter(household=household, activity_id__in=list(activity_ids))
    }
