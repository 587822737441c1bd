"""Choosing a unit on the portal (选房): a household that entered an allocation round
follows the published order of choosing, and on its turn chooses one of the units it
may have, or declines. It calls the same services as the staff's selection screen
(anju.admission.services.allocation); after the choice it sees what comes next and,
once the operator has prepared it, the lease offer with its contract.

Every lookup starts from the signed-in account's own household: another family's round
entry, unit or lease offer answers 404, the same as a missing one."""

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from anju.admission.models import (
    EntrantStatus,
    LeaseOffer,
    RoundEntrant,
    RoundStatus,
    Selection,
    SelectionStatus,
)
from anju.admission.selectors.allocation import round_turn, units_choosable
from anju.admission.services import selection as choosing
from anju.admission.services.lease import Terms, lease_offer_terms, monthly_rent
from anju.core.access import get_or_404
from anju.core.errors import DomainError
from anju.housing.models import Unit

from ..access import portal_view

# A round is the household's business once its order of choosing is published; after
# the selection closes its page still shows what the household chose.
SHOWN = [RoundStatus.PUBLISHED, RoundStatus.COMPLETED]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why does your family decline?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Finding -----------------------------------------------------------------------------


def own_entrant(user, pk, **_kwargs) -> RoundEntrant:
    """The account's own household's place in round `pk`."""
    if not user.household_id:
        raise Http404
    return get_or_404(
        RoundEntrant.objects.filter(
            household_id=user.household_id, round__status__in=SHOWN
        ).select_related("round__ruleset", "waiting_entry", "household"),
        round_id=pk,
    )


def own_unit_choice(user, pk, unit_pk) -> tuple[RoundEntrant, Unit]:
    """The household's place in round `pk` and one unit the round offers."""
    entrant = own_entrant(user, pk)
    unit = get_or_404(
        Unit.objects.filter(round_offers__round_id=entrant.round_id).select_related(
            "estate__operator", "building"
        ),
        pk=unit_pk,
    )
    return entrant, unit


def own_offer(user, pk) -> LeaseOffer:
    if not user.household_id:
        raise Http404
    return get_or_404(
        LeaseOffer.objects.filter(selection__household_id=user.household_id).exclude(
            selection__status=SelectionStatus.CANCELLED
        ),
        pk=pk,
    )


# --- Reading -----------------------------------------------------------------------------


def _with_rent(entrant: RoundEntrant, units: list[Unit]) -> list[Unit]:
    """Set `unit.terms` (the lease terms from today, or None) and `unit.rent` on each
    unit: what this household would pay there, worked out by the lease service itself.
    The rent standard and the relief tier are the same for every unit of an estate, so
    the terms are asked once per estate and the rent follows from each unit's area."""
    today = timezone.localdate()
    per_estate: dict[int, Terms | None] = {}
    for unit in units:
        if unit.estate_id not in per_estate:
            # An unsaved selection: the terms a lease would have if this unit were chosen.
            probe = Selection(
                round=entrant.round, entrant=entrant, unit=unit, chosen_at=timezone.now()
            )
            try:
                per_estate[unit.estate_id] = lease_offer_terms(probe, start=today)
            except DomainError:
                per_estate[unit.estate_id] = None
        terms = per_estate[unit.estate_id]
        unit.terms = terms
        unit.rent = (
            monthly_rent(unit.area_m2, terms.price_per_m2, terms.relief_tier) if terms else None
        )
    return units


def _ahead(entrant: RoundEntrant) -> int:
    """How many households still waiting choose before this one."""
    return (
        entrant.round.entrants.filter(status=EntrantStatus.WAITING_TURN, order__lt=entrant.order)
        .exclude(pk=entrant.pk)
        .count()
    )


def _is_turn(entrant: RoundEntrant) -> tuple[bool, RoundEntrant | None]:
    turn = round_turn(entrant.round)
    return turn is not None and turn.pk == entrant.pk, turn


def _not_your_turn(request, entrant: RoundEntrant):
    ahead = _ahead(entrant)
    messages.error(
        request,
        ngettext(
            "It is not your turn to choose yet: %(n)s household chooses before you. "
            "This page shows the units you may choose when your turn comes.",
            "It is not your turn to choose yet: %(n)s households choose before you. "
            "This page shows the units you may choose when your turn comes.",
            ahead,
        )
        % {"n": ahead},
    )
    return redirect("portal_choice", pk=entrant.round_id)


def _say(request, exc: DomainError, entrant: RoundEntrant):
    if exc.code == "not_your_turn":
        return _not_your_turn(request, entrant)
    messages.error(request, exc.message)
    return redirect("portal_choice", pk=entrant.round_id)


# --- Pages -------------------------------------------------------------------------------


@portal_view(find=own_entrant)
def choice(request, entrant, pk):
    rnd = entrant.round
    is_turn, turn = _is_turn(entrant)
    waiting = entrant.status == EntrantStatus.WAITING_TURN
    units = (
        _with_rent(entrant, list(units_choosable(entrant).select_related("building")))
        if (waiting and is_turn)
        else []
    )
    selection = (
        entrant.selections.exclude(status=SelectionStatus.CANCELLED)
        .select_related("unit__estate__operator", "unit__building")
        .first()
    )
    offer = LeaseOffer.objects.filter(selection=selection).first() if selection else None
    return render(
        request,
        "portal/choose.html",
        {
            "entrant": entrant,
            "round": rnd,
            "entry": entrant.waiting_entry,
            "ruleset": rnd.ruleset,
            "total": rnd.entrants.count(),
            "waiting": waiting and rnd.status == RoundStatus.PUBLISHED,
            "is_turn": is_turn,
            "turn": turn,
            "ahead": _ahead(entrant) if waiting and not is_turn else 0,
            "units": units,
            "selection": selection,
            "offer": offer,
            "operator": selection.unit.estate.operator if selection else None,
            "years": max(1, offer.end.year - offer.start.year) if offer else None,
            "refusal": entrant.refusals.order_by("-recorded_at").first()
            if entrant.status == EntrantStatus.REFUSED
            else None,
        },
    )


@portal_view(find=own_unit_choice, methods=("GET", "POST"))
def choose_unit(request, found, pk, unit_pk):
    entrant, unit = found
    if request.method == "POST":
        try:
            choosing.selection_choose(entrant, actor=request.user, unit=unit)
        except DomainError as exc:
            return _say(request, exc, entrant)
        messages.success(
            request,
            _("You chose unit %(unit)s. The next steps are below.") % {"unit": unit.code},
        )
        return redirect("portal_choice", pk=entrant.round_id)
    if entrant.status != EntrantStatus.WAITING_TURN:
        return redirect("portal_choice", pk=entrant.round_id)
    is_turn, _turn = _is_turn(entrant)
    if not is_turn:
        return _not_your_turn(request, entrant)
    if not units_choosable(entrant).filter(pk=unit.pk).exists():
        messages.error(
            request,
            _("Unit %(unit)s is not one your family may choose now. Choose one from the list.")
            % {"unit": unit.code},
        )
        return redirect("portal_choice", pk=entrant.round_id)
    _with_rent(entrant, [unit])
    return render(
        request,
        "portal/choose_confirm.html",
        {"entrant": entrant, "round": entrant.round, "unit": unit},
    )


@portal_view(find=own_entrant, methods=("GET", "POST"))
def decline(request, entrant, pk):
    if entrant.status != EntrantStatus.WAITING_TURN:
        return redirect("portal_choice", pk=entrant.round_id)
    is_turn, _turn = _is_turn(entrant)
    if not is_turn:
        return _not_your_turn(request, entrant)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A family cannot judge its own reason valid: a refusal on the portal is counted.
        try:
            choosing.entrant_refuse(
                entrant, actor=request.user, reason=form.cleaned_data["reason"], valid=False
            )
        except DomainError as exc:
            return _say(request, exc, entrant)
        messages.success(request, _("Your family declined to choose in this round."))
        return redirect("portal_choice", pk=entrant.round_id)
    rnd = entrant.round
    return render(
        request,
        "portal/choose_decline.html",
        {
            "entrant": entrant,
            "round": rnd,
            "entry": entrant.waiting_entry,
            "ruleset": rnd.ruleset,
            "form": form,
        },
    )


@portal_view(find=own_offer)
def offer_contract(request, offer, pk):
    if not offer.contract:
        raise Http404
    return FileResponse(
        offer.contract.open("rb"),
        as_attachment=False,
        filename=f"{offer.number}.pdf",
        content_type="application/pdf",
    )
