"""Tenant points after the Hong Kong marking scheme: a written warning first and points
on a repeat, expiry after two years, the 16-point termination review, voiding, the
voluntary-exchange bar, points following the household, and good-conduct credit
(volunteering by hand, twelve months paid on time by the monthly run)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Task, TimelineEntry
from anju.households import services as hh
from anju.supervision.models import CreditKind, EntryKind, GoodConductCredit, PointEntry, PointRule
from anju.supervision.services import credits
from anju.supervision.services import points as svc
from anju.supervision.tasks.points import on_time_credits_task
from anju.tenancy.models import Bill, BillKind
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.payments import payment_record
from anju.testing.admission import make_ruleset

D = datetime.date
LOCAL = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def rules(cast):
    make_ruleset(cast.officer, year=2024, effective_from=D(2024, 1, 1))
    return make_ruleset(cast.officer)


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def rule(code) -> PointRule:
    return PointRule.objects.get(code=code)


def record(cast, code, on, household=None, details=""):
    return svc.points_record(
        household or cast.alice_household,
        actor=cast.operator,
        rule=rule(code),
        occurred_on=on,
        details=details,
    )


# --- Warnings and points ------------------------------------------------------------


def test_a_warning_first_misdeed_gets_a_written_warning_then_points_on_a_repeat(cast, rules):
    with at(D(2026, 6, 1)):
        first = record(cast, "drying_clothes", D(2026, 3, 1))
        second = record(cast, "drying_clothes", D(2026, 5, 1))
        third = record(cast, "drying_clothes", D(2026, 5, 20))
        other = record(cast, "ac_drip", D(2026, 5, 21))  # another misdeed: its own warning
        assert svc.valid_points(cast.alice_household) == 6
    assert (first.kind, first.points) == (EntryKind.WARNING, 0)
    assert first.expires_on == D(2028, 3, 1)
    assert (second.kind, second.points) == (EntryKind.POINTS, 3)
    assert (third.kind, third.points) == (EntryKind.POINTS, 3)
    assert other.kind == EntryKind.WARNING
    assert TimelineEntry.objects.filter(verb="points.warning").count() == 2
    assert AuditEntry.objects.filter(action="points.record").count() == 4


def test_a_misdeed_without_a_warning_scores_at_once(cast, rules):
    with at(D(2026, 6, 1)):
        entry = record(cast, "smoking_public", D(2026, 5, 1))
    assert (entry.kind, entry.points) == (EntryKind.POINTS, 5)


def test_a_repeat_after_the_warning_expired_gets_a_new_warning(cast, rules):
    with at(D(2024, 6, 1)):
        record(cast, "noise", D(2024, 5, 31))  # valid until 2026-05-31
    with at(D(2026, 6, 1)):
        again = record(cast, "noise", D(2026, 5, 31))
    assert again.kind == EntryKind.WARNING


def test_points_expire_after_two_years(cast, rules):
    with at(D(2026, 6, 1)):
        entry = record(cast, "littering", D(2026, 6, 1))
    assert entry.expires_on == D(2028, 6, 1)
    with at(D(2028, 5, 31)):
        assert svc.valid_points(cast.alice_household) == 7
        assert svc.voluntary_exchange_blocked(cast.alice_household)
    with at(D(2028, 6, 1)):
        assert svc.valid_points(cast.alice_household) == 0
        assert not svc.voluntary_exchange_blocked(cast.alice_household)


def test_warnings_alone_do_not_block_a_voluntary_exchange(cast, rules):
    with at(D(2026, 6, 1)):
        record(cast, "noise", D(2026, 5, 1))
        assert not svc.voluntary_exchange_blocked(cast.alice_household)
        record(cast, "noise", D(2026, 5, 2))
        assert svc.voluntary_exchange_blocked(cast.alice_household, D(2026, 6, 1))
        assert not svc.voluntary_exchange_blocked(cast.charlie_household)


def test_sixteen_points_put_the_household_on_the_review_list_with_one_to_do(cast, rules):
    with at(D(2026, 6, 1)):
        record(cast, "illegal_use", D(2026, 4, 1))  # 15
        assert not Task.objects.filter(kind="points.review").exists()
        assert list(svc.review_list()) == []
        crossing = record(cast, "littering", D(2026, 5, 1))  # 22
        record(cast, "smoking_public", D(2026, 5, 2))  # 27: no second to-do
        rows = list(svc.review_list())
    assert rows == [{"household": cast.alice_household.pk, "total": 27}]
    task = Task.objects.get(kind="points.review")
    assert task.key == f"points-review:{cast.alice_household.pk}:{crossing.pk}"
    assert task.household == cast.alice_household and "22" in task.title
    assert task.organisation == cast.authority
    with at(D(2028, 4, 2)):  # the 15 points have expired: 12 left
        assert list(svc.review_list()) == []


def test_points_follow_the_household_across_a_change_of_head_and_of_unit(cast, rules):
    household = cast.alice_household
    with at(D(2026, 6, 1)):
        record(cast, "littering", D(2026, 5, 1))
        child = household.members.exclude(pk=household.head_id).get()
        hh.household_set_head(household, actor=cast.officer, member=child)
        lease = household.leases.get(status="active")
        hh.lease_end(lease, actor=cast.officer, on=D(2026, 5, 31))
        hh.lease_start(
            household,
            actor=cast.officer,
            unit=cast.vacant_e1,
            number="L-MOVE",
            start=D(2026, 6, 1),
            end=D(2029, 6, 1),
            monthly_rent=Decimal("455.00"),
        )
        household.refresh_from_db()
        assert household.unit == cast.vacant_e1 and household.head == child
        assert svc.valid_points(household) == 7
        again = record(cast, "littering", D(2026, 6, 1), household=household)
    assert again.household == household and svc.valid_points(household, D(2026, 6, 1)) == 14


def test_a_voided_entry_counts_for_nothing_and_keeps_its_reason(cast, rules):
    with at(D(2026, 6, 1)):
        entry = record(cast, "littering", D(2026, 5, 1))
        with pytest.raises(DomainError) as err:
            svc.points_void(entry, actor=cast.officer, reason="  ")
        assert err.value.code == "reason_required"
        svc.points_void(entry, actor=cast.officer, reason="Another family's rubbish.")
        with pytest.raises(DomainError) as err:
            svc.points_void(entry, actor=cast.officer, reason="again")
        assert err.value.code == "voided"
        assert svc.valid_points(cast.alice_household) == 0
    entry.refresh_from_db()
    assert entry.void_reason == "Another family's rubbish." and entry.voided_by == cast.officer
    assert TimelineEntry.objects.filter(verb="points.voided").count() == 1


def test_a_voided_warning_does_not_count_as_a_warning(cast, rules):
    with at(D(2026, 6, 1)):
        warning = record(cast, "noise", D(2026, 5, 1))
        svc.points_void(warning, actor=cast.officer, reason="Wrong flat.")
        again = record(cast, "noise", D(2026, 5, 10))
    assert again.kind == EntryKind.WARNING


@pytest.mark.parametrize(
    ("code", "on", "details", "error"),
    [
        ("littering", D(2026, 6, 2), "", "bad_date"),  # in the future
        ("littering", D(2024, 5, 31), "", "expired"),  # would have expired already
        ("retired", D(2026, 5, 1), "", "bad_rule"),
        ("littering", D(2026, 5, 1), "bags on the stairs", "duplicate"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(cast, rules, code, on, details, error):
    PointRule.objects.create(code="retired", name="old rule", points=3, active=False)
    with at(D(2026, 6, 1)):
        record(cast, "littering", D(2026, 5, 1), details="bags on the stairs")
        with pytest.raises(DomainError) as err:
            record(cast, code, on, details=details)
    assert err.value.code == error
    assert PointEntry.objects.count() == 1


def test_the_catalogue_is_edited_with_a_source_and_old_entries_keep_their_points(cast, rules):
    with at(D(2026, 6, 1)):
        entry = record(cast, "littering", D(2026, 5, 1))
        with pytest.raises(DomainError) as err:
            svc.rule_update(
                rule("littering"),
                actor=cast.officer,
                name="乱抛垃圾",
                points=8,
                warning_first=False,
                active=True,
                source="x",
            )
        assert err.value.code == "bad_points"
        svc.rule_update(
            rule("littering"),
            actor=cast.officer,
            name="乱抛垃圾",
            points=5,
            warning_first=True,
            active=True,
            source="长住建〔2026〕9号",
        )
    entry.refresh_from_db()
    assert entry.points == 7 and rule("littering").points == 5
    change = AuditEntry.objects.get(action="points.rule")
    assert change.changes["points"] == [7, 5]


# --- Good-conduct credit --------------------------------------------------------------


def test_staff_record_volunteering_hours(cast):
    with at(D(2026, 6, 1)):
        credit = credits.credit_record(
            cast.alice_household,
            actor=cast.operator,
            kind=CreditKind.VOLUNTEERING,
            amount=Decimal("4.5"),
            occurred_on=D(2026, 5, 30),
            details="社区清洁日",
        )
        for kind, amount, on, code in (
            (CreditKind.ON_TIME_PAYMENT, "1", D(2026, 5, 30), "bad_kind"),
            (CreditKind.VOLUNTEERING, "0", D(2026, 5, 30), "bad_amount"),
            (CreditKind.VOLUNTEERING, "1.25", D(2026, 5, 30), "bad_amount"),
            (CreditKind.VOLUNTEERING, "1", D(2026, 6, 2), "bad_date"),
        ):
            with pytest.raises(DomainError) as err:
                credits.credit_record(
                    cast.alice_household,
                    actor=cast.operator,
                    kind=kind,
                    amount=Decimal(amount),
                    occurred_on=on,
                )
            assert err.value.code == code
    assert GoodConductCredit.objects.get() == credit
    assert TimelineEntry.objects.filter(verb="credit.recorded").count() == 1


def _pay(household, bill, when):
    payment_record(household, actor=None, amount=bill.amount, channel="cash", paid_at=when)


def test_twelve_months_paid_on_time_earn_credit_once(cast, django_capture_on_commit_callbacks):
    alice, charlie = cast.alice_household, cast.charlie_household
    with at(D(2026, 1, 5)):
        for month in range(1, 13):
            bill_run(D(2025, month, 1), actor=cast.officer)
            for household in (alice, charlie):
                bill = Bill.objects.get(
                    household=household, kind=BillKind.RENT, period=D(2025, month, 1)
                )
                due = datetime.datetime.combine(bill.due_on, datetime.time(23, 30), LOCAL)
                if household == charlie and month == 7:
                    due += datetime.timedelta(hours=1)  # 00:30 the next day: late
                _pay(household, bill, due)
        assert list(credits.on_time_households(D(2026, 1, 1))) == [alice.pk]
        assert on_time_credits_task.call_local() == 1
        assert credits.on_time_credits_run(D(2026, 1, 1)) == 0  # the same month again
    with at(D(2026, 2, 1)):
        assert credits.on_time_credits_run() == 0  # credited in the last twelve months
    credit = GoodConductCredit.objects.get()
    assert credit.household == alice and credit.kind == CreditKind.ON_TIME_PAYMENT
    assert credit.source_key == f"ontime:{alice.pk}:2026-01"
    assert credit.occurred_on == D(2025, 12, 31) and credit.amount == Decimal("12.0")
    assert TimelineEntry.objects.filter(verb="credit.recorded", household=alice).count() == 1


def test_an_unpaid_fine_spoils_the_twelve_months(cast):
    from anju.tenancy.services.billing import bill_raise

    alice = cast.alice_household
    with at(D(2026, 1, 5)):
        for month in range(1, 13):
            bill_run(D(2025, month, 1), actor=cast.officer)
            bill = Bill.objects.get(household=alice, kind=BillKind.RENT, period=D(2025, month, 1))
            _pay(alice, bill, datetime.datetime.combine(bill.due_on, datetime.time(9), LOCAL))
        bill_raise(
            alice,
            actor=cast.officer,
            kind=BillKind.FINE,
            amount=Decimal("50"),
            due_on=D(2025, 12, 20),
        )
        assert credits.on_time_credits_run(D(2026, 1, 1)) == 0
