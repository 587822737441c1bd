"""The tenant's exchange page: ask to move to another unit (调换) or post that the
household wants to swap (互换), with what the unit must have; follow the request and
see the decision with each criterion passed or failed; see a proposed swap (the other
unit's estate, building, floor, area and rooms, never the other household) and consent
or decline. Only the signed-in tenant's household while it holds a lease; the same
services as the counter."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.exits.forms.exchanges import ReasonForm, RequestForm, errors_text
from anju.exits.models import (
    OPEN_REQUEST,
    ExchangeChannel,
    ExchangeKind,
    ExchangeRequest,
    PairStatus,
    RequestStatus,
)
from anju.exits.selectors.exchanges import household_pair, household_request, own_pair
from anju.exits.services import exchanges as services
from anju.exits.services import mutual

from ..access import portal_view
from .renew import own_housed_household


def _preview(household, today):
    """The criteria as they stand today, for a household about to ask."""
    lease = household.leases.filter(status="active").select_related("unit__estate").first()
    draft = ExchangeRequest(
        household=household,
        kind=ExchangeKind.EXCHANGE,
        unit=lease.unit,
        estate=lease.unit.estate,
        lease=lease,
    )
    return services.eligibility(draft, today)


def _pair_view(pair, household):
    """The household's side and the other side of its pair, without the other's names."""
    if pair is None:
        return None
    mine_first = pair.first.household_id == household.pk
    mine, other = (pair.first, pair.second) if mine_first else (pair.second, pair.first)
    consented_at = pair.first_consent_at if mine_first else pair.second_consent_at
    other_consented = pair.second_consent_at if mine_first else pair.first_consent_at
    return {
        "pair": pair,
        "mine": mine,
        "unit": other.unit,
        "estate": other.unit.estate,
        "building": other.unit.building,
        "consented_at": consented_at,
        "other_consented": other_consented is not None,
        "can_answer": pair.status == PairStatus.PROPOSED and consented_at is None,
    }


@portal_view(find=own_housed_household, methods=("GET", "POST"))
def my_exchange(request, household):
    today = timezone.localdate()
    current = household_request(household)
    open_now = current is not None and current.status in OPEN_REQUEST
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.exchange_request(
                household,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                channel=ExchangeChannel.PORTAL,
                **form.wants(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if created.kind == ExchangeKind.MUTUAL:
                text = _(
                    "Your wish to swap is sent. Once the authority approves it, it is on the "
                    "swap board and you will be told when a household fits."
                )
            else:
                text = _("Your request is sent. The authority decides it; see the decision here.")
            messages.success(request, text)
            return redirect("portal_exchange")
    preview = _preview(household, today) if not open_now else []
    return render(
        request,
        "portal/exchanges/exchange.html",
        {
            "household": household,
            "req": current,
            "open_now": open_now,
            "pair": _pair_view(household_pair(household, current), household),
            "wanted": list(current.estates.all()) if current else [],
            "form": form,
            "preview": preview,
            "preview_passed": all(c["passed"] for c in preview),
            "limit": services.area_limit(household, today),
            "statuses": RequestStatus,
            "withdraw_form": ReasonForm(),
        },
    )


def own_pair_of_user(user, pk):
    return own_pair(own_housed_household(user), pk)


@portal_view(find=own_pair_of_user, methods=("POST",))
def my_pair_consent(request, pair, pk):
    try:
        mutual.pair_consent(pair, household=request.user.household, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Your consent is recorded. When the other household consents too, the "
                "authority approves the swap and arranges the handovers."
            ),
        )
    return redirect("portal_exchange")


@portal_view(find=own_pair_of_user, methods=("POST",))
def my_pair_decline(request, pair, pk):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you decline this swap."))
        return redirect("portal_exchange")
    try:
        mutual.pair_decline(
            pair,
            actor=request.user,
            household=request.user.household,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("You declined this swap. Your wish stays on the swap board for others.")
        )
    return redirect("portal_exchange")


def own_open_request(user, **_kwargs):
    household = own_housed_household(user)
    found = ExchangeRequest.objects.open().filter(household=household).first()
    if found is None:
        raise Http404
    return found


@portal_view(find=own_open_request, methods=("POST",))
def my_exchange_withdraw(request, exchange_request):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("portal_exchange")
    try:
        services.exchange_withdraw(
            exchange_request, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("portal_exchange")


urlpatterns = [
    path("my/exchange/", my_exchange, name="portal_exchange"),
    path("my/exchange/withdraw/", my_exchange_withdraw, name="portal_exchange_withdraw"),
    path("my/exchange/pairs/<int:pk>/consent/", my_pair_consent, name="portal_pair_consent"),
    path("my/exchange/pairs/<int:pk>/decline/", my_pair_decline, name="portal_pair_decline"),
]
