"""The deposit settlement that closes an exit: the arithmetic (a deposit larger than
what is owed is paid back, a smaller one leaves the rest owed, damage is settled from
it, rent paid for days after the keys came back is given back, a household that paid
no deposit), the preview matching what settling does, the case and the archive
closed, the bad-conduct record of art. 35, and the tenancy service that turns the
deposit back into the household's money."""

from decimal import Decimal

import pytest
from django.utils import timezone

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, TimelineEntry
from anju.exits.models import DepositSettlement, ExitReason, Stage
from anju.exits.services import cases as cases_svc
from anju.exits.services.settlement import settle, settlement_preview
from anju.households.models import BadConductRecord, HouseholdStatus
from anju.tenancy.models import Bill, BillKind, BillStatus, Channel, Payment, Refund
from anju.tenancy.services.billing import bill_raise
from anju.tenancy.services.payments import (
    balance_of,
    credit_of,
    deposit_apply,
    deposit_held,
    payment_record,
)
from anju.testing.admission import make_ruleset

# The autouse fixtures come along with the builders.
from .test_handovers import (  # noqa: F401
    D,
    all_ok,
    at,
    english,
    hand_over,
    housed,
    moving_case,
    quick_pdfs,
)

SETTLE_DAY = D(2026, 5, 14)


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


@pytest.fixture
def real_pdf():
    """Typeset the statement with WeasyPrint (see test_handovers.quick_pdfs)."""


def settled(cast, case, method="bank", on=SETTLE_DAY):
    with at(on):
        return settle(case, actor=cast.operator, refund_method=method, on=on)


def figures(s):
    return {
        "deposit": s.deposit_held,
        "damage": s.damage,
        "rent_returned": s.rent_returned,
        "applied": s.applied,
        "refunded": s.refunded,
        "still_owed": s.still_owed,
    }


def test_a_deposit_larger_than_what_is_owed_pays_the_damage_and_rent_and_comes_back(cast, rules):
    household, case = moving_case(cast)
    hand_over(
        cast,
        case,
        checklist=all_ok(kitchen="Cracked floor tile", walls="Holes drilled"),
        charges={"walls": "200.00"},
    )
    # Owed: April's rent 600 and May's 193.55 (to the 10th), and 200 of damage.
    case.refresh_from_db()
    preview = settlement_preview(case)
    assert (preview.owed, preview.credit, preview.balance) == (
        Decimal("993.55"),
        Decimal("0.00"),
        Decimal("993.55"),
    )
    settlement = settled(cast, case)
    assert figures(settlement) == {
        "deposit": Decimal("1000.00"),
        "damage": Decimal("200.00"),
        "rent_returned": Decimal("406.45"),
        "applied": Decimal("993.55"),
        "refunded": Decimal("6.45"),
        "still_owed": Decimal("0.00"),
    }
    assert figures(settlement) == figures(preview) | {"deposit": preview.deposit_held}
    assert not Bill.objects.filter(household=household, status=BillStatus.OPEN).exists()
    deposit = Payment.objects.get(household=household, channel=Channel.DEPOSIT)
    assert deposit.amount == Decimal("1000.00") and deposit.number.startswith("SK2026")
    refund = Refund.objects.get(household=household)
    assert settlement.refund == refund
    assert (refund.amount, refund.method, refund.paid_on) == (Decimal("6.45"), "bank", SETTLE_DAY)
    assert credit_of(household) == 0 and balance_of(household) == 0
    assert deposit_held(household) == 0


def test_a_deposit_smaller_than_what_is_owed_leaves_the_rest_owed(cast, rules):
    household, case = moving_case(cast, deposit="300.00")
    hand_over(cast, case, checklist=all_ok(walls="Holes drilled"), charges={"walls": "120.50"})
    case.refresh_from_db()
    settlement = settled(cast, case, method="")
    # Owed 600 + 193.55 + 120.50 = 914.05; the deposit settles the oldest 300 of it.
    assert figures(settlement) == {
        "deposit": Decimal("300.00"),
        "damage": Decimal("120.50"),
        "rent_returned": Decimal("406.45"),
        "applied": Decimal("300.00"),
        "refunded": Decimal("0.00"),
        "still_owed": Decimal("614.05"),
    }
    assert settlement.refund is None and not Refund.objects.exists()
    assert balance_of(household) == Decimal("614.05")
    april = Bill.objects.get(household=household, kind=BillKind.RENT, period=D(2026, 4, 1))
    assert april.settled == Decimal("300.00")  # the oldest bill first
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED  # what is still owed stays on the account


def test_rent_paid_for_days_after_the_keys_came_back_is_given_back(cast, rules):
    household, case = moving_case(cast)
    with at(D(2026, 5, 2)):
        payment_record(
            household, actor=cast.operator, amount="1200.00", channel="wechat", txn_id="WX-1"
        )
    hand_over(cast, case)
    case.refresh_from_db()
    preview = settlement_preview(case)
    assert (preview.owed, preview.credit) == (Decimal("0.00"), Decimal("406.45"))
    settlement = settled(cast, case, method="wechat")
    assert figures(settlement) == {
        "deposit": Decimal("1000.00"),
        "damage": Decimal("0.00"),
        "rent_returned": Decimal("406.45"),
        "applied": Decimal("0.00"),
        "refunded": Decimal("1406.45"),
        "still_owed": Decimal("0.00"),
    }
    assert Refund.objects.get().amount == Decimal("1406.45")


def test_a_household_that_paid_no_deposit_settles_what_it_owes_itself(cast, rules):
    household, case = moving_case(cast, deposit="0")
    hand_over(cast, case)
    case.refresh_from_db()
    settlement = settled(cast, case, method="")
    assert figures(settlement) == {
        "deposit": Decimal("0.00"),
        "damage": Decimal("0.00"),
        "rent_returned": Decimal("406.45"),
        "applied": Decimal("0.00"),
        "refunded": Decimal("0.00"),
        "still_owed": Decimal("793.55"),
    }
    assert not Payment.objects.filter(channel=Channel.DEPOSIT).exists()
    assert balance_of(household) == Decimal("793.55")


def test_settling_closes_the_case_and_the_archive_and_keeps_the_statement(cast, rules):
    household, case = moving_case(cast)
    hand_over(cast, case)
    case.refresh_from_db()
    settlement = settled(cast, case)
    assert settlement.number == "JS202600001" and settlement.document.name.endswith(".pdf")
    codes = [line["code"] for line in settlement.lines]
    assert codes[:8] == [
        "deposit",
        "damage",
        "rent_returned",
        "owed",
        "credit",
        "applied",
        "refunded",
        "still_owed",
    ]
    assert [line["kind"] for line in settlement.lines[8:]] == ["rent", "rent"]
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.due_on is None
    assert (case.closed_on, case.closed_by) == (SETTLE_DAY, cast.operator)
    household.refresh_from_db()
    assert household.status == HouseholdStatus.EXITED and household.closed_at is not None
    assert household.closed_reason == f"Voluntary exit ({case.number})"
    assert TimelineEntry.objects.filter(household=household, verb="exit.settled").exists()
    assert AuditEntry.objects.filter(action="exit.settle", target_id=str(case.pk)).exists()
    assert not BadConductRecord.objects.exists()  # a voluntary exit leaves no record
    with pytest.raises(DomainError) as err:
        settled(cast, case)
    assert err.value.code == "bad_stage"
    assert DepositSettlement.objects.count() == 1


def test_a_unit_obtained_by_deceit_leaves_a_record_with_the_rule_sets_ban(cast, rules):
    household = housed(cast, "HF1", index=2)
    with at(D(2026, 4, 1)):
        case = cases_svc.case_open(
            household,
            actor=cast.officer,
            reason=ExitReason.FALSE_DECLARATION,
            channel="staff",
            summary="Income concealed at application.",
        )
        case = cases_svc.case_decide(case, actor=cast.officer, decision="Obtained by deceit.")
        case = cases_svc.notice_issue(case, actor=cast.officer)
    hand_over(cast, case, on=D(2026, 4, 20), today=D(2026, 4, 21))
    case.refresh_from_db()
    settled(cast, case, on=D(2026, 4, 22))
    record = BadConductRecord.objects.get(household=household)
    assert record.reason == "false_declaration" and record.name == household.head.name
    # Art. 35: five years (the rule set's ban) from the day the unit was returned.
    assert (record.occurred_on, record.banned_until) == (D(2026, 4, 20), D(2031, 4, 20))
    assert record.details.startswith(case.number)


def test_a_refund_without_a_method_is_refused_and_nothing_is_written(cast, rules):
    household, case = moving_case(cast)
    hand_over(cast, case)
    case.refresh_from_db()
    for method in ("", "deposit"):
        with pytest.raises(DomainError) as err:
            settled(cast, case, method=method)
        assert err.value.code == "method"
    case.refresh_from_db()
    assert case.stage == Stage.HANDED_OVER
    assert not Payment.objects.filter(channel=Channel.DEPOSIT).exists()
    assert not DepositSettlement.objects.exists()
    household.refresh_from_db()
    assert household.closed_at is None


def test_a_case_whose_keys_are_not_back_cannot_settle(cast, rules):
    _household, case = moving_case(cast)
    with pytest.raises(DomainError) as err:
        settled(cast, case)
    assert err.value.code == "bad_stage"


def test_a_settlement_day_before_the_keys_or_to_come_is_refused(cast, rules):
    _household, case = moving_case(cast)
    hand_over(cast, case)
    case.refresh_from_db()
    for day in (D(2026, 5, 9), D(2026, 5, 15)):
        with at(SETTLE_DAY), pytest.raises(DomainError) as err:
            settle(case, actor=cast.operator, refund_method="bank", on=day)
        assert err.value.code == "bad_date"


def test_the_statement_is_a_real_pdf(cast, rules, real_pdf):
    _household, case = moving_case(cast)
    hand_over(cast, case, checklist=all_ok(walls="Holes drilled"), charges={"walls": "200"})
    case.refresh_from_db()
    settlement = settled(cast, case)
    data = settlement.document.read()
    assert data.startswith(b"%PDF") and len(data) > 10_000


# --- tenancy: deposit_apply -----------------------------------------------------------------


def test_the_deposit_applied_settles_the_oldest_bills_and_no_more_than_is_held(cast, rules):
    household = housed(cast, "HD1", index=4, deposit="500.00", move_in=False)
    with at(D(2026, 3, 1)):
        fine = bill_raise(
            household,
            actor=cast.officer,
            kind=BillKind.FINE,
            amount=Decimal("120.00"),
            due_on=D(2026, 3, 1),
        )
        assert deposit_apply(household, actor=cast.operator, amount="0", note="x") is None
        with pytest.raises(DomainError) as err:
            deposit_apply(household, actor=cast.operator, amount="500.01", note="End")
        assert err.value.code == "over_deposit"
        payment = deposit_apply(household, actor=cast.operator, amount="500.00", note="End")
    assert payment.channel == Channel.DEPOSIT and payment.paid_at.date() == D(2026, 3, 1)
    fine.refresh_from_db()
    assert fine.status == BillStatus.PAID
    assert credit_of(household) == Decimal("380.00") and deposit_held(household) == 0
    with pytest.raises(DomainError) as err:
        deposit_apply(household, actor=cast.operator, amount="1.00", note="Again")
    assert err.value.code == "over_deposit"
    entry = AuditEntry.objects.get(action="deposit.apply")
    assert entry.changes["allocated"] == "120.00"
    assert TimelineEntry.objects.filter(household=household, verb="deposit.applied").exists()
    assert timezone.localdate()
