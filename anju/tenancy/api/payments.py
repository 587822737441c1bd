"""A household's account, read-only: its bills, and its payments with what each
settled. Scoped like the account page (through the household's estate), with the
same permission (Perm.TENANCY_VIEW)."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from anju.core.api_auth import scoped
from anju.core.roles import Perm

from ..models import BillStatus
from ..selectors import accounts as selectors

router = Router(tags=["tenancy"])


class BillOut(Schema):
    id: int
    kind: str
    status: str
    period: date | None
    period_start: date | None
    period_end: date | None
    due_on: date
    amount: Decimal
    settled: Decimal
    outstanding: Decimal
    description: str
    lease_number: str | None
    cancelled_reason: str

    @staticmethod
    def resolve_lease_number(obj):
        return obj.lease.number if obj.lease_id else None


class AllocationOut(Schema):
    bill_id: int
    amount: Decimal


class PaymentOut(Schema):
    id: int
    number: str
    channel: str
    txn_id: str
    paid_at: datetime
    amount: Decimal
    payer: str
    statement_id: int | None
    allocated: Decimal
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocated(obj):
        return (obj.allocated or Decimal("0.00")).quantize(Decimal("0.01"))

    @staticmethod
    def resolve_allocations(obj):
        return list(obj.allocations.all())


def _household(principal, pk):
    return selectors.household_for_account(principal, pk)


@router.get("/households/{int:household_id}/bills", response=list[BillOut])
@paginate(LimitOffsetPagination)
def household_bills(request, household_id: int, status: str | None = None):
    """The household's bills, oldest due first; `status` is open, paid or cancelled."""
    household = scoped(request.auth, _household, household_id, Perm.TENANCY_VIEW)
    bills = selectors.household_bills(household)
    if status in BillStatus.values:
        bills = bills.filter(status=status)
    return bills


@router.get("/households/{int:household_id}/payments", response=list[PaymentOut])
@paginate(LimitOffsetPagination)
def household_payments(request, household_id: int):
    """The household's payments, newest first, each with the bills it settled."""
    household = scoped(request.auth, _household, household_id, Perm.TENANCY_VIEW)
    return selectors.household_payments(household)


class BalanceOut(Schema):
    household_id: int
    owed: Decimal
    overdue: Decimal
    credit: Decimal
    balance: Decimal


@router.get("/households/{int:household_id}/balance", response=BalanceOut)
def household_balance(request, household_id: int):
    """What the household owes on open bills (`overdue`: past their due date), its
    credit, and the balance (owed less credit; negative when in credit)."""
    household = scoped(request.auth, _household, household_id, Perm.TENANCY_VIEW)
    account = selectors.account_of(household)
    return {
        "household_id": household.pk,
        **{k: account[k] for k in ("owed", "overdue", "credit", "balance")},
    }
