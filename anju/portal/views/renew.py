"""Renewing the lease on the portal (art. 30): where the household's renewal stands
(the window, the application and its pre-check, the decision), the application itself
while the window is open, and a card for the tenant's pages. Only the signed-in
tenant's own household and its lease in force; the same services as the counter."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.households.models import LeaseStatus
from anju.tenancy.forms_renewal import RenewalDeclaration
from anju.tenancy.models import EntryChannel, RenewalStatus
from anju.tenancy.selectors.renewal import checked, household_renewal
from anju.tenancy.services.renewal import STATE_LABELS, renewal_apply

from ..access import portal_view


def own_housed_household(user, **_kwargs):
    """The account's own household, while it has a lease in force."""
    if not user.household_id:
        raise Http404
    household = user.household
    if not household.leases.filter(status=LeaseStatus.ACTIVE).exists():
        raise Http404
    return household


def _card_shown(state) -> bool:
    """The card is shown from the day the window opens until the lease ends or its
    renewal takes over."""
    return state.renewal is not None or state.window_state in ("open", "closed")


@portal_view(find=own_housed_household)
def renewal_status(request, household):
    state = household_renewal(household, timezone.localdate())
    latest = state.latest
    return render(
        request,
        "portal/renew/status.html",
        {
            "household": household,
            "state": state,
            "latest": latest,
            "latest_label": STATE_LABELS[latest.status] if latest else "",
            "checked": checked(latest) if latest else None,
            "declared": list(latest.declaration.members.all()) if latest else [],
        },
    )


@portal_view(find=own_housed_household, methods=("GET", "POST"))
def renewal_apply_page(request, household):
    state = household_renewal(household, timezone.localdate())
    if not state.can_apply:
        if state.renewal is not None:
            messages.info(request, _("You have already applied to renew your lease."))
        elif state.window_state == "upcoming":
            messages.info(
                request,
                _("You can apply to renew from %(day)s.")
                % {"day": state.window.opens_on.strftime("%Y-%m-%d")},
            )
        else:
            messages.error(request, _("Your lease can no longer be renewed on the portal."))
        return redirect("portal_renewal")
    declaration = RenewalDeclaration(household, request.POST or None)
    if request.method == "POST" and declaration.is_valid():
        try:
            renewal_apply(
                state.lease,
                actor=request.user,
                channel=EntryChannel.PORTAL,
                **declaration.service_kwargs(),
            )
        except DomainError as exc:
            declaration.form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Your application to renew is sent. The housing-security authority "
                    "decides it; you will see the decision here."
                ),
            )
            return redirect("portal_renewal")
    return render(
        request,
        "portal/renew/apply.html",
        {"household": household, "state": state, "declaration": declaration},
    )


@portal_view(find=own_housed_household)
def renewal_card(request, household):
    """A fragment for the tenant's pages (loaded by htmx): nothing until the window
    opens, then what to do or where the application stands."""
    state = household_renewal(household, timezone.localdate())
    return render(
        request,
        "portal/renew/_card.html",
        {"state": state, "shown": _card_shown(state), "statuses": RenewalStatus},
    )


urlpatterns = [
    path("my/renewal/", renewal_status, name="portal_renewal"),
    path("my/renewal/apply/", renewal_apply_page, name="portal_renewal_apply"),
    path("my/renewal/card/", renewal_card, name="portal_renewal_card"),
]
