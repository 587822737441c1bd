"""Renewal pages for staff (art. 30): the leases due for renewal with the state of each
(Perm.TENANCY_VIEW, also as Excel), one renewal with its declaration and pre-check,
the authority's decision (Perm.RENEWAL_DECIDE), and the application taken at the
counter (Perm.RENEWAL_ENTER). A renewal or a lease is in scope when its unit's estate
is."""

from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.admission.models import RuleSet
from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.export import xlsx_response
from anju.core.roles import Perm
from anju.households.models import Lease
from anju.housing.models import Estate

from ..forms_renewal import DecideForm, RenewalDeclaration
from ..models import EntryChannel, Renewal, RenewalStatus, VacateListing
from ..selectors import renewal as selectors
from ..services import renewal as services

PAGE_SIZE = 50
DEFAULT_WITHIN = 30  # days ahead the list looks for windows about to open


# --- Finding -----------------------------------------------------------------------------


def find_renewal(user, pk) -> Renewal:
    return get_or_404(
        Renewal.objects.visible_to(user).select_related(
            "lease__unit__estate",
            "household__head",
            "declaration__submitted_by",
            "applied_by",
            "decided_by",
            "new_lease",
        ),
        pk=pk,
    )


def find_lease(user, pk) -> Lease:
    return get_or_404(
        Lease.objects.visible_to(user).select_related("household__head", "unit__estate"),
        pk=pk,
    )


# --- The list of renewals due ------------------------------------------------------------


class DueFilterForm(forms.Form):
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Renewal"),
        choices=[("", gettext_lazy("All")), *selectors.STATES],
        required=False,
    )
    within = forms.IntegerField(
        label=gettext_lazy("Windows opening within (days)"),
        min_value=0,
        max_value=731,
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


def _export_row(lease) -> list:
    return [
        lease.number,
        lease.household.number,
        lease.household.head.name if lease.household.head else "",
        lease.unit.code,
        lease.unit.estate.name,
        lease.end,
        lease.window.opens_on,
        lease.window.second_reminder_on,
        str(lease.state_label),
        timezone.localdate(lease.renewal_applied_at) if lease.renewal_applied_at else "",
    ]


@staff_view(Perm.TENANCY_VIEW)
def renewals_due(request):
    today = timezone.localdate()
    ruleset = RuleSet.objects.in_force(today)
    query = request.GET.copy()
    query.setdefault("within", str(DEFAULT_WITHIN))
    form = DueFilterForm(query, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    within = filters.get("within")
    within = DEFAULT_WITHIN if within is None else within
    leases = Lease.objects.none()
    if ruleset is not None:
        leases = selectors.leases_due(request.user, ruleset=ruleset, today=today, within=within)
        if filters.get("estate"):
            leases = leases.filter(unit__estate=filters["estate"])
        if filters.get("state"):
            leases = selectors.in_state(leases, filters["state"])
    if request.GET.get("format") == "xlsx" and request.user.can(Perm.EXPORT) and ruleset:
        return xlsx_response(
            "renewals-due.xlsx",
            [
                _("Lease no."),
                _("Household no."),
                _("Head"),
                _("Unit"),
                _("Estate"),
                _("Lease ends"),
                _("Window opens"),
                _("Second reminder"),
                _("Renewal"),
                _("Applied on"),
            ],
            (
                _export_row(lease)
                for chunk in _chunks(leases, 2000)
                for lease in selectors.with_windows(chunk, ruleset, today)
            ),
        )
    page = Paginator(leases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.with_windows(page.object_list, ruleset, today) if ruleset else []
    context = {
        "filter": SimpleNamespace(form=form),  # the shape includes/filter_form.html reads
        "page": page,
        "rows": rows,
        "ruleset": ruleset,
        "within": within,
        "today": today,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "tenancy/renewal/due.html#table", context)
    return render(request, "tenancy/renewal/due.html", context)


def _chunks(queryset, size):
    """The queryset in lists of `size`, read with one query per list."""
    start = 0
    while True:
        chunk = list(queryset[start : start + size])
        if not chunk:
            return
        yield chunk
        start += size


# --- One renewal -------------------------------------------------------------------------


def _renewal_context(renewal: Renewal) -> dict:
    lease = renewal.lease
    ruleset = RuleSet.objects.in_force(timezone.localdate())
    return {
        "renewal": renewal,
        "state_label": selectors.STATE_LABELS[renewal.status],
        "lease": lease,
        "household": renewal.household,
        "declaration": renewal.declaration,
        "declared": list(renewal.declaration.members.all()),
        "checked": selectors.checked(renewal),
        "window": services.window(lease, ruleset) if ruleset else None,
        "reminders": services.reminders_of(lease),
        "listings": list(
            VacateListing.objects.filter(household=renewal.household, status="listed")
        ),
    }


@staff_view(Perm.TENANCY_VIEW, find=find_renewal)
def renewal_detail(request, renewal, pk):
    return render(request, "tenancy/renewal/detail.html", _renewal_context(renewal))


@staff_view(Perm.RENEWAL_DECIDE, find=find_renewal, methods=("GET", "POST"))
def renewal_decide(request, renewal, pk):
    if renewal.status != RenewalStatus.APPLIED:
        messages.info(request, _("This renewal is already decided."))
        return redirect("renewal_detail", pk=renewal.pk)
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                renewal = services.renewal_approve(renewal, actor=request.user, note=data["reason"])
            else:
                renewal = services.renewal_refuse(
                    renewal, actor=request.user, reason=data["reason"]
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if renewal.status == RenewalStatus.APPROVED:
                new = renewal.new_lease
                messages.success(
                    request,
                    _("Renewal approved: lease %(n)s runs from %(start)s to %(end)s.")
                    % {"n": new.number, "start": new.start, "end": new.end},
                )
            else:
                messages.success(
                    request,
                    _("Renewal refused; household %(h)s is on the “must vacate” list.")
                    % {"h": renewal.household.number},
                )
            return redirect("renewal_detail", pk=renewal.pk)
    return render(
        request, "tenancy/renewal/decide.html", {**_renewal_context(renewal), "form": form}
    )


# --- Applying at the counter ---------------------------------------------------------------


@staff_view(Perm.RENEWAL_ENTER, find=find_lease, methods=("GET", "POST"))
def renewal_apply(request, lease, pk):
    today = timezone.localdate()
    ruleset = RuleSet.objects.in_force(today)
    existing = services.live_renewal(lease)
    if existing is not None:
        messages.info(request, _("This lease already has a renewal application."))
        return redirect("renewal_detail", pk=existing.pk)
    declaration = RenewalDeclaration(lease.household, request.POST or None)
    if request.method == "POST" and declaration.is_valid():
        try:
            renewal = services.renewal_apply(
                lease,
                actor=request.user,
                channel=EntryChannel.COUNTER,
                **declaration.service_kwargs(),
            )
        except DomainError as exc:
            declaration.form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Renewal application of lease %(n)s recorded; the authority decides it.")
                % {"n": lease.number},
            )
            return redirect("renewal_detail", pk=renewal.pk)
    span = services.window(lease, ruleset) if ruleset else None
    return render(
        request,
        "tenancy/renewal/apply.html",
        {
            "lease": lease,
            "household": lease.household,
            "declaration": declaration,
            "window": span,
            "window_state": span.state(today) if span else "",
            "today": today,
        },
    )


urlpatterns = [
    path("renewals/due/", renewals_due, name="renewals_due"),
    path("renewals/<int:pk>/", renewal_detail, name="renewal_detail"),
    path("renewals/<int:pk>/decide/", renewal_decide, name="renewal_decide"),
    path("renewals/lease/<int:pk>/apply/", renewal_apply, name="renewal_apply"),
]
