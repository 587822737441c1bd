"""A household's account (账户): its open and paid bills, the payments with what each
settled, refunds, credit and balance; one payment with its receipt. For staff who see
the household's estate (Perm.TENANCY_VIEW); the buttons on the page lead to the
payment, refund and bill pages, each with its own permission."""

from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from anju.admission.services.lease import rmb_upper
from anju.core.access import staff_view
from anju.core.roles import Perm

from ..forms.billing import BillCancelForm
from ..selectors import accounts as selectors
from ..services.receipts import receipt_pdf


def _household(user, pk):
    return selectors.household_for_account(user, pk)


def _payment(user, pk):
    return selectors.payment_for_user(user, pk)


@staff_view(Perm.TENANCY_VIEW, find=_household)
def household_account(request, household, pk):
    context = selectors.account_of(household, all_closed=request.GET.get("closed") == "all")
    context.update(
        {
            "household": household,
            "cancel_form": BillCancelForm(),
            "lease": household.leases.filter(status="active").select_related("unit").first(),
        }
    )
    return render(request, "tenancy/accounts/account.html", context)


@staff_view(Perm.TENANCY_VIEW, find=_payment)
def payment_detail(request, payment, pk):
    allocations = list(payment.allocations.select_related("bill").order_by("bill__due_on", "id"))
    allocated = sum((a.amount for a in allocations), Decimal("0.00"))
    return render(
        request,
        "tenancy/accounts/payment_detail.html",
        {
            "payment": payment,
            "household": payment.household,
            "allocations": allocations,
            "allocated": allocated,
            "unallocated": payment.amount - allocated,
            "credit": selectors.credit_of(payment.household_id),
            "amount_upper": rmb_upper(payment.amount),
        },
    )


@staff_view(Perm.TENANCY_VIEW, find=_payment)
def payment_receipt(request, payment, pk):
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{payment.number}.pdf"'
    return response


urlpatterns = [
    path("households/<int:pk>/account/", household_account, name="household_account"),
    path("payments/<int:pk>/", payment_detail, name="payment_detail"),
    path("payments/<int:pk>/receipt.pdf", payment_receipt, name="payment_receipt"),
]
