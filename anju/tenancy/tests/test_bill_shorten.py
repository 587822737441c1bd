"""Shortening a bill when a tenancy ends early: the days kept, rounded half up to the
cent; money paid beyond the new amount released newest first into the household's
credit; a bill left with nothing cancelled; and a bill that covers no later day left
alone."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, TimelineEntry
from anju.tenancy.models import Allocation, Bill, BillKind, BillStatus
from anju.tenancy.services.billing import bill_raise, bill_shorten
from anju.tenancy.services.payments import balance_of, credit_of, payment_record
from anju.testing.tenancy import housed_household

pytestmark = pytest.mark.django_db

D = datetime.date
JUNE_1, JUNE_30 = D(2026, 6, 1), D(2026, 6, 30)


@pytest.fixture
def household(cast):
    return housed_household(cast.e1, "BS1", cast.officer, start=D(2025, 1, 1), rent="600.00")


def june(household, actor, amount="600.00", kind=BillKind.OVERSTAY, start=JUNE_1, end=JUNE_30):
    return bill_raise(
        household,
        actor=actor,
        kind=kind,
        amount=Decimal(amount),
        due_on=start,
        period_start=start,
        period_end=end,
        source_key=f"test:{kind}:{start}",
    )


def pay(household, actor, amount, minutes=0):
    paid_at = timezone.now() + datetime.timedelta(minutes=minutes)
    payment, _new = payment_record(
        household, actor=actor, amount=Decimal(amount), channel="cash", paid_at=paid_at
    )
    return payment


def test_an_unpaid_bill_keeps_the_days_up_to_the_last_day(cast, household):
    bill = june(household, cast.officer)
    bill = bill_shorten(bill, actor=cast.operator, last_day=D(2026, 6, 10), reason="Keys back")
    assert bill.amount == Decimal("200.00")  # 10 of 30 days
    assert bill.period_end == D(2026, 6, 10) and bill.status == BillStatus.OPEN
    assert balance_of(household) == Decimal("200.00")
    entry = AuditEntry.objects.get(action="bill.shorten", target_id=str(bill.pk))
    assert entry.changes["amount"] == ["600.00", "200.00"]
    assert entry.changes["period_end"] == ["2026-06-30", "2026-06-10"]
    assert TimelineEntry.objects.filter(household=household, verb="bill.shortened").exists()


def test_the_new_amount_is_rounded_half_up_to_the_cent(cast, household):
    bill = june(household, cast.officer, amount="0.25", start=D(2026, 6, 1), end=D(2026, 6, 2))
    bill = bill_shorten(bill, actor=cast.operator, last_day=D(2026, 6, 1), reason="Keys back")
    assert bill.amount == Decimal("0.13")  # 0.125 rounds up, not to the even 0.12
    bill = june(household, cast.officer, amount="455.00", kind=BillKind.MOVING)
    bill = bill_shorten(bill, actor=cast.operator, last_day=D(2026, 6, 7), reason="Keys back")
    assert bill.amount == Decimal("106.17")  # 455 × 7 ÷ 30 = 106.1666…


def test_money_paid_beyond_the_new_amount_becomes_credit(cast, household):
    bill = june(household, cast.officer)
    pay(household, cast.operator, "600.00")
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID
    bill = bill_shorten(bill, actor=cast.operator, last_day=D(2026, 6, 10), reason="Keys back")
    assert (bill.amount, bill.settled, bill.status) == (
        Decimal("200.00"),
        Decimal("200.00"),
        BillStatus.PAID,
    )
    assert credit_of(household) == Decimal("400.00")
    assert Allocation.objects.get(bill=bill).amount == Decimal("200.00")


def test_the_newest_allocations_are_released_first(cast, household):
    bill = june(household, cast.officer)
    older = pay(household, cast.operator, "300.00")
    newer = pay(household, cast.operator, "300.00", minutes=5)
    bill_shorten(bill, actor=cast.operator, last_day=D(2026, 6, 10), reason="Keys back")
    # 400 released: all 300 of the newer payment, then 100 of the older one.
    assert list(Allocation.objects.filter(bill=bill).values_list("payment", "amount")) == [
        (older.pk, Decimal("200.00"))
    ]
    assert not Allocation.objects.filter(payment=newer).exists()
    assert credit_of(household) == Decimal("400.00")


def test_a_bill_left_with_no_day_is_cancelled_and_its_money_released(cast, household):
    bill = june(household, cast.officer, start=D(2026, 7, 1), end=D(2026, 7, 31))
    pay(household, cast.operator, "250.00")
    bill = bill_shorten(bill, actor=cast.operator, last_day=D(2026, 6, 20), reason="Keys back")
    assert bill.status == BillStatus.CANCELLED and bill.cancelled_reason == "Keys back"
    assert bill.settled == 0 and bill.amount == Decimal("600.00")  # kept for the record
    assert not Allocation.objects.filter(bill=bill).exists()
    assert credit_of(household) == Decimal("250.00") and balance_of(household) == -250
    entry = AuditEntry.objects.get(action="bill.shorten", target_id=str(bill.pk))
    assert entry.changes["amount"] == ["600.00", "0.00"]


def test_released_credit_settles_another_open_bill_at_once(cast, household):
    bill = june(household, cast.officer)
    pay(household, cast.operator, "600.00")
    fine = bill_raise(
        household, actor=cast.officer, kind=BillKind.FINE, amount=Decimal("150.00"), due_on=JUNE_1
    )
    bill_shorten(bill, actor=cast.operator, last_day=D(2026, 6, 15), reason="Keys back")
    fine.refresh_from_db()
    assert fine.status == BillStatus.PAID
    assert credit_of(household) == Decimal("150.00")  # 300 released, 150 of it on the fine


def test_a_bill_covering_no_later_day_is_left_alone_and_a_second_call_changes_nothing(
    cast, household
):
    bill = june(household, cast.officer)
    same = bill_shorten(bill, actor=cast.operator, last_day=JUNE_30, reason="Keys back")
    assert same.amount == Decimal("600.00")
    bill_shorten(bill, actor=cast.operator, last_day=D(2026, 6, 10), reason="Keys back")
    again = bill_shorten(bill, actor=cast.operator, last_day=D(2026, 6, 10), reason="Keys back")
    assert again.amount == Decimal("200.00")
    assert AuditEntry.objects.filter(action="bill.shorten").count() == 1


def test_bad_requests_are_refused(cast, household):
    fine = bill_raise(
        household, actor=cast.officer, kind=BillKind.FINE, amount=Decimal("50.00"), due_on=JUNE_1
    )
    with pytest.raises(DomainError) as err:
        bill_shorten(fine, actor=cast.operator, last_day=JUNE_1, reason="Keys back")
    assert err.value.code == "no_period"
    bill = june(household, cast.officer)
    with pytest.raises(DomainError) as err:
        bill_shorten(bill, actor=cast.operator, last_day=JUNE_1, reason="  ")
    assert err.value.code == "reason"
    bill_shorten(bill, actor=cast.operator, last_day=D(2026, 5, 31), reason="Keys back")
    with pytest.raises(DomainError) as err:
        bill_shorten(bill, actor=cast.operator, last_day=D(2026, 5, 1), reason="Keys back")
    assert err.value.code == "cancelled"
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.CANCELLED
