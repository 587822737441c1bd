"""Exit cases through their services: each reason's way in, the decision, the vacate
notice with its deadline and rents, the moving period billed at contract rent, the
overstay at market rent billed once a month and never twice, the court track, and
withdrawal. Time is frozen at each step."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, TimelineEntry
from anju.exits.models import ExitCase, ExitReason, Stage, Track
from anju.exits.services import billing
from anju.exits.services import cases as svc
from anju.households.models import Lease
from anju.housing.models import UnitStatus
from anju.tenancy.models import Bill, BillKind, ListingStatus, VacateReason
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.vacate import listing_add
from anju.testing.admission import make_ruleset
from anju.testing.tenancy import housed_household

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def quick_notice(request, monkeypatch):
    """Typesetting takes a second; tests that do not read the PDF render the template
    only. The test of the PDF itself asks for `real_pdf`."""
    if "real_pdf" not in request.fixturenames:
        from django.template.loader import render_to_string

        def quick(case):
            render_to_string("exits/pdf/notice.html", svc.notice_context(case))
            return PDF

        monkeypatch.setattr(svc, "notice_pdf", quick)


@pytest.fixture
def real_pdf():
    """Typeset the notice with WeasyPrint (see `quick_notice`)."""


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


LATE = D(2028, 1, 1)
APRIL = D(2026, 4, 1)


def listed(cast, reason=VacateReason.RECERTIFICATION, *, end=LATE, number="X1"):
    household = housed_household(
        cast.e1, number, cast.officer, start=D(2025, 1, 1), end=end, rent="600.00"
    )
    listing, _new = listing_add(
        household,
        actor=cast.officer,
        reason=reason,
        evidence={"Per-capita income": "¥5,200 (6.5× the limit)"},
        on=D(2026, 3, 1),
    )
    return household, listing


def noticed(cast, case, *, on=APRIL, **extra):
    with at(on):
        case = svc.case_decide(case, actor=cast.officer, decision="Over the highest band.", **extra)
        return svc.notice_issue(case, actor=cast.officer)


def test_a_listing_becomes_a_case_with_its_evidence_and_the_listing_is_marked(cast, rules):
    _household, listing = listed(cast)
    with at(D(2026, 3, 2)):
        case = svc.case_from_listing(listing, actor=cast.operator)
    assert case.number == "TC202600001"
    assert case.reason == ExitReason.RECERTIFICATION and case.stage == Stage.OPEN
    assert case.facts["Per-capita income"] == "¥5,200 (6.5× the limit)"
    assert case.due_on == D(2026, 3, 12)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.EXIT_OPENED
    assert "Art. 31" in case.legal_basis
    assert AuditEntry.objects.filter(action="exit.open", target_id=str(case.pk)).count() == 1
    with pytest.raises(DomainError) as err:
        svc.case_from_listing(listing, actor=cast.operator)
    assert err.value.code == "not_listed"


def test_the_notice_sets_the_deadline_rents_unit_status_and_lease_end(cast, rules):
    household, listing = listed(cast)
    with at(D(2026, 3, 2)):
        case = svc.case_from_listing(listing, actor=cast.operator)
    case = noticed(cast, case)
    assert case.stage == Stage.MOVING and case.track == Track.MARKET_RENT
    assert case.vacate_by == D(2026, 6, 1)  # two months, the rule set's default
    assert case.due_on == case.vacate_by
    assert case.moving_rent == Decimal("600.00") and case.market_rent == Decimal("1200.00")
    assert case.notice_number == "TT202600001" and case.notice_document.name
    case.unit.refresh_from_db()
    assert case.unit.status == UnitStatus.VACATING
    assert Lease.objects.get(pk=case.lease_id).ended_on == D(2026, 6, 1)
    letters = Message.objects.filter(key__startswith=f"exit:{case.number}:notice")
    assert letters.count() == 2
    assert TimelineEntry.objects.filter(verb="exit.notice", household=household).exists()


def test_the_rendered_notice_is_a_real_pdf(cast, rules, real_pdf):
    _household, listing = listed(cast)
    with at(D(2026, 3, 2)):
        case = svc.case_from_listing(listing, actor=cast.operator)
    case = noticed(cast, case)
    data = case.notice_document.read()
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_contract_rent_runs_to_the_deadline_then_market_rent_monthly_never_twice(cast, rules):
    _household, listing = listed(cast)
    with at(D(2026, 3, 2)):
        case = svc.case_from_listing(listing, actor=cast.operator)
    case = noticed(cast, case)
    with at(D(2026, 6, 1)):
        bill_run(D(2026, 6, 1))
        assert svc.overstays_begin(D(2026, 6, 1)) == 0  # the deadline day itself
        assert billing.exit_bills_raise(D(2026, 6, 1)) == 0
    june_rent = Bill.objects.get(lease=case.lease, kind=BillKind.RENT, period=D(2026, 6, 1))
    assert june_rent.amount == Decimal("20.00")  # one day of 600 a month in June
    with at(D(2026, 6, 2)):
        assert svc.overstays_begin(D(2026, 6, 2)) == 1
        assert billing.exit_bills_raise(D(2026, 6, 2)) == 1
        assert billing.exit_bills_raise(D(2026, 6, 2)) == 0
    case.refresh_from_db()
    assert case.stage == Stage.OVERSTAY and case.overstay_from == D(2026, 6, 2)
    june = Bill.objects.get(kind=BillKind.OVERSTAY, period=D(2026, 6, 1))
    assert (june.period_start, june.period_end) == (D(2026, 6, 2), D(2026, 6, 30))
    assert june.amount == Decimal("1160.00")  # 29 of 30 days of 1,200
    with at(D(2026, 7, 1)):
        bill_run(D(2026, 7, 1))
        assert billing.exit_bills_raise(D(2026, 7, 1)) == 1
        assert billing.exit_bills_raise(D(2026, 7, 15)) == 0
    assert not Bill.objects.filter(lease=case.lease, kind=BillKind.RENT, period=D(2026, 7, 1))
    july = Bill.objects.get(kind=BillKind.OVERSTAY, period=D(2026, 7, 1))
    assert july.amount == Decimal("1200.00")
    # A run that was missed catches up, month by month.
    with at(D(2026, 9, 3)):
        assert billing.exit_bills_raise(D(2026, 9, 3)) == 2
    assert Bill.objects.filter(kind=BillKind.OVERSTAY).count() == 4


def test_an_expired_lease_pays_moving_period_rent_past_its_term(cast, rules):
    _household, listing = listed(cast, VacateReason.NO_RENEWAL, end=D(2026, 3, 31), number="X2")
    with at(D(2026, 4, 1)):
        case = svc.case_from_listing(listing, actor=cast.operator)
    case = noticed(cast, case, on=D(2026, 4, 10))
    assert case.reason == ExitReason.LEASE_EXPIRED and case.vacate_by == D(2026, 6, 10)
    with at(D(2026, 4, 10)):
        assert billing.exit_bills_raise(D(2026, 4, 10)) == 1
    april = Bill.objects.get(kind=BillKind.MOVING, period=D(2026, 4, 1))
    assert april.amount == Decimal("600.00") and april.period_start == D(2026, 4, 1)
    with at(D(2026, 6, 1)):
        assert billing.exit_bills_raise(D(2026, 6, 1)) == 2  # May, and June to the 10th
    june = Bill.objects.get(kind=BillKind.MOVING, period=D(2026, 6, 1))
    assert june.amount == Decimal("200.00")


@pytest.mark.parametrize(
    ("reason", "other", "track"),
    [
        (VacateReason.RECERTIFICATION, False, Track.MARKET_RENT),
        (VacateReason.RECERTIFICATION, True, Track.LITIGATION),
        (VacateReason.ARREARS, False, Track.LITIGATION),
    ],
)
def test_an_overstay_goes_to_court_for_other_housing_and_arrears(cast, rules, reason, other, track):
    _household, listing = listed(cast, reason)
    with at(D(2026, 3, 2)):
        case = svc.case_from_listing(listing, actor=cast.operator)
    case = noticed(cast, case, has_other_housing=other)
    assert case.track == track
    with at(D(2026, 6, 5)):
        svc.overstays_begin(D(2026, 6, 5))
        billing.exit_bills_raise(D(2026, 6, 5))
    case.refresh_from_db()
    if track == Track.LITIGATION:
        assert case.stage == Stage.LITIGATION
        assert case.due_on == D(2026, 6, 2) + datetime.timedelta(days=30)
        assert not Bill.objects.filter(kind=BillKind.OVERSTAY).exists()
    else:
        assert case.stage == Stage.OVERSTAY and case.due_on is None
        assert Bill.objects.filter(kind=BillKind.OVERSTAY).count() == 1


def test_a_voluntary_exit_takes_its_own_day_and_a_recovery_art_27s_deadline(cast, rules):
    household = housed_household(
        cast.e1, "V1", cast.officer, start=D(2025, 1, 1), end=D(2028, 1, 1)
    )
    with at(D(2026, 4, 1)):
        case = svc.exit_request(
            household, actor=cast.operator, move_out_on=D(2026, 4, 20), channel="counter"
        )
    case = noticed(cast, case, on=D(2026, 4, 2))
    assert case.vacate_by == D(2026, 4, 20) and case.track == Track.MARKET_RENT
    with at(D(2026, 4, 2)), pytest.raises(DomainError) as err:
        svc.exit_request(
            household, actor=cast.operator, move_out_on=D(2026, 5, 1), channel="portal"
        )
    assert err.value.code == "already_open"


def test_a_deadline_later_than_the_rules_allow_is_refused(cast, rules):
    _household, listing = listed(cast)
    with at(D(2026, 3, 2)):
        case = svc.case_from_listing(listing, actor=cast.operator)
        case = svc.case_decide(case, actor=cast.officer, decision="Over the band.")
        with pytest.raises(DomainError) as err:
            svc.notice_issue(case, actor=cast.officer, vacate_by=D(2026, 8, 1))
    assert err.value.code == "bad_deadline"
    case.refresh_from_db()
    assert case.stage == Stage.DECIDED and not case.notice_document


def test_wrong_moves_are_refused(cast, rules):
    _household, listing = listed(cast)
    with at(D(2026, 3, 2)):
        case = svc.case_from_listing(listing, actor=cast.operator)
        with pytest.raises(DomainError) as err:
            svc.notice_issue(case, actor=cast.officer)
    assert err.value.code == "bad_transition"
    with pytest.raises(DomainError):
        svc.case_decide(case, actor=cast.officer, decision="  ")


def test_withdrawal_restores_the_unit_and_the_lease(cast, rules):
    _household, listing = listed(cast, VacateReason.ARREARS)
    with at(D(2026, 3, 2)):
        case = svc.case_from_listing(listing, actor=cast.operator)
    case = noticed(cast, case)
    with at(D(2026, 4, 5)):
        case = svc.case_withdraw(case, actor=cast.officer, reason="Arrears paid in full.")
    assert case.stage == Stage.WITHDRAWN and case.due_on is None
    case.unit.refresh_from_db()
    case.lease.refresh_from_db()
    listing.refresh_from_db()
    assert case.unit.status == UnitStatus.OCCUPIED and case.lease.ended_on is None
    assert listing.status == ListingStatus.WITHDRAWN
    assert not ExitCase.objects.live().exists()
