"""A household's account: its bills, the payments with what each settled, its refunds,
credit and balance. Read by the account page, the receipt and the API."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, Sum
from django.utils import timezone

from anju.core.access import get_or_404
from anju.core.scoping import estate_q
from anju.households.models import Household, Lease

from ..models import Allocation, Bill, BillRun, BillStatus, Payment, Refund, Statement
from ..services.payments import credit_of

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PAID_SHOWN = 24  # closed bills on the page before "show all"


def households_with_accounts(user):
    """Households whose account the user may see: those living in the user's estates,
    and those who have left, through the estate of a lease they had there (their
    arrears outlive the tenancy)."""
    estates = estate_q(user, "estate")
    if not estates:  # an empty Q: the whole district
        return Household.objects.all()
    former = Q(estate__isnull=True, pk__in=Lease.objects.visible_to(user).values("household_id"))
    return Household.objects.filter(estates | former)


def household_for_account(user, pk) -> Household:
    """A household in the user's scope, or 404 (the same answer for one that does not
    exist)."""
    return get_or_404(
        households_with_accounts(user).select_related("head", "estate", "unit__building"),
        pk=pk,
    )


def payment_for_user(user, pk) -> Payment:
    return get_or_404(
        Payment.objects.visible_to(user).select_related(
            "household__head", "household__unit", "estate__operator", "statement", "recorded_by"
        ),
        pk=pk,
    )


def bill_for_user(user, pk) -> Bill:
    return get_or_404(Bill.objects.visible_to(user).select_related("household"), pk=pk)


def statement_for_user(user, pk) -> Statement:
    return get_or_404(Statement.objects.visible_to(user).select_related("imported_by"), pk=pk)


def household_bills(household: Household):
    return Bill.objects.filter(household=household).select_related("lease").order_by("due_on", "id")


def household_payments(household: Household):
    return (
        Payment.objects.filter(household=household)
        .select_related("statement", "recorded_by")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("bill").order_by("bill__due_on", "id"),
            )
        )
        .annotate(allocated=Sum("allocations__amount"))
        .order_by("-paid_at", "-id")
    )


def account_of(household: Household, *, all_closed: bool = False) -> dict:
    """Everything the account page shows, in a fixed number of queries."""
    bills = household_bills(household)
    today = timezone.localdate()
    open_bills = list(bills.filter(status=BillStatus.OPEN))
    for bill in open_bills:
        bill.overdue = bill.due_on < today
    closed = bills.exclude(status=BillStatus.OPEN).order_by("-due_on", "-id")
    closed_count = closed.count()
    closed_bills = list(closed if all_closed else closed[:PAID_SHOWN])
    payments = list(household_payments(household))
    refunds = list(
        Refund.objects.filter(household=household)
        .select_related("recorded_by")
        .order_by("-paid_on", "-id")
    )
    # Refunds come out of the newest money (as the allocation counts them), so what
    # each payment still holds is shown net of them.
    refunded = sum((r.amount for r in refunds), ZERO)
    for payment in sorted(payments, key=lambda p: (p.paid_at, p.pk), reverse=True):
        payment.allocated = (payment.allocated or ZERO).quantize(CENT)
        free = payment.amount - payment.allocated
        taken = min(free, refunded)
        payment.unallocated, refunded = free - taken, refunded - taken
    owed = sum((b.amount - b.settled for b in open_bills), ZERO)
    credit = credit_of(household)
    return {
        "open_bills": open_bills,
        "closed_bills": closed_bills,
        "closed_count": closed_count,
        "closed_more": closed_count - len(closed_bills),
        "payments": payments,
        "refunds": refunds,
        "owed": owed,
        "overdue": sum((b.amount - b.settled for b in open_bills if b.overdue), ZERO),
        "credit": credit,
        "balance": owed - credit,
        "paid_total": sum((p.amount for p in payments), ZERO),
    }


def billruns_for(user):
    """Past bill runs, each with the number of its bills in the user's estates (a run
    covers whichever estates its starter worked for)."""
    return (
        BillRun.objects.visible_to(user)
        .annotate(
            bills_seen=Count("bills", filter=estate_q(user, "bills__estate") or Q()),
            amount_seen=Sum("bills__amount", filter=estate_q(user, "bills__estate") or Q()),
        )
        .select_related("created_by")
    )


def statements_for(user):
    return Statement.objects.visible_to(user).select_related("imported_by")


def outstanding_total(bills) -> Decimal:
    return bills.aggregate(s=Sum(F("amount") - F("settled")))["s"] or ZERO
