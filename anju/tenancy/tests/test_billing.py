"""The monthly bill run: proration by day, idempotence, rent changes inside a month,
and credit settling new bills."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from anju.households.models import RentReason
from anju.tenancy.models import Bill, BillKind, BillStatus, Channel
from anju.tenancy.services.billing import bill_raise, bill_run, prorate
from anju.tenancy.services.payments import balance_of, credit_of, payment_record
from anju.tenancy.services.rent import lease_rent_change

pytestmark = pytest.mark.django_db

D = datetime.date


def rent_bills(household):
    return {
        f"{b.period:%Y-%m}": b.amount
        for b in Bill.objects.filter(household=household, kind=BillKind.RENT)
    }


def test_a_whole_month_is_the_rent_and_a_second_run_creates_nothing(cast):
    first = bill_run(D(2025, 3, 1), actor=cast.users["officer"])
    assert first.created == 2
    assert rent_bills(cast.alice_household) == {"2025-03": Decimal("455.00")}
    again = bill_run(D(2025, 3, 17), actor=cast.users["officer"])
    assert again.created == 0
    assert Bill.objects.count() == 2


def test_first_and_last_months_are_prorated_by_day(cast):
    lease = cast.alice_household.leases.get()
    lease.start, lease.end = D(2025, 2, 10), D(2025, 4, 20)
    lease.save()
    lease.rents.update(effective_from=D(2025, 2, 10))
    for month in (D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1), D(2025, 5, 1)):
        bill_run(month, actor=None)
    bills = rent_bills(cast.alice_household)
    # 19 of 28 days of February; 20 of 30 days of April; nothing in May.
    assert bills == {
        "2025-02": prorate([(Decimal("455.00"), 19)], 28),
        "2025-03": Decimal("455.00"),
        "2025-04": prorate([(Decimal("455.00"), 20)], 30),
    }
    assert bills["2025-02"] == Decimal("308.75")
    assert bills["2025-04"] == Decimal("303.33")
    february = Bill.objects.get(household=cast.alice_household, period=D(2025, 2, 1))
    assert (february.period_start, february.period_end) == (D(2025, 2, 10), D(2025, 2, 28))
    assert february.due_on == D(2025, 2, 10)  # billing day 1 falls before the start


def test_a_rent_change_inside_a_month_is_prorated_on_both_sides(cast):
    lease = cast.alice_household.leases.get()
    lease_rent_change(
        lease,
        actor=cast.users["officer"],
        effective_from=D(2025, 6, 16),
        reason=RentReason.RECERTIFICATION,
        monthly_rent=Decimal("682.50"),
    )
    bill_run(D(2025, 6, 1), actor=None)
    expected = prorate([(Decimal("455.00"), 15), (Decimal("682.50"), 15)], 30)
    assert rent_bills(cast.alice_household) == {"2025-06": expected}
    assert expected == Decimal("568.75")


def test_a_billed_month_cannot_change_its_rent(cast):
    lease = cast.alice_household.leases.get()
    bill_run(D(2025, 6, 1), actor=None)
    from anju.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        lease_rent_change(
            lease,
            actor=cast.users["officer"],
            effective_from=D(2025, 6, 20),
            reason=RentReason.CORRECTION,
            monthly_rent=Decimal("500.00"),
        )
    assert caught.value.code == "month_billed"


@time_machine.travel("2025-03-05 10:00 +08:00")
def test_payments_settle_the_oldest_bill_first_and_leave_credit(cast):
    household = cast.alice_household
    for month in (D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)):
        bill_run(month, actor=None)
    payment, new = payment_record(
        household,
        actor=cast.users["operator"],
        amount="1000.00",
        channel=Channel.WECHAT,
        txn_id="wx-1",
    )
    assert new
    bills = list(Bill.objects.filter(household=household).order_by("period"))
    assert [b.status for b in bills] == [BillStatus.PAID, BillStatus.PAID, BillStatus.OPEN]
    assert bills[2].settled == Decimal("90.00")
    again, new = payment_record(
        household,
        actor=cast.users["operator"],
        amount="1000.00",
        channel=Channel.WECHAT,
        txn_id="wx-1",
    )
    assert (again, new) == (payment, False)
    payment_record(household, actor=None, amount="500.00", channel=Channel.CASH)
    assert credit_of(household) == Decimal("135.00")
    assert balance_of(household) == Decimal("-135.00")
    # Credit settles the next month's bill as soon as it is raised.
    bill_run(D(2025, 4, 1), actor=None)
    april = Bill.objects.get(household=household, period=D(2025, 4, 1))
    assert april.settled == Decimal("135.00")
    assert credit_of(household) == 0


def test_a_one_off_bill_is_raised_once_per_source(cast):
    officer = cast.users["officer"]
    args = dict(
        actor=officer,
        kind=BillKind.FINE,
        amount=Decimal("1000.00"),
        due_on=D(2025, 5, 1),
        source_key="violation:1",
    )
    first = bill_raise(cast.alice_household, **args)
    second = bill_raise(cast.alice_household, **args)
    assert first == second
    assert Bill.objects.filter(kind=BillKind.FINE).count() == 1
