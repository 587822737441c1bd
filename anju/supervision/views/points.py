"""Tenant points (信用积分): a household's page (its entries, the valid total against the
review threshold, warnings in force, good-conduct credit) with the record, void and
credit forms (Perm.POINTS_RECORD); the misdeeds catalogue and its edit page
(Perm.RULES_MANAGE); the authority's termination review list."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.roles import Perm

from ..forms.cases import errors_text
from ..forms.points import CreditForm, PointsRecordForm, RuleForm, VoidForm
from ..models import EntryKind, PointRule
from ..selectors import cases as case_selectors
from ..selectors import points as selectors
from ..services import credits as credit_services
from ..services import points as services


@staff_view(Perm.SUPERVISION_VIEW, find=selectors.household_for_points)
def household_points(request, household, pk):
    today = timezone.localdate()
    return render(
        request,
        "supervision/points/household.html",
        {
            "household": household,
            "today": today,
            "standing": selectors.standing(household, today),
            "record_form": PointsRecordForm(),
            "credit_form": CreditForm(),
            "cases": case_selectors.household_cases(household)[:10],
        },
    )


@staff_view(Perm.POINTS_RECORD, find=selectors.household_for_points, methods=("POST",))
def points_record(request, household, pk):
    form = PointsRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("household_points", pk=household.pk)
    data = form.cleaned_data
    try:
        entry = services.points_record(
            household,
            actor=request.user,
            rule=data["rule"],
            occurred_on=data["occurred_on"],
            details=data["details"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if entry.kind == EntryKind.WARNING:
            messages.success(
                request,
                _("A written warning is recorded: a repeat before %(d)s scores %(n)s points.")
                % {"d": entry.expires_on.isoformat(), "n": entry.rule.points},
            )
        else:
            messages.success(
                request,
                _("%(n)s points recorded; the household holds %(t)s valid points.")
                % {"n": entry.points, "t": services.valid_points(household)},
            )
    return redirect("household_points", pk=household.pk)


@staff_view(Perm.POINTS_RECORD, find=selectors.entry_for_user, methods=("POST",))
def points_void(request, entry, pk):
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for voiding."))
        return redirect("household_points", pk=entry.household_id)
    try:
        services.points_void(entry, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The entry is voided; it counts for nothing."))
    return redirect("household_points", pk=entry.household_id)


@staff_view(Perm.POINTS_RECORD, find=selectors.household_for_points, methods=("POST",))
def credit_record(request, household, pk):
    form = CreditForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("household_points", pk=household.pk)
    data = form.cleaned_data
    try:
        credit_services.credit_record(
            household,
            actor=request.user,
            kind=data["kind"],
            amount=data["amount"],
            occurred_on=data["occurred_on"],
            details=data["details"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Good-conduct credit recorded."))
    return redirect("household_points", pk=household.pk)


@staff_view(Perm.SUPERVISION_VIEW)
def point_rule_list(request):
    today = timezone.localdate()
    return render(
        request,
        "supervision/points/catalogue.html",
        {
            "rules": PointRule.objects.order_by("-active", "points", "code"),
            "threshold": services.review_threshold(today),
            "valid_years": services.rules_on(today).points_valid_years,
        },
    )


def find_rule(user, pk) -> PointRule:
    return get_or_404(PointRule.objects.all(), pk=pk)


@staff_view(Perm.RULES_MANAGE, find=find_rule, methods=("GET", "POST"))
def point_rule_edit(request, rule, pk):
    form = RuleForm(
        request.POST or None,
        initial={
            "name": rule.name,
            "points": rule.points,
            "warning_first": rule.warning_first,
            "active": rule.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(rule, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The misdeed is updated: %(r)s.") % {"r": rule})
            return redirect("point_rule_list")
    return render(request, "supervision/points/rule_edit.html", {"rule": rule, "form": form})


@staff_view(Perm.SUPERVISION_VIEW)
def points_review_list(request):
    today = timezone.localdate()
    return render(
        request,
        "supervision/points/review.html",
        {
            "rows": selectors.review_rows(request.user, today),
            "threshold": services.review_threshold(today),
            "today": today,
        },
    )


urlpatterns = [
    path("supervision/households/<int:pk>/points/", household_points, name="household_points"),
    path("supervision/households/<int:pk>/points/record/", points_record, name="points_record"),
    path("supervision/households/<int:pk>/credit/", credit_record, name="credit_record"),
    path("supervision/points/<int:pk>/void/", points_void, name="points_void"),
    path("supervision/points/catalogue/", point_rule_list, name="point_rule_list"),
    path("supervision/points/catalogue/<int:pk>/", point_rule_edit, name="point_rule_edit"),
    path("supervision/points/review/", points_review_list, name="points_review_list"),
]
