"""Renewal (art. 30): the window and its edges, the reminders sent once each, applying
only inside the window and only once, the pre-check of the declaration, approval
making the next lease from the day after, the roll-over putting it in force, and the
"must vacate" list after a refusal or when nobody applied (art. 31).

The cast's leases run from 2025-01-01 to 2028-01-01; with the default rules (a 3-month
window, the second reminder 30 days on) their window opens on 2027-10-01, the second
reminder falls on 2027-10-31 and the window closes on 2028-01-01."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from anju.admission.models import Outcome
from anju.core.errors import DomainError
from anju.core.models import Message
from anju.households.models import Lease, LeaseRent, LeaseStatus, RentReason
from anju.tenancy.models import (
    Declaration,
    HousingAcquired,
    ListingStatus,
    Renewal,
    RenewalStatus,
    VacateListing,
    VacateReason,
)
from anju.tenancy.services.leases import leases_roll, renewal_number
from anju.tenancy.services.renewal import (
    last_end_opened_by,
    months_before,
    renewal_apply,
    renewal_approve,
    renewal_refuse,
    renewal_reminders_send,
    window,
)
from anju.tenancy.services.rent import lease_rent_change
from anju.tenancy.services.vacate import listing_withdraw
from anju.tenancy.tasks.renewal import leases_roll_task, renewal_reminders_task
from anju.testing.admission import make_ruleset

pytestmark = pytest.mark.django_db

D = datetime.date
OPENS, SECOND, END = D(2027, 10, 1), D(2027, 10, 31), D(2028, 1, 1)


def at(day: datetime.date):
    """Travel to 10:00 local time on `day`."""
    return time_machine.travel(f"{day.isoformat()} 10:00 +08:00", tick=False)


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def lease_of(household) -> Lease:
    return household.leases.get(status=LeaseStatus.ACTIVE)


def declared(household, **changes) -> dict:
    """A declaration of every current member at their income on file, with nothing to
    hide, and consent."""
    members = [
        {"member": m.pk, "monthly_income": m.monthly_income, "present": True}
        for m in household.members.current()
    ]
    return {"members": members, "deposits": "20000", "consent": True, **changes}


def apply(cast, household=None, *, on=OPENS, actor=None, **changes) -> Renewal:
    household = household or cast.alice_household
    with at(on):
        return renewal_apply(
            lease_of(household),
            actor=actor or cast.operator,
            channel="counter",
            **declared(household, **changes),
        )


# --- The window ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "months", "opens"),
    [
        (D(2027, 5, 31), 3, D(2027, 2, 28)),  # February is shorter: clamped
        (D(2028, 5, 31), 3, D(2028, 2, 29)),  # a leap year
        (D(2028, 1, 1), 3, D(2027, 10, 1)),  # across the turn of the year
        (D(2027, 3, 31), 1, D(2027, 2, 28)),
        (D(2027, 6, 15), 0, D(2027, 6, 15)),
    ],
)
def test_months_before_clamps_to_the_end_of_a_shorter_month(end, months, opens):
    assert months_before(end, months) == opens


def test_the_window_opens_months_before_the_end_and_reminds_again_days_later(cast, rules):
    span = window(lease_of(cast.alice_household), rules)
    assert (span.opens_on, span.second_reminder_on, span.closes_on) == (OPENS, SECOND, END)
    assert span.state(OPENS - datetime.timedelta(days=1)) == "upcoming"
    assert span.state(OPENS) == "open"
    assert span.state(END) == "open"
    assert span.state(END + datetime.timedelta(days=1)) == "closed"


def test_a_lease_ending_on_31_may_opens_its_window_on_the_last_day_of_february(cast, rules):
    lease = Lease(end=D(2027, 5, 31))
    assert window(lease, rules).opens_on == D(2027, 2, 28)
    assert window(Lease(end=D(2028, 5, 31)), rules).opens_on == D(2028, 2, 29)


def test_the_database_bound_agrees_with_the_window_on_every_day():
    # A lease ends on or before last_end_opened_by(day) exactly when its window has
    # opened by that day; checked over two years of days and ends, leap year included.
    for months in (1, 3):
        for offset in range(0, 730, 7):
            day = D(2027, 1, 1) + datetime.timedelta(days=offset)
            bound = last_end_opened_by(day, months)
            for delta in range(-5, 6):
                end = bound + datetime.timedelta(days=delta)
                assert (months_before(end, months) <= day) == (end <= bound), (day, end)


# --- Applying --------------------------------------------------------------------------


def test_applying_the_day_before_the_window_opens_is_refused(cast, rules):
    with pytest.raises(DomainError) as caught:
        apply(cast, on=OPENS - datetime.timedelta(days=1))
    assert caught.value.code == "window_not_open"
    assert not Renewal.objects.exists()
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("day", [OPENS, END], ids=["day-it-opens", "last-day"])
def test_applying_inside_the_window_is_taken(cast, rules, day):
    renewal = apply(cast, on=day)
    assert renewal.status == RenewalStatus.APPLIED
    assert renewal.declaration.household == cast.alice_household


def test_applying_the_day_after_the_lease_ended_is_refused(cast, rules):
    with pytest.raises(DomainError) as caught:
        apply(cast, on=END + datetime.timedelta(days=1))
    assert caught.value.code == "window_closed"


def test_a_lease_has_one_live_renewal(cast, rules):
    apply(cast)
    with pytest.raises(DomainError) as caught:
        apply(cast, on=OPENS + datetime.timedelta(days=3))
    assert caught.value.code == "already_applied"
    assert Renewal.objects.count() == 1
    assert Declaration.objects.count() == 1


def test_a_declaration_without_consent_writes_nothing(cast, rules):
    with pytest.raises(DomainError) as caught:
        apply(cast, consent=False)
    assert caught.value.code == "consent"
    assert not Renewal.objects.exists()
    assert not Declaration.objects.exists()


def test_the_pre_check_reads_the_declaration_against_the_rules_in_force(cast, rules):
    # Alice's household: two people, ¥1,500 a month → ¥750 per person ≤ ¥1,600.
    renewal = apply(cast)
    by_code = {v["code"]: v for v in renewal.verdicts}
    assert list(by_code) == [
        "income",
        "vehicles",
        "deposits",
        "business",
        "housing_acquired",
        "other_subsidised",
    ]
    assert by_code["income"] == {
        "code": "income",
        "outcome": Outcome.MET,
        "actual": "750",
        "limit": "1,600",
    }
    assert all(v["outcome"] == Outcome.MET for v in renewal.verdicts)


def test_other_housing_and_a_car_fail_the_pre_check(cast, rules):
    renewal = apply(
        cast,
        vehicles=1,
        housing_acquired=HousingAcquired.INHERITANCE,
        other_subsidised=True,
    )
    failed = {v["code"] for v in renewal.verdicts if v["outcome"] == Outcome.NOT_MET}
    assert failed == {"vehicles", "housing_acquired", "other_subsidised"}


def test_income_is_per_person_living_in_the_unit(cast, rules):
    household = cast.alice_household
    head, child = household.members.current().order_by("id")
    members = [
        {"member": head.pk, "monthly_income": "3300", "present": True},
        {"member": child.pk, "monthly_income": "0", "present": False},  # has left
        {"member": None, "name": "王新", "birth_date": "1992-03-04", "monthly_income": "0"},
    ]
    renewal = apply(cast, members=members)
    income = next(v for v in renewal.verdicts if v["code"] == "income")
    assert (income["actual"], income["outcome"]) == ("1,650", Outcome.NOT_MET)


# --- Reminders ---------------------------------------------------------------------------


def reminders():
    return sorted(Message.objects.filter(key__startswith="renewal:").values_list("key", flat=True))


def test_each_reminder_is_queued_once_when_it_falls_due(cast, rules):
    alice, charlie = lease_of(cast.alice_household), lease_of(cast.charlie_household)
    assert renewal_reminders_send(OPENS - datetime.timedelta(days=1)) == 0
    assert renewal_reminders_send(OPENS) == 2
    assert renewal_reminders_send(OPENS) == 0  # the task ran twice
    assert renewal_reminders_send(OPENS + datetime.timedelta(days=1)) == 0
    assert renewal_reminders_send(SECOND) == 2
    assert renewal_reminders_send(SECOND) == 0
    assert renewal_reminders_send(END) == 0
    assert renewal_reminders_send(END + datetime.timedelta(days=1)) == 0
    assert reminders() == sorted(
        f"renewal:{lease.pk}:{which}" for lease in (alice, charlie) for which in ("open", "second")
    )
    message = Message.objects.get(key=f"renewal:{alice.pk}:open")
    assert message.channel == "sms"
    assert message.recipient == cast.alice_household.head.phone_masked
    assert "L-HH-A" in message.body and "2028-01-01" in message.body


def test_a_missed_night_is_caught_up_while_the_window_is_open(cast, rules):
    # Nothing ran until the fifth day: the first reminder goes then.
    assert renewal_reminders_send(OPENS + datetime.timedelta(days=4)) == 2
    assert {k.rsplit(":", 1)[1] for k in reminders()} == {"open"}


def test_past_the_second_date_only_the_second_reminder_is_sent(cast, rules):
    assert renewal_reminders_send(SECOND + datetime.timedelta(days=3)) == 2
    assert {k.rsplit(":", 1)[1] for k in reminders()} == {"second"}


def test_a_household_that_applied_is_not_reminded(cast, rules):
    apply(cast)
    assert renewal_reminders_send(SECOND) == 1  # Charlie only
    assert reminders() == [f"renewal:{lease_of(cast.charlie_household).pk}:second"]


# --- Deciding ----------------------------------------------------------------------------


def test_approval_makes_the_next_lease_from_the_day_after_the_old_one_ends(cast, rules):
    renewal = apply(cast)
    old = renewal.lease
    with at(OPENS + datetime.timedelta(days=10)):
        renewal = renewal_approve(renewal, actor=cast.officer)
    new = renewal.new_lease
    assert renewal.status == RenewalStatus.APPROVED
    assert new.number == "L-HH-A-R1"
    assert (new.start, new.end) == (D(2028, 1, 2), D(2033, 1, 2))  # 5 years, as admission
    assert new.status == LeaseStatus.UPCOMING
    assert new.previous == old
    assert (new.household, new.unit, new.monthly_rent) == (
        old.household,
        old.unit,
        old.monthly_rent,
    )
    first = LeaseRent.objects.get(lease=new)
    assert (first.effective_from, first.monthly_rent) == (new.start, old.monthly_rent)
    old.refresh_from_db()
    assert old.status == LeaseStatus.ACTIVE


def test_the_next_lease_takes_the_rent_in_force_at_the_end(cast, rules):
    old = lease_of(cast.alice_household)
    lease_rent_change(
        old,
        actor=cast.officer,
        effective_from=D(2027, 7, 1),
        reason=RentReason.TIER,
        monthly_rent=Decimal("682.50"),
    )
    renewal = apply(cast)
    with at(OPENS):
        new = renewal_approve(renewal, actor=cast.officer).new_lease
    assert new.monthly_rent == Decimal("682.50")
    assert LeaseRent.objects.get(lease=new).monthly_rent == Decimal("682.50")


def test_approving_against_a_failed_criterion_needs_the_reason(cast, rules):
    renewal = apply(cast, vehicles=2)
    with at(OPENS), pytest.raises(DomainError) as caught:
        renewal_approve(renewal, actor=cast.officer)
    assert caught.value.code == "reason"
    with at(OPENS):
        renewal = renewal_approve(
            renewal, actor=cast.officer, note="车辆已于 9 月过户，见车管所证明"
        )
    assert renewal.status == RenewalStatus.APPROVED


def test_a_renewal_is_decided_once(cast, rules):
    renewal = apply(cast)
    with at(OPENS):
        renewal_refuse(renewal, actor=cast.officer, reason="收入超标")
        with pytest.raises(DomainError) as caught:
            renewal_approve(renewal, actor=cast.officer, note="改判")
    assert caught.value.code == "decided"
    assert not Lease.objects.filter(previous=renewal.lease).exists()


def test_refusal_lists_the_household_as_must_vacate_with_the_evidence(cast, rules):
    renewal = apply(cast, housing_acquired=HousingAcquired.PURCHASE)
    with at(OPENS + datetime.timedelta(days=20)), pytest.raises(DomainError):
        renewal_refuse(renewal, actor=cast.officer, reason="  ")
    with at(OPENS + datetime.timedelta(days=20)):
        renewal_refuse(renewal, actor=cast.officer, reason="已购买商品房，不再符合条件")
    listing = VacateListing.objects.get(household=cast.alice_household)
    assert listing.reason == VacateReason.RENEWAL_REFUSED
    assert listing.lease == renewal.lease
    assert listing.listed_on == D(2027, 10, 21)
    evidence = " ".join(listing.facts.values())
    assert "已购买商品房，不再符合条件" in evidence
    assert "L-HH-A" in evidence
    # Another application after a refusal is not taken.
    with pytest.raises(DomainError) as caught:
        apply(cast, on=OPENS + datetime.timedelta(days=25))
    assert caught.value.code == "already_applied"


# --- The roll-over -----------------------------------------------------------------------


def test_the_roll_over_puts_the_renewal_lease_in_force_the_day_after(cast, rules):
    renewal = apply(cast)
    with at(OPENS):
        new = renewal_approve(renewal, actor=cast.officer).new_lease
    old = renewal.lease
    assert leases_roll(END).started == 0  # the old lease's last day
    result = leases_roll(END + datetime.timedelta(days=1))
    assert result.started == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (LeaseStatus.ENDED, LeaseStatus.ACTIVE)
    household = cast.alice_household
    household.refresh_from_db()
    assert household.unit_id == new.unit_id
    # Running it again changes nothing; Alice is not listed for want of a renewal.
    again = leases_roll(END + datetime.timedelta(days=2))
    assert again.started == 0
    assert not VacateListing.objects.filter(household=household).exists()


def test_no_application_by_the_end_lists_the_household_once(cast, rules):
    for day in (OPENS, SECOND):
        with at(day):
            renewal_reminders_send(day)
    apply(cast, cast.charlie_household)  # Charlie applied; his lease waits for a decision
    result = leases_roll(END + datetime.timedelta(days=1))
    assert (result.started, result.listed) == (0, 1)
    listing = VacateListing.objects.get()
    assert (listing.household, listing.reason) == (cast.alice_household, VacateReason.NO_RENEWAL)
    assert listing.listed_on == END + datetime.timedelta(days=1)
    evidence = listing.facts
    assert "2028-01-01" in evidence.values()
    assert "2027-10-01 – 2028-01-01" in evidence.values()
    assert any(value.count("2027-10-") == 2 for value in evidence.values())  # 2 reminders
    # The household still lives there: the exits issue handles moving out.
    assert lease_of(cast.alice_household).status == LeaseStatus.ACTIVE
    assert leases_roll(END + datetime.timedelta(days=2)).listed == 0
    listing_withdraw(listing, actor=cast.officer, reason="核实中")
    assert leases_roll(END + datetime.timedelta(days=3)).listed == 0
    assert VacateListing.objects.filter(status=ListingStatus.LISTED).count() == 0


def test_renewal_numbers_count_up():
    assert renewal_number("L-7") == "L-7-R1"
    assert renewal_number("L-7-R1") == "L-7-R2"
    assert renewal_number("L-R-2026-00012-R9") == "L-R-2026-00012-R10"


def test_the_nightly_tasks_are_one_call_each(cast, rules):
    with at(OPENS):
        assert renewal_reminders_task.call_local() == 2
    with at(END + datetime.timedelta(days=1)):
        assert leases_roll_task.call_local() == {"started": 0, "listed": 2}
