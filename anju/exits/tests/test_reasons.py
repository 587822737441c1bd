"""Each reason for an exit, carried the whole way: opened where that reason comes from
(the "must vacate" list, a violation case's recovery, the household's own request, an
officer), decided, noticed with the deadline its article gives, past the deadline into
market rent or court as art. 31 says, handed back and settled, closed with the unit
back in the pool and, for deceit, the bad-conduct record."""

import datetime
from decimal import Decimal

import pytest

from anju.exits.models import LEGAL_BASIS, ExitReason, Stage, Track
from anju.exits.services import billing
from anju.exits.services import cases as svc
from anju.exits.services.settlement import settle
from anju.households.models import BadConductRecord, HouseholdStatus
from anju.housing.models import UnitStatus
from anju.supervision.services import cases as violations
from anju.tenancy.models import Bill, BillKind
from anju.tenancy.services.vacate import listing_add
from anju.testing.admission import make_ruleset

# The autouse fixtures (English, quick PDFs) come along with the builders.
from .test_handovers import (  # noqa: F401
    D,
    all_ok,
    at,
    english,
    hand_over,
    housed,
    quick_pdfs,
)

OPENED = D(2026, 3, 2)
NOTICE = D(2026, 3, 5)
LISTED = {
    ExitReason.LEASE_EXPIRED: "no_renewal",
    ExitReason.RENEWAL_REFUSED: "renewal_refused",
    ExitReason.RECERTIFICATION: "recertification",
    ExitReason.ARREARS: "arrears",
}
ARTICLE = {
    ExitReason.LEASE_EXPIRED: "Art. 30",
    ExitReason.RENEWAL_REFUSED: "Art. 31",
    ExitReason.OTHER_HOUSING: "Art. 31",
    ExitReason.RECERTIFICATION: "Art. 31",
    ExitReason.RECOVERY: "Art. 27",
    ExitReason.ARREARS: "Art. 29",
    ExitReason.FALSE_DECLARATION: "Art. 35",
}


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def opened(cast, reason, household):
    """Open the case the way this reason arrives."""
    if reason in LISTED:
        listing, _new = listing_add(
            household, actor=cast.officer, reason=LISTED[reason], evidence={"依据": "核查结果"}
        )
        return svc.case_from_listing(listing, actor=cast.operator)
    if reason == ExitReason.RECOVERY:
        violation = violations.case_open(
            household,
            actor=cast.operator,
            type="sublet",
            source="staff",
            summary="转租给他人居住。",
            evidence={"入户核查": "见两名非家庭成员"},
            breach_began_on=OPENED - datetime.timedelta(days=30),
        )
        violation = violations.notice_issue(
            violation, actor=cast.operator, kind="notice", respond_by=OPENED + datetime.timedelta(1)
        )
        violation = violations.statement_record(
            violation, actor=cast.operator, text="承租人称亲戚暂住。"
        )
        violation = violations.case_decide(
            violation, actor=cast.officer, outcome="recovery", reasons="收回。", fine=Decimal(500)
        )
        return svc.case_from_violation(violation, actor=cast.officer)
    if reason == ExitReason.VOLUNTARY:
        return svc.exit_request(
            household, actor=cast.operator, move_out_on=D(2026, 4, 15), channel="counter"
        )
    return svc.case_open(
        household, actor=cast.operator, reason=reason, channel="staff", summary="核查属实。"
    )


@pytest.mark.parametrize("reason", ExitReason.values)
def test_each_reason_from_its_way_in_to_a_closed_case(cast, rules, reason):
    household = housed(cast, f"R-{reason[:8]}")
    with at(OPENED):
        case = opened(cast, reason, household)
    assert case.reason == reason and case.stage == Stage.OPEN
    assert case.legal_basis == str(LEGAL_BASIS[reason])
    if reason in ARTICLE:
        assert ARTICLE[reason] in case.legal_basis
    with at(NOTICE):
        case = svc.case_decide(case, actor=cast.officer, decision="决定退出。")
        case = svc.notice_issue(case, actor=cast.officer)

    # The deadline its article gives, and what follows it.
    if reason in (ExitReason.RECOVERY, ExitReason.FALSE_DECLARATION):
        assert case.vacate_by == NOTICE + datetime.timedelta(days=30)
    elif reason == ExitReason.VOLUNTARY:
        assert case.vacate_by == D(2026, 4, 15)
    else:
        assert case.vacate_by == D(2026, 5, 5)
    market = reason in (
        ExitReason.VOLUNTARY,
        ExitReason.LEASE_EXPIRED,
        ExitReason.RENEWAL_REFUSED,
        ExitReason.RECERTIFICATION,
    )
    assert case.track == (Track.MARKET_RENT if market else Track.LITIGATION)

    after = case.vacate_by + datetime.timedelta(days=3)
    with at(after):
        svc.overstays_begin(after)
        billing.exit_bills_raise(after)
    case.refresh_from_db()
    assert case.stage == (Stage.OVERSTAY if market else Stage.LITIGATION)
    overstay = Bill.objects.filter(household=household, kind=BillKind.OVERSTAY)
    assert overstay.exists() == market

    hand_over(cast, case, today=after, on=after)
    with at(after):
        settle(case, actor=cast.operator, refund_method="bank", on=after)
    case.refresh_from_db()
    household.refresh_from_db()
    case.unit.refresh_from_db()
    assert case.stage == Stage.CLOSED
    assert household.status == HouseholdStatus.EXITED and household.closed_at is not None
    assert case.number in household.closed_reason
    assert case.unit.status == UnitStatus.VACANT
    records = BadConductRecord.objects.filter(household=household)
    # Art. 35 writes the record at the exit; a recovery's was written by its violation
    # case (art. 36); the other reasons bring no ban.
    assert records.exists() == (reason in (ExitReason.FALSE_DECLARATION, ExitReason.RECOVERY))
