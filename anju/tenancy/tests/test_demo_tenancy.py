"""The demo district's tenancy: leases with real terms, two years of rent bills from
the real bill run, and payments written in bulk that agree with what the payment
services would have done."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from anju.core.models import Message, User
from anju.demo import district
from anju.demo.base import BASE_DATE
from anju.demo.tenancy import add_months, demo_months
from anju.households.models import Lease, LeaseRent, LeaseStatus, RentReason
from anju.housing.models import RentStandard
from anju.tenancy.models import (
    AgreementStatus,
    Allocation,
    ArrearsAction,
    ArrearsNotice,
    Bill,
    BillKind,
    BillStatus,
    Campaign,
    CampaignStatus,
    HousingAcquired,
    Outcome,
    Payment,
    RecertStatus,
    RepaymentAgreement,
    VacateListing,
    VacateReason,
)
from anju.tenancy.selectors.arrears import arrears_rows, bucket_totals
from anju.tenancy.services.agreements import instalment_states
from anju.tenancy.services.arrears import standing_of
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.payments import balance_of, credit_of
from anju.tenancy.services.rent import rent_of
from anju.testing.shared_world import shared_world


@pytest.fixture(scope="module")
def district_once(django_db_setup, django_db_blocker):
    """One small district for the whole module, rolled back at its end; each test runs
    in a savepoint inside it, so what a test writes goes with the test."""

    def build():
        return district.generate(
            units=district.MIN_UNITS,
            seed=8,
            admission=False,
            supervision=False,
            exits=False,
            services=False,
        )

    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def demo(district_once, db):
    return district_once


def _billed() -> list[int]:
    return sorted(set(Bill.objects.values_list("household_id", flat=True)))


def test_demo_leases_have_real_terms_and_a_rent_history_that_tiles_them(demo):
    leases = Lease.objects.filter(status=LeaseStatus.ACTIVE).select_related("unit")
    assert leases.count() == demo.counts["households"]
    days = set()
    for lease in leases:
        standard = RentStandard.objects.in_force(BASE_DATE).filter(estate=lease.unit.estate_id)
        assert lease.area_m2 == lease.unit.area_m2
        assert lease.price_per_m2 == standard.first().price_per_m2
        assert Decimal("0") < lease.relief_tier <= Decimal("1")
        assert lease.surcharge == 0
        assert lease.monthly_rent == rent_of(
            lease.area_m2, lease.price_per_m2, lease.relief_tier, lease.rent_multiplier
        )
        assert 1 <= lease.billing_day <= 28
        days.add(lease.billing_day)
        rows = list(lease.rents.order_by("effective_from"))
        assert rows[0].effective_from == lease.start and rows[0].reason == RentReason.START
        assert rows[0].rent_multiplier == 1
        assert lease.deposit == rows[0].monthly_rent * 2
        assert rows[-1].effective_until is None
        assert rows[-1].monthly_rent == lease.monthly_rent
        for before, after in zip(rows, rows[1:], strict=False):
            # A new standard, or tiered rent confirmed by the recertification.
            assert after.reason in (RentReason.STANDARD, RentReason.RECERTIFICATION)
            assert (after.effective_from - before.effective_until).days == 1
    assert len(days) > 5
    # Leases signed under the old standard moved to the new one when it came in.
    assert LeaseRent.objects.filter(reason=RentReason.STANDARD).exists()


def test_two_years_of_bills_exist_and_another_run_adds_nothing(demo):
    months = demo_months()
    assert len(months) == 25 and months[-1] == BASE_DATE.replace(day=1)
    covering = Lease.objects.filter(start__lt=months[0], end__gt=BASE_DATE).first()
    assert covering is not None
    bills = Bill.objects.filter(lease=covering, kind=BillKind.RENT).order_by("period")
    assert [b.period for b in bills] == months
    assert all(b.amount == covering.monthly_rent for b in bills)
    count = Bill.objects.count()
    assert demo.counts["tenancy_bills"] == count
    run = bill_run(months[3], actor=None)
    assert run.created == 0
    assert Bill.objects.count() == count


def test_payments_settle_bills_as_the_payment_service_would(demo):
    per_bill = dict(
        Allocation.objects.values("bill_id").annotate(s=Sum("amount")).values_list("bill_id", "s")
    )
    for bill in Bill.objects.all():
        assert per_bill.get(bill.pk, Decimal("0")) == bill.settled, bill
        assert (bill.status == BillStatus.PAID) == (bill.settled == bill.amount)
    per_payment = dict(
        Allocation.objects.values("payment_id")
        .annotate(s=Sum("amount"))
        .values_list("payment_id", "s")
    )
    for payment in Payment.objects.all():
        assert per_payment.get(payment.pk, Decimal("0")) <= payment.amount
        if payment.channel == "cash":
            assert payment.txn_id == ""
        else:
            assert payment.txn_id
        paid = timezone.localtime(payment.paid_at)
        assert payment.number.startswith(f"SK{paid.year}")
        assert paid.date() <= BASE_DATE
    # Oldest first: no bill is paid on while an older one is open; money left over
    # is credit only when nothing is open.
    for household_id in _billed()[::3]:
        credit = credit_of(household_id)
        assert credit >= 0
        oldest_open = (
            Bill.objects.filter(household_id=household_id, status=BillStatus.OPEN)
            .order_by("due_on")
            .first()
        )
        if oldest_open is not None:
            assert credit == 0, household_id
            assert not Bill.objects.filter(
                household_id=household_id, due_on__gt=oldest_open.due_on, settled__gt=0
            ).exists()
    assert Payment.objects.values("channel").distinct().count() == 4


def test_some_households_are_behind_in_each_bucket_and_some_pay_ahead(demo):
    behind = {r["household_id"]: r["months"] for r in arrears_rows(Bill.objects.all(), BASE_DATE)}
    assert len(behind) == demo.counts["tenancy_households_behind"]
    assert any(n in (1, 2) for n in behind.values())
    assert any(3 <= n <= 5 for n in behind.values())
    assert any(n >= 6 for n in behind.values())
    for household_id in behind:
        assert balance_of(household_id) > 0
    ahead = [h for h in _billed() if credit_of(h) > 0]
    assert len(ahead) == demo.counts["tenancy_households_ahead"]
    assert all(balance_of(h) < 0 for h in ahead)
    assert not set(ahead) & set(behind)
    # The others paid this month's rent as it began: whoever looks later in the month
    # (the pages count from the real today) sees the same households behind.
    after_month = add_months(BASE_DATE.replace(day=1), 1)
    later = {r["household_id"] for r in arrears_rows(Bill.objects.all(), after_month)}
    assert later == set(behind)


def test_the_arrears_steps_were_taken_and_the_longest_arrears_are_on_the_vacate_list(demo):
    totals = {
        row["bucket"].code: row["households"]
        for row in bucket_totals(Bill.objects.all(), BASE_DATE)
        if row["bucket"] is not None
    }
    assert totals["1"] + totals["2"] >= 1
    assert totals["3-5"] >= 1 and totals["6+"] >= 1
    six = [
        row["household_id"]
        for row in arrears_rows(Bill.objects.all(), BASE_DATE).filter(months__gte=6)
    ]
    listed = set(
        VacateListing.objects.filter(reason=VacateReason.ARREARS).values_list(
            "household_id", flat=True
        )
    )
    assert set(six) == listed
    behind = {row["household_id"] for row in arrears_rows(Bill.objects.all(), BASE_DATE)}
    texted = set(
        ArrearsNotice.objects.filter(action=ArrearsAction.SMS).values_list(
            "household_id", flat=True
        )
    )
    assert texted == behind
    assert Message.objects.filter(template="arrears.sms").count() == len(behind)
    assert ArrearsNotice.objects.filter(taken_on__gt=BASE_DATE).count() == 0


def test_agreements_hold_the_steps_and_one_has_its_first_instalment_paid(demo):
    agreements = list(RepaymentAgreement.objects.order_by("pk"))
    assert agreements
    for agreement in agreements:
        assert agreement.status == AgreementStatus.ACTIVE
        assert agreement.instalments.count() >= 3
        standing = standing_of(agreement.household, BASE_DATE)
        assert standing.hold is not None and standing.action is None
    first = agreements[0]
    assert Payment.objects.filter(household=first.household, note__contains=first.number).exists()
    assert instalment_states(first, first.signed_on)[0].state == "met"
    assert credit_of(first.household_id) == 0


def test_a_recertification_campaign_is_in_progress(demo):
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.OPEN and campaign.year == BASE_DATE.year
    assert campaign.estates.count() == 2
    cases = campaign.cases.all()
    housed = Lease.objects.filter(
        status=LeaseStatus.ACTIVE, unit__estate__in=campaign.estates.all()
    )
    assert cases.count() == housed.count()
    declared = cases.filter(declaration__isnull=False)
    assert abs(declared.count() - cases.count() / 2) <= 1
    assert not declared.filter(outcome="").exists()
    assert declared.filter(status=RecertStatus.VERIFYING).exists()
    assert declared.filter(outcome=Outcome.TIERED).exists()
    bought = declared.get(declaration__housing_acquired=HousingAcquired.PURCHASE)
    assert bought.outcome == Outcome.MUST_EXIT
    assert 0 < cases.filter(status=RecertStatus.CONFIRMED).count() < declared.count()
    tenant = User.objects.get(username="tenant")
    assert cases.get(household=tenant.household).status == RecertStatus.AWAITING
