"""From a chosen unit to moving in: the lease offer (terms computed from the rules, the
contract PDF), the upload of the signed contract, and the move-in handover form. For
the authority and for the operator running the unit's estate (Perm.LEASE_SIGN).

An offer is in a staff member's scope when its unit's estate is."""

import datetime

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm
from anju.households.models import CredentialKind

from ..models import LeaseOffer, MoveInHandover, Selection, SelectionStatus
from ..services import lease as services

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CREDENTIAL_LINES = 2  # per member on the handover form


# --- Finding -----------------------------------------------------------------------------


def find_selection(user, pk):
    return get_or_404(
        Selection.objects.visible_to(user).select_related(
            "round__ruleset", "unit__estate", "unit__building", "household__head", "entrant"
        ),
        pk=pk,
    )


def find_offer(user, pk):
    return get_or_404(
        LeaseOffer.objects.visible_to(user).select_related(
            "selection__round__ruleset",
            "selection__unit__estate",
            "selection__unit__building",
            "selection__household__head",
            "selection__entrant",
            "signed_scan",
            "lease",
        ),
        pk=pk,
    )


# --- Forms -------------------------------------------------------------------------------


class OfferForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("Lease starts"), widget=DATE)
    years = forms.TypedChoiceField(label=gettext_lazy("Term"), coerce=int)

    def __init__(self, *args, max_years: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["years"].choices = [
            (n, _("%(n)s years") % {"n": n} if n > 1 else _("1 year"))
            for n in range(max_years, 0, -1)
        ]
        self.fields["years"].help_text = _(
            "At most %(n)s years under the round's rules (art. 18 of the Measures)."
        ) % {"n": max_years}


class SignForm(forms.Form):
    signed_scan = forms.FileField(
        label=gettext_lazy("Scan of the signed contract"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".pdf,.jpg,.jpeg,.png"}
        ),
        help_text=gettext_lazy("PDF, JPEG or PNG. It is kept in the household's archive."),
    )


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


# --- Pages -------------------------------------------------------------------------------


STAGES = {
    "sign": Q(signed_at__isnull=True),
    "handover": Q(signed_at__isnull=False, lease__isnull=True),
    "done": Q(lease__isnull=False),
}


@staff_view(Perm.LEASE_SIGN)
def lease_offer_list(request):
    stage = request.GET.get("stage", "")
    offers = LeaseOffer.objects.visible_to(request.user).select_related(
        "selection__unit__estate", "selection__household__head", "selection__round"
    )
    if stage in STAGES:
        offers = offers.filter(STAGES[stage])
    return list_page(
        request,
        "admission/lease/offer_list.html",
        offers.order_by("-created_at", "-id"),
        {"stage": stage},
    )


@staff_view(Perm.LEASE_SIGN, find=find_selection, methods=("GET", "POST"))
def lease_offer_create(request, selection, pk):
    offer = LeaseOffer.objects.filter(selection=selection).first()
    if offer is not None and offer.signed_at is not None:
        return redirect("lease_offer_detail", pk=offer.pk)
    max_years = selection.round.ruleset.max_lease_years
    initial = {
        "start": offer.start if offer else timezone.localdate(),
        "years": _years_between(offer.start, offer.end) if offer else max_years,
    }
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "start" in request.GET else None)
    )
    form = OfferForm(data, initial=initial, max_years=max_years)
    if request.method == "POST":
        if form.is_valid():
            try:
                if offer is None:
                    offer = services.lease_offer_create(
                        selection, actor=request.user, **form.cleaned_data
                    )
                    done = _("Lease offer %(n)s prepared; print the contract for signing.")
                else:
                    offer = services.lease_offer_revise(
                        offer, actor=request.user, **form.cleaned_data
                    )
                    done = _("Lease offer %(n)s changed; the contract was made again.")
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, done % {"n": offer.number})
                return redirect("lease_offer_detail", pk=offer.pk)
        else:
            messages.error(request, _errors(form))
    if selection.status != SelectionStatus.HELD and offer is None:
        messages.warning(request, _("This selection is no longer held; no lease can be offered."))
    terms, problem = None, ""
    values = form.cleaned_data if form.is_bound and form.is_valid() else initial
    try:
        terms = services.lease_offer_terms(
            selection, start=values["start"], years=int(values["years"])
        )
    except DomainError as exc:
        problem = exc.message
    return render(
        request,
        "admission/lease/offer_create.html",
        {
            "selection": selection,
            "offer": offer,
            "form": form,
            "terms": terms,
            "problem": problem,
            "category": selection.entrant.waiting_entry.get_category_display(),
        },
    )


def _years_between(start: datetime.date, end: datetime.date) -> int:
    return max(1, end.year - start.year)


def _members(offer):
    return list(offer.selection.household.members.filter(left_at__isnull=True).order_by("id"))


@staff_view(Perm.LEASE_SIGN, find=find_offer)
def lease_offer_detail(request, offer, pk):
    handover = MoveInHandover.objects.filter(offer=offer).select_related("done_by").first()
    checklist = []
    if handover:
        checklist = [
            {**row, "label": services.CHECKLIST_ITEMS.get(row["item"], row["item"])}
            for row in handover.checklist
        ]
    members = _members(offer)
    return render(
        request,
        "admission/lease/offer_detail.html",
        {
            "offer": offer,
            "selection": offer.selection,
            "handover": handover,
            "checklist": checklist,
            "meters": [
                (label, handover.meter_readings.get(code))
                for code, label in services.METERS.items()
            ]
            if handover
            else [],
            "photos": list(handover.photos.all()) if handover else [],
            "members": members,
            "credentials": [
                (m, list(m.credentials.filter(revoked_at__isnull=True))) for m in members
            ]
            if handover
            else [],
            "sign_form": SignForm(),
            "rent_upper": services.rmb_upper(offer.monthly_rent),
            "relief_percent": int(offer.relief_tier * 100),
            "years": _years_between(offer.start, offer.end),
        },
    )


@staff_view(Perm.LEASE_SIGN, find=find_offer)
def lease_contract(request, offer, pk):
    if not offer.contract:
        raise Http404
    return FileResponse(
        offer.contract.open("rb"),
        as_attachment=False,
        filename=f"{offer.number}.pdf",
        content_type="application/pdf",
    )


def _offer_document(user, pk, doc_pk):
    offer = find_offer(user, pk)
    allowed = set()
    if offer.signed_scan_id:
        allowed.add(offer.signed_scan_id)
    handover = MoveInHandover.objects.filter(offer=offer).first()
    if handover:
        allowed |= set(handover.photos.values_list("pk", flat=True))
    if doc_pk not in allowed:
        raise Http404
    return offer.selection.household.documents.get(pk=doc_pk)


@staff_view(Perm.LEASE_SIGN, find=_offer_document)
def lease_offer_document(request, document, pk, doc_pk):
    """The signed scan and the handover photos, for the staff of the offer's estate
    (who may not see the household's whole archive before it moves in)."""
    return FileResponse(
        document.file.open("rb"),
        as_attachment=False,
        filename=document.file.name.rsplit("/", 1)[-1],
    )


@staff_view(Perm.LEASE_SIGN, find=find_offer, methods=("POST",))
def lease_offer_sign(request, offer, pk):
    form = SignForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("lease_offer_detail", pk=offer.pk)
    try:
        services.lease_offer_sign(
            offer, actor=request.user, signed_scan_file=form.cleaned_data["signed_scan"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("lease_offer_detail", pk=offer.pk)
    messages.success(
        request,
        _("Lease %(n)s signed; the scan is in the household's archive. Hand the unit over next.")
        % {"n": offer.number},
    )
    return redirect("lease_handover", pk=offer.pk)


def _handover_input(request, members):
    post = request.POST
    checklist = []
    for code in services.CHECKLIST_ITEMS:
        state = post.get(f"item-{code}", "")
        checklist.append(
            {
                "item": code,
                "ok": {"ok": True, "defect": False}.get(state),
                "note": post.get(f"note-{code}", ""),
            }
        )
    credentials = []
    for member in members:
        for n in range(1, CREDENTIAL_LINES + 1):
            ref = post.get(f"cred-{member.pk}-{n}-ref", "").strip()
            if ref:
                credentials.append((member.pk, post.get(f"cred-{member.pk}-{n}-kind", ""), ref))
    return {
        "checklist": checklist,
        "meter_readings": {m: post.get(f"meter-{m}", "") for m in services.METERS},
        "keys": post.get("keys", ""),
        "cards": post.get("cards", ""),
        "photos": request.FILES.getlist("photos"),
        "credentials": credentials,
    }


def _handover_rows(post, members):
    """The form's rows, holding what was typed when the form comes back with an error."""
    post = post or {}
    items = [
        {
            "code": code,
            "label": label,
            "state": post.get(f"item-{code}", ""),
            "note": post.get(f"note-{code}", ""),
        }
        for code, label in services.CHECKLIST_ITEMS.items()
    ]
    meters = [
        {
            "code": code,
            "label": label,
            "value": post.get(f"meter-{code}", ""),
            "required": code in services.REQUIRED_METERS,
        }
        for code, label in services.METERS.items()
    ]
    people = [
        {
            "member": m,
            "lines": [
                {
                    "n": n,
                    "kind": post.get(f"cred-{m.pk}-{n}-kind", ""),
                    "ref": post.get(f"cred-{m.pk}-{n}-ref", ""),
                }
                for n in range(1, CREDENTIAL_LINES + 1)
            ],
        }
        for m in members
    ]
    return items, meters, people


@staff_view(Perm.LEASE_SIGN, find=find_offer, methods=("GET", "POST"))
def lease_handover(request, offer, pk):
    if MoveInHandover.objects.filter(offer=offer).exists():
        if request.method == "POST":
            messages.error(
                request,
                _("Unit %(unit)s has already been handed over for lease %(n)s.")
                % {"unit": offer.selection.unit.code, "n": offer.number},
            )
        return redirect("lease_offer_detail", pk=offer.pk)
    members = _members(offer)
    if request.method == "POST":
        try:
            services.move_in_handover(
                offer, actor=request.user, **_handover_input(request, members)
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Unit %(unit)s handed over: lease %(n)s has started and the unit is occupied.")
                % {"unit": offer.selection.unit.code, "n": offer.number},
            )
            return redirect("lease_offer_detail", pk=offer.pk)
    items, meters, people = _handover_rows(
        request.POST if request.method == "POST" else None, members
    )
    return render(
        request,
        "admission/lease/handover.html",
        {
            "offer": offer,
            "selection": offer.selection,
            "items": items,
            "meters": meters,
            "people": people,
            "kinds": CredentialKind.choices,
            "keys": request.POST.get("keys", ""),
            "cards": request.POST.get("cards", ""),
            "resubmitted": request.method == "POST",
        },
    )


urlpatterns = [
    path("offers/", lease_offer_list, name="lease_offer_list"),
    path("selections/<int:pk>/offer/", lease_offer_create, name="lease_offer_create"),
    path("offers/<int:pk>/", lease_offer_detail, name="lease_offer_detail"),
    path("offers/<int:pk>/contract.pdf", lease_contract, name="lease_contract"),
    path(
        "offers/<int:pk>/documents/<int:doc_pk>/",
        lease_offer_document,
        name="lease_offer_document",
    ),
    path("offers/<int:pk>/sign/", lease_offer_sign, name="lease_offer_sign"),
    path("offers/<int:pk>/handover/", lease_handover, name="lease_handover"),
]
