"""Staff pages of community activities: the list (upcoming or past, by estate), a new
activity and its changes, the activity's page with its sign-ups, sign-up at the
counter, cancelling, and the attendance form. Reading is Perm.OUTREACH_VIEW; planning,
sign-up at the counter and attendance are Perm.ACTIVITY_MANAGE (the authority and the
communities). A district-wide activity is changed by the authority only."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm
from anju.households.models import Household

from ..forms.activities import (
    ActivityFilterForm,
    ActivityForm,
    CancelForm,
    CounterSignupForm,
    attendance_from_post,
)
from ..models import ActivityStatus, Signup
from ..selectors import activities as selectors
from ..services import activities as services


@staff_view(Perm.OUTREACH_VIEW)
def activity_list(request):
    form = ActivityFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    when = filters.get("when") or "upcoming"
    activities = selectors.activity_list(
        request.user, when=when, estate=filters.get("estate") or ""
    )
    return list_page(
        request,
        "outreach/activities/list.html",
        activities,
        {"filter": form, "when": when, "now": timezone.now()},
        page_size=30,
    )


@staff_view(Perm.ACTIVITY_MANAGE, methods=("GET", "POST"))
def activity_new(request):
    form = ActivityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(form.to_input(), actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Activity “%(t)s” planned; households can sign up until %(d)s.")
                % {
                    "t": activity.title,
                    "d": timezone.localtime(activity.signup_until).strftime("%Y-%m-%d %H:%M"),
                },
            )
            return redirect("activity_detail", pk=activity.pk)
    return render(request, "outreach/activities/form.html", {"form": form, "activity": None})


@staff_view(Perm.OUTREACH_VIEW, find=selectors.activity_for_user)
def activity_detail(request, activity, pk):
    now = timezone.now()
    user = request.user
    signups = selectors.signups_of(activity)
    manage = user.can(Perm.ACTIVITY_MANAGE) and services.may_manage(user, activity)
    live = activity.status in (ActivityStatus.OPEN, ActivityStatus.CLOSED)
    return render(
        request,
        "outreach/activities/detail.html",
        {
            "activity": activity,
            "signups": signups,
            "active": [s for s in signups if s.cancelled_at is None],
            "left": max(activity.capacity - activity.taken, 0),
            "now": now,
            "may_manage": manage,
            "may_edit": manage and live and activity.starts_at > now,
            "may_cancel": manage and live,
            "may_sign_up": manage and live and activity.signup_until > now,
            "may_record": manage
            and activity.status != ActivityStatus.CANCELLED
            and activity.starts_at <= now,
            "signup_form": CounterSignupForm(),
            "cancel_form": CancelForm(),
        },
    )


@staff_view(Perm.ACTIVITY_MANAGE, find=selectors.activity_to_manage, methods=("GET", "POST"))
def activity_edit(request, activity, pk):
    form = ActivityForm(
        request.POST or None, user=request.user, initial=ActivityForm.initial_for(activity)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_edit(activity, form.to_input(), actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The activity is changed."))
            return redirect("activity_detail", pk=activity.pk)
    return render(request, "outreach/activities/form.html", {"form": form, "activity": activity})


@staff_view(Perm.ACTIVITY_MANAGE, find=selectors.activity_to_manage, methods=("POST",))
def activity_cancel(request, activity, pk):
    form = CancelForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Say why the activity is cancelled."), code="reason")
        services.activity_cancel(activity, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The activity is cancelled; the households signed up get a message."),
        )
    return redirect("activity_detail", pk=activity.pk)


@staff_view(Perm.ACTIVITY_MANAGE, find=selectors.activity_to_manage, methods=("POST",))
def activity_signup_add(request, activity, pk):
    form = CounterSignupForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Give the household's number and how many people come."))
        number = form.cleaned_data["household"].strip()
        household = (
            Household.objects.visible_to(request.user)
            .select_related("unit")
            .filter(number=number)
            .first()
        )
        if household is None:
            raise DomainError(
                _("There is no household %(h)s in your estates.") % {"h": number},
                code="no_household",
            )
        services.signup_create(
            activity, household, actor=request.user, people=form.cleaned_data["people"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Household %(h)s is signed up (%(n)s people).")
            % {"h": household.number, "n": form.cleaned_data["people"]},
        )
    return redirect("activity_detail", pk=activity.pk)


@staff_view(Perm.ACTIVITY_MANAGE, find=selectors.signup_to_manage, methods=("POST",))
def activity_signup_cancel(request, signup, pk, signup_pk):
    try:
        services.signup_cancel(signup, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The sign-up of household %(h)s is cancelled.") % {"h": signup.household.number},
        )
    return redirect("activity_detail", pk=signup.activity_id)


@staff_view(Perm.ACTIVITY_MANAGE, find=selectors.activity_to_manage, methods=("POST",))
def activity_attendance(request, activity, pk):
    ids = list(
        Signup.objects.filter(activity=activity, cancelled_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    try:
        result = services.attendance_record(
            activity, actor=request.user, came=attendance_from_post(request.POST, ids)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        text = _("Attendance recorded: %(c)s came, %(a)s did not.") % {
            "c": result.came,
            "a": result.absent,
        }
        if result.credited:
            text += " " + _("%(n)s households were credited the volunteering hours.") % {
                "n": result.credited
            }
        messages.success(request, text)
    return redirect("activity_detail", pk=activity.pk)


urlpatterns = [
    path("outreach/activities/", activity_list, name="activity_list"),
    path("outreach/activities/new/", activity_new, name="activity_new"),
    path("outreach/activities/<int:pk>/", activity_detail, name="activity_detail"),
    path("outreach/activities/<int:pk>/edit/", activity_edit, name="activity_edit"),
    path("outreach/activities/<int:pk>/cancel/", activity_cancel, name="activity_cancel"),
    path("outreach/activities/<int:pk>/signups/", activity_signup_add, name="activity_signup_add"),
    path(
        "outreach/activities/<int:pk>/signups/<int:signup_pk>/cancel/",
        activity_signup_cancel,
        name="activity_signup_cancel",
    ),
    path(
        "outreach/activities/<int:pk>/attendance/",
        activity_attendance,
        name="activity_attendance",
    ),
]
