"""Violation cases through their services: opening with evidence, the notice as a
Chinese PDF with its letter and SMS, the statement, the officer's decision and its
penalty, bills raised once, the bad-conduct record the admission checks read, recovery
handed to the exits issue, points for minor misconduct, and every wrong move refused."""

import datetime
import re
import zlib
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from anju.admission.models import FlagKind
from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, MessageChannel, TimelineEntry
from anju.households import services as hh
from anju.households.models import BadConductRecord
from anju.supervision.models import (
    CaseOutcome,
    CaseStatus,
    EntryKind,
    PointEntry,
    PointRule,
    ViolationCase,
)
from anju.supervision.services import cases as svc
from anju.tenancy.models import Bill, BillKind, VacateListing, VacateReason
from anju.testing.admission import APPLICANT_IDS, make_application, make_ruleset

D = datetime.date
OPENED = datetime.datetime(2026, 4, 1, 10, 0, tzinfo=datetime.UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def quick_notice(request, monkeypatch):
    """Typesetting a notice takes a second; tests that do not read the PDF render its
    template only. The test of the PDF itself asks for `real_pdf`."""
    if "real_pdf" not in request.fixturenames:
        from django.template.loader import render_to_string

        def quick(case):
            render_to_string("supervision/cases/pdf/notice.html", svc.notice_context(case))
            return PDF

        monkeypatch.setattr(svc, "notice_pdf", quick)


@pytest.fixture
def real_pdf():
    """Typeset the notice with WeasyPrint (see `quick_notice`)."""


def fonts(data: bytes) -> set[str]:
    names = set()
    for body in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            body = zlib.decompress(body)
        except zlib.error:
            continue
        names |= {n.decode() for n in re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([\w\-]+)", body)}
    return names


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def open_sublet(cast, household=None, **extra):
    values = {
        "type": "sublet",
        "source": "inspection",
        "summary": "Two people not in the household live in the unit; the tenant lives elsewhere.",
        "evidence": {"Visit": "2026-03-28, two adults present", "Tenancy agreement": "seen"},
        "breach_began_on": D(2026, 3, 10),
    }
    return svc.case_open(household or cast.alice_household, actor=cast.operator, **(values | extra))


DEADLINE = D(2026, 4, 10)


def to_statement(cast, case, *, respond_by=DEADLINE):
    case = svc.notice_issue(case, actor=cast.operator, kind="notice", respond_by=respond_by)
    return svc.statement_record(
        case, actor=cast.operator, text="We let a cousin stay; he has moved out.", received_on=None
    )


# --- Opening ----------------------------------------------------------------------


def test_a_case_is_opened_with_its_number_unit_evidence_audit_and_timeline(cast):
    with at(D(2026, 4, 1)):
        case = open_sublet(cast)
        second = open_sublet(cast, type="idle", breach_began_on=None)
    assert case.number == "WG202600001" and second.number == "WG202600002"
    assert case.status == CaseStatus.OPEN
    assert case.unit == cast.unit_a and case.estate == cast.e1
    assert case.evidence == [
        ["Visit", "2026-03-28, two adults present"],
        ["Tenancy agreement", "seen"],
    ]
    assert AuditEntry.objects.filter(action="case.open", target_id=str(case.pk)).count() == 1
    entry = TimelineEntry.objects.get(verb="case.opened", data__number=case.number)
    assert entry.household == cast.alice_household and entry.unit == cast.unit_a


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"type": "parking"}, "bad_type"),
        ({"source": "rumour"}, "bad_source"),
        ({"summary": "   "}, "summary_required"),
        ({"breach_began_on": D(2026, 4, 2)}, "bad_date"),
    ],
)
def test_a_case_with_bad_input_is_refused_and_nothing_is_written(cast, change, code):
    with at(D(2026, 4, 1)), pytest.raises(DomainError) as err:
        open_sublet(cast, **change)
    assert err.value.code == code
    assert not ViolationCase.objects.exists()
    assert not AuditEntry.objects.filter(action="case.open").exists()


# --- The notice and the statement ---------------------------------------------------


def test_the_notice_is_a_chinese_pdf_kept_on_the_case_with_a_letter_and_an_sms(cast, real_pdf):
    with at(D(2026, 4, 1)):
        case = open_sublet(cast)
        case = svc.notice_issue(
            case, actor=cast.operator, kind="rectification", respond_by=D(2026, 4, 15)
        )
    assert case.status == CaseStatus.NOTICE_ISSUED
    assert (case.notice_issued_on, case.respond_by) == (D(2026, 4, 1), D(2026, 4, 15))
    with case.notice_document.open("rb") as f:
        pdf = f.read()
    assert pdf.startswith(b"%PDF-")
    assert {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC-Bold"} <= fonts(pdf)
    messages = Message.objects.filter(key__startswith=f"case:{case.number}:notice")
    assert {m.channel for m in messages} == {MessageChannel.LETTER, MessageChannel.SMS}
    letter = messages.get(channel=MessageChannel.LETTER)
    assert case.number in letter.body and "2026-04-15" in letter.body
    assert letter.household == cast.alice_household
    assert TimelineEntry.objects.filter(verb="case.notice", data__number=case.number).exists()


def test_the_notice_text_quotes_the_article_and_tells_how_to_make_a_statement(cast):
    with at(D(2026, 4, 1)):
        case = open_sublet(cast)
        case.notice_kind, case.notice_issued_on, case.respond_by = (
            "rectification",
            D(2026, 4, 1),
            D(2026, 4, 15),
        )
        from django.template.loader import render_to_string

        html = render_to_string("supervision/cases/pdf/notice.html", svc.notice_context(case))
    assert "限期整改通知书" in html and case.number in html
    assert "第二十七条" in html and "转借、转租或者擅自调换" in html
    assert "第三十六条" in html
    assert "2026年4月15日" in html and "陈述和申辩" in html


def test_a_notice_needs_a_deadline_after_today(cast):
    with at(D(2026, 4, 1)):
        case = open_sublet(cast)
        with pytest.raises(DomainError) as err:
            svc.notice_issue(case, actor=cast.operator, kind="notice", respond_by=D(2026, 4, 1))
    assert err.value.code == "bad_deadline"
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and not case.notice_document
    assert not Message.objects.exists()


def test_the_statement_is_recorded_with_a_scanned_document(cast):
    with at(D(2026, 4, 1)):
        case = open_sublet(cast)
        case = svc.notice_issue(case, actor=cast.operator, kind="notice", respond_by=D(2026, 4, 10))
    with at(D(2026, 4, 8)):
        case = svc.statement_record(
            case,
            actor=cast.community,
            text="",
            document=SimpleUploadedFile("statement.pdf", PDF, "application/pdf"),
            received_on=D(2026, 4, 7),
        )
    assert case.status == CaseStatus.STATEMENT
    assert case.statement_received_on == D(2026, 4, 7) and case.statement_document
    assert TimelineEntry.objects.filter(verb="case.statement").count() == 1


@pytest.mark.parametrize(
    ("text", "document", "received_on", "code"),
    [
        ("", None, None, "statement_required"),
        ("Late", None, D(2026, 4, 9), "bad_date"),  # in the future
        ("Early", None, D(2026, 3, 31), "bad_date"),  # before the notice
        ("Scan", ("x.exe", b"MZ\x90\x00"), None, "upload_type"),
    ],
)
def test_a_bad_statement_is_refused_and_the_case_is_unchanged(
    cast, text, document, received_on, code
):
    with at(D(2026, 4, 1)):
        case = open_sublet(cast)
        case = svc.notice_issue(case, actor=cast.operator, kind="notice", respond_by=D(2026, 4, 10))
    with at(D(2026, 4, 8)), pytest.raises(DomainError) as err:
        svc.statement_record(
            case,
            actor=cast.operator,
            text=text,
            document=SimpleUploadedFile(document[0], document[1]) if document else None,
            received_on=received_on,
        )
    assert err.value.code == code
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE_ISSUED and not case.statement


# --- Wrong moves ------------------------------------------------------------------


def test_wrong_transitions_are_refused(cast, rules):
    with at(D(2026, 4, 1)):
        case = open_sublet(cast)
        for move in (
            lambda: svc.statement_record(case, actor=cast.operator, text="x"),
            lambda: svc.case_decide(case, actor=cast.officer, outcome="rectified", reasons="x"),
        ):
            with pytest.raises(DomainError) as err:
                move()
            assert err.value.code == "bad_transition"
        case = svc.notice_issue(case, actor=cast.operator, kind="notice", respond_by=D(2026, 4, 9))
        with pytest.raises(DomainError) as err:
            svc.notice_issue(case, actor=cast.operator, kind="notice", respond_by=D(2026, 4, 9))
        assert err.value.code == "bad_transition"
    with at(D(2026, 4, 10)):
        case = svc.case_decide(case, actor=cast.officer, outcome="rectified", reasons="Moved out.")
        case = svc.case_close(case, actor=cast.officer)
        for move in (
            lambda: svc.statement_record(case, actor=cast.operator, text="x"),
            lambda: svc.case_decide(case, actor=cast.officer, outcome="rectified", reasons="x"),
            lambda: svc.case_close(case, actor=cast.officer, reason="again"),
        ):
            with pytest.raises(DomainError) as err:
                move()
            assert err.value.code == "bad_transition"


def test_without_a_statement_the_officer_decides_only_after_the_deadline(cast, rules):
    with at(D(2026, 4, 1)):
        case = open_sublet(cast)
        case = svc.notice_issue(case, actor=cast.operator, kind="notice", respond_by=D(2026, 4, 10))
    with at(D(2026, 4, 10)), pytest.raises(DomainError) as err:
        svc.case_decide(case, actor=cast.officer, outcome="rectified", reasons="Gone.")
    assert err.value.code == "too_early"
    with at(D(2026, 4, 11)):
        case = svc.case_decide(case, actor=cast.officer, outcome="rectified", reasons="Gone.")
    assert case.status == CaseStatus.DECIDED and case.decided_on == D(2026, 4, 11)


def test_only_an_authority_officer_decides(cast, rules):
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast))
        with pytest.raises(DomainError) as err:
            svc.case_decide(case, actor=cast.operator, outcome="penalty", reasons="x")
    assert err.value.code == "forbidden"
    case.refresh_from_db()
    assert case.status == CaseStatus.STATEMENT and not Bill.objects.filter(kind="fine").exists()


@pytest.mark.parametrize(("type", "outcome"), [("arrears", "penalty"), ("minor", "recovery")])
def test_an_outcome_the_type_cannot_have_is_refused(cast, rules, type, outcome):
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast, type=type))
        with pytest.raises(DomainError) as err:
            svc.case_decide(case, actor=cast.officer, outcome=outcome, reasons="x")
    assert err.value.code == "bad_outcome"


# --- Decisions and their consequences ------------------------------------------------


def test_a_sublet_penalty_bills_back_rent_and_the_fine_and_records_bad_conduct(cast, rules):
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast))
    with at(D(2026, 4, 15)):
        case = svc.case_decide(
            case,
            actor=cast.officer,
            outcome="penalty",
            reasons="Sublet confirmed on the visit and by the tenant's own statement.",
            illegal_income=Decimal("2000"),
        )
    assert case.status == CaseStatus.DECIDED and case.outcome == CaseOutcome.PENALTY
    # 2026-03-10 … 2026-04-15 at 455.00 × (2 − 1): 322.90 + 227.50.
    assert case.back_rent == Decimal("550.40")
    assert case.fine == Decimal("6000.00")  # 3 × 2,000 income, under 30,000
    codes = [line["code"] for line in case.penalty_workings]
    assert codes == ["period", "month", "month", "back_rent", "cap_income", "fine", "total"]
    bills = {b.kind: b for b in Bill.objects.filter(source_key__startswith=f"case:{case.number}")}
    assert bills[BillKind.BACK_RENT].amount == Decimal("550.40")
    assert bills[BillKind.FINE].amount == Decimal("6000.00")
    assert bills[BillKind.FINE].due_on == D(2026, 5, 15)
    assert bills[BillKind.FINE].source_key == f"case:{case.number}:fine"
    record = BadConductRecord.objects.get(household=cast.alice_household)
    assert record.reason == "sublet" and record.name == cast.alice_household.head.name
    assert record.banned_until == D(2031, 4, 15) and record.details.startswith(case.number)
    assert case.exit_handoff_on is None


def test_the_ban_is_read_by_the_admission_checks(cast, rules):
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast))
    with at(D(2026, 4, 15)):
        svc.case_decide(case, actor=cast.officer, outcome="recovery", reasons="Sublet.")
        head = cast.alice_household.head
        application = make_application(
            cast, members=(("王小明", "140402199001011243", "head", "1400"),)
        )
    assert head.id_number_masked.endswith("243") or head.id_number_hash
    kinds = set(application.flags.values_list("kind", flat=True))
    assert FlagKind.BANNED in kinds


def test_re_deciding_never_bills_twice_and_never_changes_a_bill(cast, rules):
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast))
    with at(D(2026, 4, 15)):
        case = svc.case_decide(
            case, actor=cast.officer, outcome="penalty", reasons="Sublet.", fine=Decimal("800")
        )
        case = svc.case_decide(
            case,
            actor=cast.officer,
            outcome="recovery",
            reasons="Sublet; the unit is to be recovered.",
            fine=Decimal("800"),
        )
        assert case.outcome == CaseOutcome.RECOVERY and case.exit_handoff_on == D(2026, 4, 15)
        with pytest.raises(DomainError) as err:
            svc.case_decide(
                case, actor=cast.officer, outcome="recovery", reasons="x", fine=Decimal("900")
            )
        assert err.value.code == "billed"
        with pytest.raises(DomainError) as err:
            svc.case_decide(case, actor=cast.officer, outcome="rectified", reasons="x")
        assert err.value.code == "breach_stands"
    assert Bill.objects.filter(source_key__startswith=f"case:{case.number}").count() == 2
    assert Bill.objects.get(source_key=f"case:{case.number}:fine").amount == Decimal("800.00")
    assert BadConductRecord.objects.filter(household=cast.alice_household).count() == 1
    case.refresh_from_db()
    assert case.fine == Decimal("800.00") and case.decision.startswith("Sublet; the unit")


def test_a_fine_above_the_cap_is_refused_and_nothing_is_written(cast, rules):
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast))
    with at(D(2026, 4, 15)), pytest.raises(DomainError) as err:
        svc.case_decide(
            case, actor=cast.officer, outcome="penalty", reasons="x", fine=Decimal("1000.01")
        )
    assert err.value.code == "fine_above_cap"
    case.refresh_from_db()
    assert case.status == CaseStatus.STATEMENT and case.fine == 0
    assert not Bill.objects.filter(source_key__startswith="case:").exists()
    assert not BadConductRecord.objects.exists()


def test_recovery_hands_the_household_to_exits_and_arrears_go_on_the_must_vacate_list(cast, rules):
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast, type="arrears", breach_began_on=None))
    with at(D(2026, 4, 15)):
        case = svc.case_decide(
            case, actor=cast.officer, outcome="recovery", reasons="Seven months unpaid."
        )
    assert case.exit_handoff_on == D(2026, 4, 15)
    assert (case.back_rent, case.fine) == (0, 0)
    listing = VacateListing.objects.get(household=cast.alice_household)
    assert listing.reason == VacateReason.ARREARS and listing.facts["Violation case"] == case.number
    assert not BadConductRecord.objects.exists()  # art. 29 is not a bad-conduct breach


def test_a_false_declaration_pays_back_rent_from_the_lease_start_and_a_fine_up_to_1000(cast, rules):
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast, type="false_declaration", breach_began_on=None))
    with at(D(2026, 4, 15)):
        with pytest.raises(DomainError) as err:
            svc.case_decide(
                case,
                actor=cast.officer,
                outcome="recovery",
                reasons="x",
                illegal_income=Decimal("100"),
            )
        assert err.value.code == "income_not_applicable"
        case = svc.case_decide(
            case, actor=cast.officer, outcome="recovery", reasons="Income concealed."
        )
    # 2025-01-01 … 2026-03-31 is 15 whole months at 455.00, then 15 days of April.
    assert case.back_rent == Decimal("455.00") * 15 + Decimal("227.50")
    assert case.fine == Decimal("1000.00") and case.breach_began_on == D(2025, 1, 1)
    assert BadConductRecord.objects.get().reason == "false_declaration"


def test_the_applicant_is_recorded_as_well_as_the_head(cast, rules):
    with at(D(2026, 4, 1)):
        application = make_application(
            cast, members=(("李申请", APPLICANT_IDS[2], "head", "1400"),)
        )
        household = application.household
        head = hh.member_add(
            household,
            actor=cast.officer,
            name="李户主",
            id_number=APPLICANT_IDS[3],
            relation="head",
        )
        hh.household_set_head(household, actor=cast.officer, member=head)
        hh.lease_start(
            household,
            actor=cast.officer,
            unit=cast.vacant_e1,
            number="L-APP",
            start=D(2026, 1, 1),
            end=D(2029, 1, 1),
            monthly_rent=Decimal("300.00"),
        )
        household.refresh_from_db()
        case = to_statement(cast, open_sublet(cast, household=household, type="idle"))
    with at(D(2026, 4, 15)):
        svc.case_decide(case, actor=cast.officer, outcome="penalty", reasons="Idle.")
    names = set(BadConductRecord.objects.filter(household=household).values_list("name", flat=True))
    assert names == {"李户主", "李申请"}


def test_a_rectified_case_charges_and_records_nothing_and_is_then_closed(cast, rules):
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast))
    with at(D(2026, 4, 15)):
        with pytest.raises(DomainError) as err:
            svc.case_decide(
                case, actor=cast.officer, outcome="rectified", reasons="x", fine=Decimal("10")
            )
        assert err.value.code == "no_fine"
        case = svc.case_decide(case, actor=cast.officer, outcome="rectified", reasons="Moved out.")
        case = svc.case_close(case, actor=cast.officer)
    assert case.status == CaseStatus.CLOSED and case.closed_reason == "Rectified and closed"
    assert not Bill.objects.filter(source_key__startswith="case:").exists()
    assert not BadConductRecord.objects.exists()
    verbs = list(
        TimelineEntry.objects.filter(household=cast.alice_household, verb__startswith="case.")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["case.opened", "case.notice", "case.statement", "case.decided", "case.closed"]
    actions = AuditEntry.objects.filter(target_id=str(case.pk), action__startswith="case.")
    assert [a.action for a in actions.order_by("id")] == [
        "case.open",
        "case.notice",
        "case.statement",
        "case.decide",
        "case.close",
    ]


def test_a_case_opened_in_error_is_withdrawn_with_a_reason(cast):
    with at(D(2026, 4, 1)):
        case = open_sublet(cast)
        with pytest.raises(DomainError) as err:
            svc.case_close(case, actor=cast.officer, reason=" ")
        assert err.value.code == "reason_required"
        case = svc.case_close(case, actor=cast.officer, reason="Wrong household.")
    assert case.status == CaseStatus.CLOSED and case.closed_reason == "Wrong household."


def test_a_minor_misconduct_case_decides_into_points_once(cast, rules):
    noise = PointRule.objects.get(code="noise")  # 7 points, warning first
    with at(D(2026, 4, 1)):
        case = to_statement(cast, open_sublet(cast, type="minor", breach_began_on=D(2026, 3, 30)))
    with at(D(2026, 4, 15)):
        with pytest.raises(DomainError) as err:
            svc.case_decide(case, actor=cast.officer, outcome="penalty", reasons="Noise.")
        assert err.value.code == "rule_required"
        case = svc.case_decide(
            case, actor=cast.officer, outcome="penalty", reasons="Noise.", point_rule=noise
        )
        case = svc.case_decide(
            case, actor=cast.officer, outcome="penalty", reasons="Noise at night.", point_rule=noise
        )
    entry = PointEntry.objects.get(case=case)
    assert entry.kind == EntryKind.WARNING and entry.occurred_on == D(2026, 3, 30)
    assert case.penalty_workings[-1]["code"] == "points"
    assert not BadConductRecord.objects.exists()
    assert not Bill.objects.filter(source_key__startswith="case:").exists()
