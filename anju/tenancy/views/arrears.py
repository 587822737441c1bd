"""Arrears pages for staff: the arrears ledger (aging buckets, the recommended next
step of each household and why, the bulk SMS action, Excel export); one household's
arrears with its steps, holds and repayment agreements; an agreement's schedule; and
the rule table, which the authority edits (Perm.VACATE_LIST: the table decides who goes
on the authority's “must vacate” list, and only the authority holds that permission)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.export import xlsx_response
from anju.core.models import AuditEntry, TimelineEntry
from anju.core.roles import Perm
from anju.households.models import Household

from ..forms_arrears import (
    AgreementForm,
    HoldForm,
    LedgerFilterForm,
    ReasonForm,
    StepForm,
    StepsForm,
)
from ..models import (
    AgreementStatus,
    ArrearsAction,
    ArrearsHold,
    ArrearsStep,
    Bill,
    RepaymentAgreement,
)
from ..selectors import arrears as q
from ..services import agreements as agreement_svc
from ..services import arrears as svc

EXPORT_CHUNK = 2000


def find_household(user, pk) -> Household:
    return get_or_404(
        Household.objects.visible_to(user).select_related("head", "unit", "estate"), pk=pk
    )


def find_hold(user, pk) -> ArrearsHold:
    return get_or_404(ArrearsHold.objects.visible_to(user).select_related("household"), pk=pk)


def find_agreement(user, pk) -> RepaymentAgreement:
    return get_or_404(
        RepaymentAgreement.objects.visible_to(user).select_related(
            "household__head", "household__unit", "created_by"
        ),
        pk=pk,
    )


# --- The ledger ----------------------------------------------------------------------


def _filters(request):
    form = LedgerFilterForm(request.GET or None, user=request.user)
    if form.is_valid():
        return form, form.cleaned_data.get("estate"), form.cleaned_data.get("bucket") or None
    return form, None, None


def _items(rows, today, steps):
    rows = list(rows)
    return [
        {"row": r, "standing": s}
        for r, s in zip(rows, svc.standings(rows, today, steps), strict=True)
    ]


def _export(rows, today, steps):
    batch = []
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        batch.append(row)
        if len(batch) == EXPORT_CHUNK:
            yield from _export_lines(batch, today, steps)
            batch = []
    yield from _export_lines(batch, today, steps)


def _export_lines(rows, today, steps):
    for item in _items(rows, today, steps):
        r, s = item["row"], item["standing"]
        yield [
            r["household__number"],
            r["household__head__name"] or "",
            r["household__estate__name"] or "",
            r["household__unit__code"] or "",
            s.bucket.label if s.bucket else "",
            s.months,
            s.owed,
            s.spell,
            s.last_action_label,
            s.last_step_on or "",
            s.action_label,
            s.reason,
        ]


@staff_view(Perm.TENANCY_VIEW)
def arrears_ledger(request):
    today = timezone.localdate()
    form, estate, bucket = _filters(request)
    bills = Bill.objects.visible_to(request.user)
    rows = q.ledger_rows(bills, today, estate=estate, bucket=bucket)
    steps = svc.active_steps()
    if request.GET.get("format") == "xlsx" and request.user.can(Perm.EXPORT):
        return xlsx_response(
            f"arrears-{today:%Y%m%d}.xlsx",
            [
                _("Household no."),
                _("Head"),
                _("Estate"),
                _("Unit"),
                _("Months owed"),
                _("Months of rent owed"),
                _("Amount overdue (yuan)"),
                _("In arrears since"),
                _("Last step"),
                _("Last step on"),
                _("Recommended next step"),
                _("Why"),
            ],
            _export(rows, today, steps),
        )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "filter": {"form": form},
        "page": page,
        "items": _items(page.object_list, today, steps),
        "totals": q.bucket_totals(bills, today, estate=estate),
        "bucket": bucket,
        "estate": estate,
        "today": today,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "tenancy/arrears/ledger.html#table", context)
    return render(request, "tenancy/arrears/ledger.html", context)


@staff_view(Perm.ARREARS_MANAGE, methods=("POST",))
def arrears_sms_bulk(request):
    """Take every SMS reminder the rule table recommends today, in the user's scope
    (and the estate filtered, if any)."""
    form = LedgerFilterForm(request.POST, user=request.user)
    estate = form.cleaned_data.get("estate") if form.is_valid() else None
    bills = Bill.objects.visible_to(request.user)
    if estate is not None:
        bills = bills.filter(estate=estate)
    taken = svc.steps_take_recommended(actor=request.user, bills=bills, action=ArrearsAction.SMS)
    if taken:
        messages.success(request, _("%(n)s SMS reminders queued.") % {"n": taken})
    else:
        messages.info(request, _("No SMS reminder is due today."))
    query = urlencode({"estate": estate.pk}) if estate is not None else ""
    return redirect(reverse("arrears_ledger") + (f"?{query}" if query else ""))


# --- One household -----------------------------------------------------------------


def _household_context(request, household, **forms):
    today = timezone.localdate()
    standing = svc.standing_of(household, today)
    data = q.household_arrears(household, today)
    steps = list(ArrearsStep.objects.order_by("order"))
    taken = standing.taken if standing else {}
    current_hold = next(
        (h for h in data["holds"] if h.since <= today and (h.until is None or h.until >= today)),
        None,
    )
    active = next((a for a in data["agreements"] if a.status == AgreementStatus.ACTIVE), None)
    return {
        "household": household,
        "standing": standing,
        "today": today,
        **data,
        "steps": steps,
        "taken": taken,
        "current_hold": current_hold,
        "active_agreement": active,
        "other_actions": [
            s for s in steps if s.action not in taken and s.action != ArrearsAction.MUST_VACATE
        ],
        "step_form": forms.get("step_form") or StepForm(),
        "hold_form": forms.get("hold_form") or HoldForm(initial={"since": today}),
        "agreement_form": forms.get("agreement_form")
        or AgreementForm(
            initial={
                "instalments": AgreementForm.suggestion(data["overdue_total"], today),
                "signed_on": today,
            }
        ),
    }


@staff_view(Perm.TENANCY_VIEW, find=find_household)
def arrears_household(request, household, pk):
    return render(request, "tenancy/arrears/household.html", _household_context(request, household))


def _back(household):
    return redirect("arrears_household", pk=household.pk)


@staff_view(Perm.ARREARS_MANAGE, find=find_household, methods=("POST",))
def arrears_step_take(request, household, pk):
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return _back(household)
    try:
        notice = svc.step_take(
            household,
            actor=request.user,
            action=form.cleaned_data["action"] or None,
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(step)s taken for %(h)s.")
            % {"step": notice.get_action_display(), "h": household.number},
        )
    return _back(household)


@staff_view(Perm.ARREARS_MANAGE, find=find_household, methods=("POST",))
def arrears_hold_add(request, household, pk):
    form = HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the court case's reference."))
        return _back(household)
    try:
        svc.hold_record(
            household,
            actor=request.user,
            reference=form.cleaned_data["reference"],
            since=form.cleaned_data["since"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The arrears steps are on hold while the case is in court."))
    return _back(household)


@staff_view(Perm.ARREARS_MANAGE, find=find_hold, methods=("POST",))
def arrears_hold_lift(request, hold, pk):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason, e.g. the judgment."))
        return _back(hold.household)
    try:
        svc.hold_lift(hold, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The hold is lifted; the arrears steps resume."))
    return _back(hold.household)


@staff_view(Perm.ARREARS_MANAGE, find=find_household, methods=("POST",))
def agreement_create(request, household, pk):
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            agreement = agreement_svc.agreement_create(
                household,
                actor=request.user,
                instalments=form.cleaned_data["instalments"],
                signed_on=form.cleaned_data["signed_on"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Repayment agreement %(no)s signed: ¥%(total)s in %(n)s instalments.")
                % {
                    "no": agreement.number,
                    "total": agreement.total,
                    "n": agreement.instalments.count(),
                },
            )
            return redirect("agreement_detail", pk=agreement.pk)
    context = _household_context(request, household, agreement_form=form)
    return render(request, "tenancy/arrears/household.html", context, status=200)


# --- Agreements ----------------------------------------------------------------------


@staff_view(Perm.TENANCY_VIEW, find=find_agreement)
def agreement_detail(request, agreement, pk):
    today = timezone.localdate()
    states = agreement_svc.instalment_states(agreement, today)
    history = TimelineEntry.objects.filter(
        household=agreement.household, verb__startswith="agreement.", data__number=agreement.number
    ).order_by("-at", "-pk")
    return render(
        request,
        "tenancy/arrears/agreement.html",
        {
            "agreement": agreement,
            "states": states,
            "paid_since": states[-1].paid if states else 0,
            "history": history,
            "grace_days": agreement_svc.grace_days(),
            "today": today,
        },
    )


@staff_view(Perm.ARREARS_MANAGE, find=find_agreement, methods=("POST",))
def agreement_cancel(request, agreement, pk):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for cancelling."))
        return redirect("agreement_detail", pk=agreement.pk)
    try:
        agreement_svc.agreement_cancel(
            agreement, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Agreement %(no)s cancelled; the arrears steps resume.") % {"no": agreement.number},
        )
    return redirect("agreement_detail", pk=agreement.pk)


# --- The rule table ------------------------------------------------------------------


@staff_view(Perm.TENANCY_VIEW)
def arrears_steps(request):
    # The table's changes, with the document each cites: public knowledge, like the
    # amendments listed on the admission rules' public page.
    changes = AuditEntry.objects.filter(action="arrears.steps_update").order_by("-at", "-pk")[:30]
    return render(
        request,
        "tenancy/arrears/steps.html",
        {"steps": ArrearsStep.objects.order_by("order"), "changes": changes},
    )


@staff_view(Perm.VACATE_LIST, methods=("GET", "POST"))
def arrears_steps_edit(request):
    steps = list(ArrearsStep.objects.order_by("order"))
    form = StepsForm(request.POST or None, steps=steps)
    if request.method == "POST" and form.is_valid():
        try:
            svc.steps_update(
                actor=request.user, rows=form.changes(), source=form.cleaned_data["source"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The arrears rule table is saved."))
            return redirect("arrears_steps")
    return render(request, "tenancy/arrears/steps_edit.html", {"form": form})


urlpatterns = [
    path("arrears/", arrears_ledger, name="arrears_ledger"),
    path("arrears/sms/", arrears_sms_bulk, name="arrears_sms_bulk"),
    path("arrears/steps/", arrears_steps, name="arrears_steps"),
    path("arrears/steps/edit/", arrears_steps_edit, name="arrears_steps_edit"),
    path("arrears/households/<int:pk>/", arrears_household, name="arrears_household"),
    path("arrears/households/<int:pk>/step/", arrears_step_take, name="arrears_step_take"),
    path("arrears/households/<int:pk>/hold/", arrears_hold_add, name="arrears_hold_add"),
    path("arrears/households/<int:pk>/agreement/", agreement_create, name="agreement_create"),
    path("arrears/holds/<int:pk>/lift/", arrears_hold_lift, name="arrears_hold_lift"),
    path("arrears/agreements/<int:pk>/", agreement_detail, name="agreement_detail"),
    path("arrears/agreements/<int:pk>/cancel/", agreement_cancel, name="agreement_cancel"),
]
