"""The authority's “must vacate” list (应腾退名单): every household listed, with the
reason, the article of Order No. 11 it rests on, the evidence and the date; filtered
by reason, estate and status, exported to Excel. Staff with tenancy.view read it; the
authority (Perm.VACATE_LIST) takes a household off with the reason."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms_arrears import ReasonForm, VacateFilterForm
from ..models import ListingStatus, VacateListing
from ..services.vacate import listing_withdraw


def _listings(user):
    return VacateListing.objects.visible_to(user).select_related(
        "household__head", "household__unit", "household__estate", "listed_by"
    )


def find_listing(user, pk) -> VacateListing:
    return get_or_404(_listings(user), pk=pk)


def _evidence_text(listing) -> str:
    return "; ".join(f"{k}: {v}" for k, v in listing.evidence or [])


@staff_view(Perm.TENANCY_VIEW)
def vacate_list(request):
    query = request.GET.copy()
    if "status" not in query:
        query["status"] = ListingStatus.LISTED
    form = VacateFilterForm(query, user=request.user)
    listings = _listings(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["reason"]:
            listings = listings.filter(reason=data["reason"])
        if data["estate"]:
            listings = listings.filter(household__estate=data["estate"])
        if data["status"]:
            listings = listings.filter(status=data["status"])
    listings = listings.order_by("-listed_on", "-pk")
    return list_page(
        request,
        "tenancy/vacate/list.html",
        listings,
        {"filter": {"form": form}, "withdraw_form": ReasonForm()},
        export=(
            "must-vacate.xlsx",
            [
                _("Household no."),
                _("Head"),
                _("Estate"),
                _("Unit"),
                _("Reason"),
                _("Legal basis"),
                _("Evidence"),
                _("Listed on"),
                _("Status"),
                _("Reason withdrawn"),
            ],
            lambda item: [
                item.household.number,
                item.household.head.name if item.household.head else "",
                item.household.estate.name if item.household.estate else "",
                item.household.unit.code if item.household.unit else "",
                item.get_reason_display(),
                item.legal_basis,
                _evidence_text(item),
                item.listed_on,
                item.get_status_display(),
                item.withdrawn_reason,
            ],
        ),
    )


@staff_view(Perm.VACATE_LIST, find=find_listing, methods=("POST",))
def vacate_withdraw(request, listing, pk):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason."))
        return redirect("vacate_list")
    try:
        listing_withdraw(listing, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(h)s is taken off the “must vacate” list.") % {"h": listing.household.number},
        )
    return redirect("vacate_list")


urlpatterns = [
    path("must-vacate/", vacate_list, name="vacate_list"),
    path("must-vacate/<int:pk>/withdraw/", vacate_withdraw, name="vacate_withdraw"),
]
