"""Leases in force and past: the list, a lease's terms with its rent history, renewals
chain and amendments, the terms staff edit (billing day, deposit), and a rent change
recorded by hand. For the staff of the lease's estate (Perm.TENANCY_VIEW to read)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page, sorted_by
from anju.core.roles import Perm
from anju.households.models import LeaseStatus

from ..forms_leases import LeaseFilter, LeaseTermsForm, RentChangeForm
from ..models import AmendmentKind
from ..selectors import leases as selectors
from ..services.amendments import lease_terms_update
from ..services.amendments import summary as amendment_summary
from ..services.rent import lease_rent_change


def household_account_url(household_id: int) -> str:
    """The household's account page (bills, payments, balance), built by the billing
    pages; by its path until its URL name is there."""
    try:
        return reverse("household_account", args=[household_id])
    except NoReverseMatch:
        return f"/households/{household_id}/account/"


@staff_view(Perm.TENANCY_VIEW)
def lease_list(request):
    filters = LeaseFilter(
        request.GET or None, queryset=selectors.lease_list(request.user), user=request.user
    )
    leases = sorted_by(
        filters.qs,
        request,
        {"number", "start", "end", "monthly_rent", "unit__code"},
        "-start",
        unique={"number"},
    )
    return list_page(
        request,
        "tenancy/leases/lease_list.html",
        leases,
        {"filter": filters},
        export=(
            "leases.xlsx",
            [
                _("Lease no."),
                _("Estate"),
                _("Unit"),
                _("Household no."),
                _("Head"),
                _("Start"),
                _("End"),
                _("Monthly rent"),
                _("Deposit"),
                _("Billing day"),
                _("Status"),
            ],
            lambda lease: [
                lease.number,
                lease.unit.estate.name,
                lease.unit.code,
                lease.household.number,
                lease.household.head.name if lease.household.head else "",
                lease.start,
                lease.end,
                lease.monthly_rent,
                lease.deposit,
                lease.billing_day,
                lease.get_status_display(),
            ],
        ),
    )


@staff_view(Perm.TENANCY_VIEW, find=selectors.lease_for_user)
def lease_detail(request, lease, pk):
    amendments = selectors.lease_amendments(lease)
    for amendment in amendments:
        amendment.summary = amendment_summary(amendment)
    return render(
        request,
        "tenancy/leases/lease_detail.html",
        {
            "lease": lease,
            "household": lease.household,
            "rents": selectors.rent_history(lease),
            "chain": selectors.renewal_chain(lease),
            "amendments": amendments,
            "members": selectors.current_members(lease),
            "kinds": AmendmentKind.choices if lease.status == LeaseStatus.ACTIVE else [],
            "account_url": household_account_url(lease.household_id),
            "has_terms": bool(lease.area_m2 and lease.price_per_m2 and lease.relief_tier),
            "relief_percent": int(lease.relief_tier * 100) if lease.relief_tier else None,
        },
    )


@staff_view(Perm.LEASE_AMEND, find=selectors.lease_for_user, methods=("GET", "POST"))
def lease_terms_edit(request, lease, pk):
    form = LeaseTermsForm(
        request.POST or None,
        initial={"billing_day": lease.billing_day, "deposit": lease.deposit},
    )
    if request.method == "POST" and form.is_valid():
        try:
            lease_terms_update(lease, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("The terms of lease %(n)s are saved.") % {"n": lease.number}
            )
            return redirect("lease_detail", pk=lease.pk)
    return render(
        request,
        "tenancy/leases/lease_form.html",
        {
            "lease": lease,
            "form": form,
            "title": _("Billing day and deposit"),
            "button": _("Save"),
        },
    )


@staff_view(Perm.LEASE_AMEND_APPROVE, find=selectors.lease_for_user, methods=("GET", "POST"))
def lease_rent_record(request, lease, pk):
    form = RentChangeForm(request.POST or None, lease=lease)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = lease_rent_change(
                lease,
                actor=request.user,
                effective_from=data["effective_from"],
                reason=data["reason"],
                note=data["note"],
                **form.terms(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("From %(day)s the rent of lease %(n)s is ¥%(rent)s.")
                % {"day": row.effective_from, "n": lease.number, "rent": row.monthly_rent},
            )
            return redirect("lease_detail", pk=lease.pk)
    return render(
        request,
        "tenancy/leases/lease_form.html",
        {
            "lease": lease,
            "form": form,
            "title": _("Record a rent change"),
            "button": _("Record the new rent"),
            "rent_change": True,
            "rents": selectors.rent_history(lease)[:3],
        },
    )


urlpatterns = [
    path("leases/", lease_list, name="lease_list"),
    path("leases/<int:pk>/", lease_detail, name="lease_detail"),
    path("leases/<int:pk>/terms/", lease_terms_edit, name="lease_terms_edit"),
    path("leases/<int:pk>/rent/", lease_rent_record, name="lease_rent_record"),
]
