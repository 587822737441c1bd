"""Staff pages of the exits app: the move-out handover (a form made for a phone in the
empty unit: one row per checklist item with its state at move-in beside it) and its
record, then the deposit settlement (the statement's numbers before settling, then the
settlement and its PDF). Recording either is Perm.HANDOVER (the authority and the
estate's operator); reading them is Perm.EXITS_VIEW."""

from decimal import Decimal

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.roles import Perm
from anju.housing.handover import CHECKLIST_ITEMS, METERS, REQUIRED_METERS
from anju.housing.models import Unit
from anju.tenancy.models import BillKind

from ..forms.handovers import HandoverForm, SettlementForm, handover_input
from ..models import Stage
from ..selectors import handovers as selectors
from ..services import handovers as services
from ..services import settlement as settlement_services


def _form_rows(post, comparison):
    """One row per checklist item and meter, with the move-in beside it and, after an
    error, what was typed."""
    post = post or {}
    by_code = {row.code: row for row in comparison.items}
    items = [
        {
            "code": code,
            "label": label,
            "move_in": by_code[code].move_in,
            "state": post.get(f"item-{code}", ""),
            "note": post.get(f"note-{code}", ""),
            "charge": post.get(f"charge-{code}", ""),
        }
        for code, label in CHECKLIST_ITEMS.items()
    ]
    meters_in = {row.code: row.move_in for row in comparison.meters}
    meters = [
        {
            "code": code,
            "label": label,
            "move_in": meters_in.get(code),
            "value": post.get(f"meter-{code}", ""),
            "required": code in REQUIRED_METERS,
        }
        for code, label in METERS.items()
    ]
    return items, meters


@staff_view(Perm.HANDOVER, find=selectors.case_for_user, methods=("GET", "POST"))
def exit_handover_new(request, case, pk):
    if selectors.handover_of(case) is not None:
        if request.method == "POST":
            messages.error(request, _("The keys of this case have already been handed back."))
        return redirect("exit_handover", pk=case.pk)
    form = HandoverForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = Unit.objects.visible_to(request.user).filter(code=data["unit"].strip()).first()
        try:
            if unit is None:
                raise DomainError(
                    _("There is no unit %(u)s in your estates.") % {"u": data["unit"]},
                    code="wrong_unit",
                )
            services.move_out(
                case,
                actor=request.user,
                unit=unit,
                on=data["on"],
                keys=data["keys"],
                cards=data["cards"],
                unit_after=data["unit_after"],
                note=data["note"],
                **handover_input(request.POST, request.FILES),
            )
        except DomainError as exc:
            # The service names every problem in one message; one line each here.
            for problem in str(exc.message).split("; "):
                form.add_error(None, problem)
        else:
            messages.success(
                request,
                _(
                    "Unit %(u)s is handed back: the lease has ended and the door credentials "
                    "are revoked. Settle the deposit next."
                )
                % {"u": case.unit.code},
            )
            return redirect("exit_handover", pk=case.pk)
    comparison = selectors.comparison(case.lease)
    items, meters = _form_rows(request.POST if request.method == "POST" else None, comparison)
    return render(
        request,
        "exits/handovers/new.html",
        {
            "case": case,
            "form": form,
            "comparison": comparison,
            "items": items,
            "meters": meters,
            "may_hand_over": case.stage in services.MOVE_OUT_STAGES,
            "resubmitted": request.method == "POST",
            "today": timezone.localdate(),
        },
    )


def _handover_or_404(case):
    handover = selectors.handover_of(case)
    if handover is None:
        raise Http404
    return handover


@staff_view(Perm.EXITS_VIEW, find=selectors.case_for_user)
def exit_handover(request, case, pk):
    handover = _handover_or_404(case)
    return render(
        request,
        "exits/handovers/detail.html",
        {
            "case": case,
            "handover": handover,
            "comparison": selectors.comparison(case.lease, handover),
            "photos": list(handover.photos.all()),
            "damage_bills": selectors.damage_bills(case),
            "shortened": selectors.shortened_bills(case),
            "rent_returned": selectors.rent_returned(case),
            "repair_task": selectors.repair_task(case),
            "settlement": selectors.settlement_of(case),
            "may_settle": case.stage == Stage.HANDED_OVER
            and Perm.HANDOVER in request.user.permission_set,
        },
    )


def _figures(lines) -> dict:
    """The statement's summary figures by code, from its lines."""
    return {
        line["code"]: Decimal(line["amount"])
        for line in lines
        if line.get("code") in settlement_services.LINE_LABELS
    }


@staff_view(Perm.HANDOVER, find=selectors.case_for_user, methods=("GET", "POST"))
def exit_settlement_new(request, case, pk):
    if selectors.settlement_of(case) is not None:
        if request.method == "POST":
            messages.error(request, _("The deposit of this case is already settled."))
        return redirect("exit_settlement", pk=case.pk)
    form = SettlementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            settlement = settlement_services.settle(
                case,
                actor=request.user,
                refund_method=form.cleaned_data["refund_method"],
                on=form.cleaned_data["on"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Deposit settled (%(n)s); exit case %(c)s is closed and the archive kept.")
                % {"n": settlement.number, "c": case.number},
            )
            return redirect("exit_settlement", pk=case.pk)
    preview = settlement_services.settlement_preview(case)
    return render(
        request,
        "exits/handovers/settlement_new.html",
        {
            "case": case,
            "form": form,
            "preview": preview,
            "figures": _figures(preview.lines()),
            "handover": selectors.handover_of(case),
            "may_settle": case.stage == Stage.HANDED_OVER,
        },
    )


def _settlement_or_404(case):
    settlement = selectors.settlement_of(case)
    if settlement is None:
        raise Http404
    return settlement


@staff_view(Perm.EXITS_VIEW, find=selectors.case_for_user)
def exit_settlement(request, case, pk):
    settlement = _settlement_or_404(case)
    return render(
        request,
        "exits/handovers/settlement.html",
        {
            "case": case,
            "settlement": settlement,
            "figures": _figures(settlement.lines),
            "conduct": selectors.conduct_records(case),
            "bills": [
                {**line, "kind_label": BillKind(line["kind"]).label}
                for line in settlement.lines
                if line.get("code") == "bill"
            ],
            "handover": selectors.handover_of(case),
        },
    )


@staff_view(Perm.EXITS_VIEW, find=selectors.case_for_user)
def exit_settlement_pdf(request, case, pk):
    settlement = _settlement_or_404(case)
    if not settlement.document:
        raise Http404
    response = FileResponse(settlement.document.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{settlement.number}.pdf"'
    return response


urlpatterns = [
    path("exits/cases/<int:pk>/handover/new/", exit_handover_new, name="exit_handover_new"),
    path("exits/cases/<int:pk>/handover/", exit_handover, name="exit_handover"),
    path("exits/cases/<int:pk>/settlement/new/", exit_settlement_new, name="exit_settlement_new"),
    path("exits/cases/<int:pk>/settlement/", exit_settlement, name="exit_settlement"),
    path("exits/cases/<int:pk>/settlement.pdf", exit_settlement_pdf, name="exit_settlement_pdf"),
]
