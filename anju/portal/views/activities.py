"""Community activities on the portal: the activities the household may join (the
district's and its estate's), one activity with its sign-up form, signing up and
cancelling, and the household's own sign-ups with what came of them. Every lookup
starts from the signed-in tenant's own household; an activity of another estate is
404, the same as a missing one."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.outreach.forms.activities import SignupForm
from anju.outreach.models import ActivityStatus, SurveyStatus
from anju.outreach.selectors import activities as selectors
from anju.outreach.selectors.surveys import invitations_of
from anju.outreach.services import activities as services

from ..access import portal_view
from .tenancy import own_tenant_household

HOME_ACTIVITIES = 3


def own_activity(user, pk):
    """(the tenant's household, an activity it may see) or 404."""
    household = own_tenant_household(user)
    return household, selectors.household_activity(household, pk)


def own_signup(user, pk):
    household = own_tenant_household(user)
    return selectors.own_signup(household, pk)


@portal_view(find=own_tenant_household)
def my_activities(request, household):
    activities = list(selectors.activities_for_household(household))
    mine = selectors.my_signups(household)
    by_activity = {s.activity_id: s for s in mine}
    for activity in activities:
        activity.mine = by_activity.get(activity.pk)
        activity.left = max(activity.capacity - activity.taken, 0)
    return render(
        request,
        "portal/activities/list.html",
        {
            "household": household,
            "activities": activities,
            "signups": mine,
            "now": timezone.now(),
        },
    )


@portal_view(find=own_activity)
def my_activity(request, found, pk):
    household, activity = found
    now = timezone.now()
    signup = selectors.signups_by_activity(household, [activity.pk]).get(activity.pk)
    active = signup if signup is not None and signup.cancelled_at is None else None
    return render(
        request,
        "portal/activities/detail.html",
        {
            "household": household,
            "activity": activity,
            "signup": active,
            "left": max(activity.capacity - activity.taken, 0),
            "open": activity.status in (ActivityStatus.OPEN, ActivityStatus.CLOSED)
            and activity.signup_until > now,
            "form": SignupForm(),
            "now": now,
        },
    )


@portal_view(find=own_activity, methods=("POST",))
def my_activity_signup(request, found, pk):
    household, activity = found
    form = SignupForm(request.POST)
    people = form.cleaned_data["people"] if form.is_valid() else 0
    try:
        services.signup_create(activity, household, actor=request.user, people=people)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("You are signed up for “%(t)s”. See you there!") % {"t": activity.title},
        )
    return redirect("portal_activity", pk=activity.pk)


@portal_view(find=own_signup, methods=("POST",))
def my_activity_cancel(request, signup, pk):
    try:
        services.signup_cancel(signup, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("portal_activity", pk=signup.activity_id)


def community_card(household) -> dict:
    """The portal home's card: the surveys waiting for the household's answer and the
    next activities it may join."""
    today = timezone.localdate()
    waiting = [
        i
        for i in invitations_of(household)
        if i.responded_at is None
        and i.survey.status == SurveyStatus.OPEN
        and i.survey.closes_on >= today
    ]
    activities = list(selectors.activities_for_household(household)[:HOME_ACTIVITIES])
    return {"surveys": waiting, "activities": activities}


urlpatterns = [
    path("my/activities/", my_activities, name="portal_activities"),
    path("my/activities/<int:pk>/", my_activity, name="portal_activity"),
    path("my/activities/<int:pk>/signup/", my_activity_signup, name="portal_activity_signup"),
    path("my/activities/<int:pk>/cancel/", my_activity_cancel, name="portal_activity_cancel"),
]
