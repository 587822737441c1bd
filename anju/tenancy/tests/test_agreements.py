"""Repayment agreements: what may be signed, an agreement kept and completed, a missed
instalment that re-opens the arrears stage, and cancelling."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, TimelineEntry
from anju.tenancy.models import AgreementStatus, ArrearsAction, Channel
from anju.tenancy.services import agreements as svc
from anju.tenancy.services.arrears import standing_of, step_take
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.payments import payment_record

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def english(settings):
    """The assertions read the English source strings, whatever the catalogue holds."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def bill(*months):
    for m in months:
        bill_run(D(2025, m, 1), actor=None)


def pay(household, amount, txn):
    payment_record(household, actor=None, amount=amount, channel=Channel.WECHAT, txn_id=txn)


@time_machine.travel("2025-03-10 10:00 +08:00", tick=False)
@pytest.mark.parametrize(
    ("instalments", "code"),
    [
        ([], "instalments"),
        ([(D(2025, 3, 9), "100.00")], "past"),
        ([(D(2025, 4, 1), "100.00"), (D(2025, 4, 1), "100.00")], "order"),
        ([(D(2025, 5, 1), "100.00"), (D(2025, 4, 1), "100.00")], "order"),
        ([(D(2025, 4, 1), "0")], "amount"),
        ([(D(2025, 4, 1), "10.001")], "amount"),
        ([(D(2025, 4, 1), "ten")], "amount"),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_is_written(cast, instalments, code):
    bill(1, 2, 3)
    with pytest.raises(DomainError) as caught:
        svc.agreement_create(cast.alice_household, actor=cast.operator, instalments=instalments)
    assert caught.value.code == code
    assert not cast.alice_household.repayment_agreements.exists()


@time_machine.travel("2025-03-10 10:00 +08:00", tick=False)
def test_a_household_that_owes_nothing_or_already_has_an_agreement_cannot_sign(cast):
    with pytest.raises(DomainError) as caught:
        svc.agreement_create(
            cast.alice_household, actor=cast.operator, instalments=[(D(2025, 4, 1), "10.00")]
        )
    assert caught.value.code == "nothing_owed"
    bill(1, 2, 3)
    svc.agreement_create(
        cast.alice_household, actor=cast.operator, instalments=[(D(2025, 4, 1), "10.00")]
    )
    with pytest.raises(DomainError) as caught:
        svc.agreement_create(
            cast.alice_household, actor=cast.operator, instalments=[(D(2025, 4, 1), "10.00")]
        )
    assert caught.value.code == "active"


def test_a_missed_instalment_reopens_the_arrears_stage(cast):
    household = cast.alice_household
    with time_machine.travel("2025-03-10 10:00 +08:00", tick=False) as traveller:
        bill(1, 2, 3)
        step_take(household, actor=cast.operator)  # the SMS of this spell
        pay(household, "100.00", "before-signing")
        agreement = svc.agreement_create(
            household,
            actor=cast.operator,
            instalments=[(D(2025, 3, 31), "500.00"), (D(2025, 4, 30), "500.00")],
        )
        assert (agreement.number, agreement.total, agreement.paid_before) == (
            "HK202500001",
            Decimal("1000.00"),
            Decimal("100.00"),
        )
        assert "being kept" in standing_of(household).reason
        traveller.move_to("2025-03-31 20:00 +08:00")
        pay(household, "500.00", "first")
        traveller.move_to("2025-04-01 01:10 +08:00")
        assert svc.agreements_check_due() == {"missed": 0, "completed": 0}
        assert [s.state for s in svc.instalment_states(agreement)] == ["met", "upcoming"]
        traveller.move_to("2025-05-01 01:10 +08:00")
        pay(household, "499.99", "late-and-short")  # paid the day after: too late
        assert svc.agreements_check_due() == {"missed": 1, "completed": 0}
        assert svc.agreements_check_due() == {"missed": 0, "completed": 0}
    agreement.refresh_from_db()
    assert (agreement.status, agreement.missed_on) == (AgreementStatus.MISSED, D(2025, 4, 30))
    states = svc.instalment_states(agreement, D(2025, 5, 1))
    assert [(s.state, s.short) for s in states] == [("met", 0), ("missed", Decimal("500.00"))]
    # The stage re-opens where the spell left it: the SMS stays taken; the letter is next.
    with time_machine.travel("2025-05-01 10:00 +08:00", tick=False):
        bill(4, 5)
        standing = standing_of(household)
    assert standing.hold is None and set(standing.taken) == {ArrearsAction.SMS}
    assert standing.action == ArrearsAction.LETTER_1
    assert TimelineEntry.objects.filter(household=household, verb="agreement.missed").exists()
    assert AuditEntry.objects.filter(
        action="agreement.missed", target_id=str(agreement.pk)
    ).exists()


def test_an_agreement_paid_off_with_nothing_overdue_is_completed(cast):
    household = cast.alice_household
    with time_machine.travel("2025-03-10 10:00 +08:00", tick=False) as traveller:
        bill(1, 2, 3)
        agreement = svc.agreement_create(
            household,
            actor=cast.operator,
            instalments=[(D(2025, 4, 15), "700.00"), (D(2025, 5, 15), "665.00")],
        )
        traveller.move_to("2025-03-20 10:00 +08:00")
        pay(household, "1365.00", "all-at-once")
        svc.agreements_check_due()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.COMPLETED


def test_a_cancelled_agreement_needs_a_reason_and_lets_the_steps_resume(cast):
    household = cast.alice_household
    with time_machine.travel("2025-03-10 10:00 +08:00", tick=False):
        bill(1, 2, 3)
        agreement = svc.agreement_create(
            household, actor=cast.operator, instalments=[(D(2025, 4, 15), "1365.00")]
        )
        with pytest.raises(DomainError):
            svc.agreement_cancel(agreement, actor=cast.operator, reason=" ")
        svc.agreement_cancel(agreement, actor=cast.operator, reason="signed in error")
        assert standing_of(household).action == ArrearsAction.SMS
        with pytest.raises(DomainError):
            svc.agreement_cancel(agreement, actor=cast.operator, reason="again")
    entry = TimelineEntry.objects.get(household=household, verb="agreement.cancelled")
    assert entry.data["reason"] == "signed in error"
