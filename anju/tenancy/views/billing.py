"""Bills (Perm.BILLING_MANAGE): a one-off bill raised on a household's account, an
unpaid bill cancelled with its reason, and the monthly bill run — the past runs, and a
month run on demand as a background job whose page shows its progress. An operator
clerk's run covers the estates they work for; the authority's the whole district."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm
from anju.core.scoping import sees_whole_district
from anju.housing.models import Estate

from ..forms.billing import BillCancelForm, BillRaiseForm, BillRunForm
from ..models import Bill, BillRun
from ..selectors import accounts as selectors
from ..services.billing import bill_cancel, bill_raise
from ..services.billrun_jobs import billrun_job_start


def _household(user, pk):
    return selectors.household_for_account(user, pk)


def _bill(user, pk):
    return selectors.bill_for_user(user, pk)


def _run(user, pk):
    return get_or_404(BillRun.objects.visible_to(user).select_related("created_by", "job"), pk=pk)


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


# --- One bill -----------------------------------------------------------------------------


@staff_view(Perm.BILLING_MANAGE, find=_household, methods=("GET", "POST"))
def bill_raise_page(request, household, pk):
    form = BillRaiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bill = bill_raise(household, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(kind)s of ¥%(amount)s raised, due %(due)s.")
                % {
                    "kind": bill.get_kind_display(),
                    "amount": bill.amount,
                    "due": f"{bill.due_on:%Y-%m-%d}",
                },
            )
            return redirect("household_account", pk=household.pk)
    return render(
        request,
        "tenancy/billing/bill_raise.html",
        {"household": household, "form": form, "credit": selectors.credit_of(household)},
    )


@staff_view(Perm.BILLING_MANAGE, find=_bill, methods=("POST",))
def bill_cancel_page(request, bill, pk):
    form = BillCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
    else:
        try:
            bill_cancel(bill, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            label = bill.get_kind_display()
            if bill.period:
                label = f"{label} {bill.period:%Y-%m}"
            messages.success(
                request,
                _("%(bill)s of ¥%(amount)s cancelled: %(reason)s")
                % {"bill": label, "amount": bill.amount, "reason": bill.cancelled_reason},
            )
    return redirect("household_account", pk=bill.household_id)


# --- The bill run -------------------------------------------------------------------------


@staff_view(Perm.BILLING_MANAGE)
def billrun_list(request):
    user = request.user
    return list_page(
        request,
        "tenancy/billing/run_list.html",
        selectors.billruns_for(user).order_by("-started_at", "-pk"),
        {
            "form": BillRunForm(),
            "whole_district": sees_whole_district(user),
            "estates": list(Estate.objects.visible_to(user).order_by("code")),
        },
        page_size=24,
    )


@staff_view(Perm.BILLING_MANAGE, methods=("POST",))
def billrun_start(request):
    form = BillRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("billrun_list")
    try:
        job = billrun_job_start(actor=request.user, month=form.cleaned_data["month"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("billrun_list")
    return redirect("job_detail", pk=job.pk)


@staff_view(Perm.BILLING_MANAGE, find=_run)
def billrun_detail(request, run, pk):
    bills = (
        Bill.objects.visible_to(request.user)
        .filter(run=run)
        .select_related("household__head", "estate", "lease__unit")
        .order_by("estate__code", "household__number")
    )
    total = selectors.billruns_for(request.user).filter(pk=run.pk).first()
    page = Paginator(bills, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "tenancy/billing/run_detail.html",
        {
            "run": run,
            "page": page,
            "seen": total,
            "whole_district": sees_whole_district(request.user),
        },
    )


urlpatterns = [
    path("households/<int:pk>/bills/new/", bill_raise_page, name="bill_raise"),
    path("bills/<int:pk>/cancel/", bill_cancel_page, name="bill_cancel"),
    path("bill-runs/", billrun_list, name="billrun_list"),
    path("bill-runs/start/", billrun_start, name="billrun_start"),
    path("bill-runs/<int:pk>/", billrun_detail, name="billrun_detail"),
]
