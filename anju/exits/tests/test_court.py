"""Court steps of an exit case through their service: a filing takes an overstay at
market rent to court, each step's deadline becomes the case's, a judgment's award is
billed once, and steps that cannot be (in the future, before the notice, out of
stage, twice) are refused with nothing written. Time is frozen at each step."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, TimelineEntry
from anju.exits.models import LegalStep, Stage, Track
from anju.exits.services import cases as svc
from anju.exits.services.court import award_key, legal_step_record
from anju.tenancy.models import Bill, BillKind, VacateReason
from anju.tenancy.services.vacate import listing_add
from anju.testing.admission import make_ruleset
from anju.testing.tenancy import housed_household

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COURT = "长治市L区人民法院"
NUMBER = "（2026）晋0402民初1234号"


@pytest.fixture(autouse=True)
def english(settings, monkeypatch):
    settings.LANGUAGE_CODE = "en"
    monkeypatch.setattr(svc, "notice_pdf", lambda case: PDF)  # typesetting: see test_cases
    with translation.override("en"):
        yield


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def at(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def overstaying(cast, reason=VacateReason.RECERTIFICATION, *, other=False, number="K1"):
    """A case noticed on 2026-04-01 (vacate by 2026-06-01) and overstaying from
    2026-06-02: at market rent, or in court for a household with other housing."""
    household = housed_household(
        cast.e1, number, cast.officer, start=D(2025, 1, 1), end=D(2028, 1, 1), rent="600.00"
    )
    listing, _new = listing_add(
        household, actor=cast.officer, reason=reason, evidence={"Income": "6×"}, on=D(2026, 3, 1)
    )
    with at(D(2026, 3, 2)):
        case = svc.case_from_listing(listing, actor=cast.operator)
    with at(D(2026, 4, 1)):
        case = svc.case_decide(
            case, actor=cast.officer, decision="No longer qualifies.", has_other_housing=other
        )
        case = svc.notice_issue(case, actor=cast.officer)
    with at(D(2026, 6, 2)):
        svc.overstays_begin(D(2026, 6, 2))
    case.refresh_from_db()
    return case


def test_a_filing_takes_an_overstay_at_market_rent_to_court(cast, rules):
    case = overstaying(cast)
    assert case.stage == Stage.OVERSTAY and case.due_on is None
    with at(D(2026, 7, 10)):
        step = legal_step_record(
            case,
            actor=cast.operator,
            kind="filed",
            court=COURT,
            court_case_number=NUMBER,
            on=D(2026, 7, 8),
            due_on=D(2026, 8, 20),
            summary="Suit for the unit and the market rent owed.",
        )
    case.refresh_from_db()
    assert case.stage == Stage.LITIGATION and case.track == Track.LITIGATION
    assert case.due_on == D(2026, 8, 20) == step.due_on
    assert AuditEntry.objects.filter(action="exit.litigation", target_id=str(case.pk)).exists()
    assert AuditEntry.objects.filter(action="exit.court", target_id=str(case.pk)).count() == 1
    entry = TimelineEntry.objects.get(verb="exit.court", household=case.household)
    assert entry.data["kind"] == "filed" and entry.data["number"] == case.number


def test_the_case_deadline_follows_the_latest_step(cast, rules):
    case = overstaying(cast, other=True)
    assert case.stage == Stage.LITIGATION
    assert case.due_on == D(2026, 6, 2) + datetime.timedelta(days=30)  # file by
    with at(D(2026, 6, 20)):
        legal_step_record(
            case,
            actor=cast.operator,
            kind="filed",
            court=COURT,
            court_case_number=NUMBER,
            on=D(2026, 6, 18),
            due_on=D(2026, 7, 30),
        )
        # A hearing is scheduled ahead; its deadline is its own day.
        hearing = legal_step_record(
            case,
            actor=cast.operator,
            kind="hearing",
            court=COURT,
            court_case_number=NUMBER,
            on=D(2026, 7, 15),
        )
    assert hearing.due_on == D(2026, 7, 15)
    case.refresh_from_db()
    assert case.due_on == D(2026, 7, 15)
    with at(D(2026, 7, 20)):
        legal_step_record(
            case,
            actor=cast.operator,
            kind="judgment",
            court=COURT,
            court_case_number=NUMBER,
            on=D(2026, 7, 20),
            due_on=D(2026, 8, 31),
            summary="Ordered to vacate by 31 August.",
        )
    case.refresh_from_db()
    assert case.due_on == D(2026, 8, 31)


def test_a_judgments_award_is_billed_once_as_back_rent(cast, rules):
    case = overstaying(cast, other=True)
    values = {
        "actor": cast.operator,
        "kind": "judgment",
        "court": COURT,
        "court_case_number": NUMBER,
        "on": D(2026, 7, 20),
        "due_on": D(2026, 8, 31),
        "award": Decimal("3600.00"),
    }
    with at(D(2026, 7, 21)):
        step = legal_step_record(case, **values)
        with pytest.raises(DomainError) as err:
            legal_step_record(case, **values)  # the same judgment, sent again
    assert err.value.code == "duplicate"
    bill = Bill.objects.get(source_key=award_key(case, step))
    assert bill.kind == BillKind.BACK_RENT and bill.amount == Decimal("3600.00")
    assert bill.household_id == case.household_id and bill.due_on == D(2026, 8, 31)
    assert Bill.objects.filter(source_key__startswith=f"exit:{case.number}:award:").count() == 1
    assert LegalStep.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"kind": "judgment", "on": D(2026, 7, 25)}, "bad_date"),  # not yet happened
        ({"kind": "filed", "on": D(2026, 3, 1)}, "bad_date"),  # before the notice
        ({"kind": "filed", "due_on": D(2026, 7, 1)}, "bad_date"),  # deadline before it
        ({"kind": "hearing", "award": "100"}, "award"),  # only a judgment awards
        ({"kind": "judgment", "award": "-5"}, "award"),
        ({"kind": "judgment", "award": "1.005"}, "award"),
        ({"kind": "filed", "court": "  "}, "court"),
        ({"kind": "appeal"}, "kind"),
        ({"kind": "filed", "document": SimpleUploadedFile("x.pdf", b"not a pdf")}, "upload_type"),
    ],
)
def test_bad_steps_are_refused_and_write_nothing(cast, rules, values, code):
    case = overstaying(cast, other=True)
    base = {"actor": cast.operator, "court": COURT, "on": D(2026, 7, 10)}
    with at(D(2026, 7, 20)), pytest.raises(DomainError) as err:
        legal_step_record(case, **(base | values))
    assert err.value.code == code
    assert not LegalStep.objects.exists() and not Bill.objects.filter(kind="back_rent").exists()
    case.refresh_from_db()
    assert case.due_on == D(2026, 7, 2)


def test_steps_are_refused_outside_the_court_and_an_overstay_needs_its_filing_first(cast, rules):
    case = overstaying(cast)
    with at(D(2026, 7, 10)), pytest.raises(DomainError) as err:
        legal_step_record(case, actor=cast.operator, kind="hearing", court=COURT, on=D(2026, 7, 30))
    assert err.value.code == "not_filed"
    case.refresh_from_db()
    assert case.stage == Stage.OVERSTAY
    withdrawn = overstaying(cast, number="K2")
    svc.case_withdraw(withdrawn, actor=cast.officer, reason="Paid.")
    with at(D(2026, 7, 10)), pytest.raises(DomainError) as err:
        legal_step_record(
            withdrawn, actor=cast.operator, kind="filed", court=COURT, on=D(2026, 7, 9)
        )
    assert err.value.code == "not_in_court"


def test_a_case_in_its_moving_period_is_not_in_court(cast, rules):
    household = housed_household(cast.e1, "K3", cast.officer, end=D(2028, 1, 1))
    with at(D(2026, 4, 1)):
        case = svc.case_open(household, actor=cast.officer, reason="arrears", channel="staff")
        case = svc.case_decide(case, actor=cast.officer, decision="Arrears of 7 months.")
        case = svc.notice_issue(case, actor=cast.officer)
        with pytest.raises(DomainError) as err:
            legal_step_record(
                case, actor=cast.operator, kind="filed", court=COURT, on=D(2026, 4, 1)
            )
        assert err.value.code == "not_in_court"
        with pytest.raises(DomainError) as err:
            svc.to_litigation(case, actor=cast.officer, note="Too early.")
        assert err.value.code == "bad_transition"
    case.refresh_from_db()
    assert case.stage == Stage.MOVING


def test_a_steps_document_is_kept(cast, rules):
    case = overstaying(cast, other=True)
    with at(D(2026, 7, 10)):
        step = legal_step_record(
            case,
            actor=cast.operator,
            kind="filed",
            court=COURT,
            on=D(2026, 7, 9),
            document=SimpleUploadedFile("起诉状.pdf", PDF, "application/pdf"),
        )
    step.refresh_from_db()
    assert step.document.name.endswith(".pdf") and step.document.read() == PDF
