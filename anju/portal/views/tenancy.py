"""My tenancy: the lease and the rent in force with its history, the household's bills
(open ones first) and payments with their receipts (the PDF of the billing pages), the
balance or credit, and the
messages sent to the household. Only the signed-in tenant's own household."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path

from anju.core.access import get_or_404
from anju.core.models import Message
from anju.households.models import Lease, LeaseStatus
from anju.tenancy.models import Bill, BillStatus, Payment
from anju.tenancy.services.payments import balance_of, credit_of
from anju.tenancy.services.receipts import receipt_pdf

from ..access import portal_view

PAID_BILLS_SHOWN = 6
PAYMENTS_SHOWN = 12
MESSAGES_SHOWN = 20


def own_tenant_household(user, **_kwargs):
    """The account's own household, once it has (or had) a lease."""
    if not user.household_id:
        raise Http404
    household = user.household
    if not Lease.objects.filter(household=household).exists():
        raise Http404
    return household


@portal_view(find=own_tenant_household)
def my_tenancy(request, household):
    leases = Lease.objects.filter(household=household).select_related("unit__estate")
    lease = leases.filter(status=LeaseStatus.ACTIVE).first() or leases.order_by("-start").first()
    bills = Bill.objects.filter(household=household)
    # Every open bill, then the latest settled ones.
    shown = list(bills.filter(status=BillStatus.OPEN).order_by("-due_on", "-id")) + list(
        bills.filter(status=BillStatus.PAID).order_by("-due_on", "-id")[:PAID_BILLS_SHOWN]
    )
    payments = list(
        Payment.objects.filter(household=household).order_by("-paid_at", "-id")[:PAYMENTS_SHOWN]
    )
    balance = balance_of(household)
    return render(
        request,
        "portal/tenancy/my_tenancy.html",
        {
            "household": household,
            "lease": lease,
            "rents": list(lease.rents.order_by("-effective_from")) if lease else [],
            "bills": shown,
            "payments": payments,
            "balance": balance,
            "owed": balance if balance > 0 else None,
            "credit": credit_of(household),
            "messages_sent": list(
                Message.objects.filter(household=household).order_by("-created_at", "-id")[
                    :MESSAGES_SHOWN
                ]
            ),
        },
    )


def own_payment(user, pk):
    if not user.household_id:
        raise Http404
    return get_or_404(
        Payment.objects.select_related("household"), household_id=user.household_id, pk=pk
    )


@portal_view(find=own_payment)
def my_receipt(request, payment, pk):
    """The receipt of one of the household's payments, as the counter prints it."""
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{payment.number}.pdf"'
    return response


urlpatterns = [
    path("my/tenancy/", my_tenancy, name="portal_tenancy"),
    path("my/tenancy/receipts/<int:pk>.pdf", my_receipt, name="portal_receipt"),
]
