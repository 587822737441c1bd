"""The exit-case pages: a listing and a recovery turned into cases with one button, the
counter form, the decision, the notice's preview and its issue, the PDF, court steps,
taking an overstay to court and withdrawing; each action's happy path, a bad input
with its message (and nothing written), and the action refused in the wrong stage.
The list: its filters, its exports and a constant query count. The four answers
(works, outsider 404, read-only 403, wrong method 405)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anju.core.models import Message
from anju.exits.models import ExitCase, ExitChannel, ExitReason, LegalStep, Stage, Track
from anju.exits.services import cases as svc
from anju.supervision.services import cases as violations
from anju.tenancy.models import Bill, BillKind, ListingStatus, VacateReason
from anju.tenancy.services.vacate import listing_add
from anju.testing.admission import make_ruleset
from anju.testing.tenancy import housed_household

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english(settings, monkeypatch):
    settings.LANGUAGE_CODE = "en"
    # Typesetting takes a second: see test_cases.
    monkeypatch.setattr(svc, "notice_pdf", lambda case: PDF)
    monkeypatch.setattr(violations, "notice_pdf", lambda case: PDF)
    with translation.override("en"):
        yield


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def at(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def login(cast, username):
    """A client signed in now (sessions expire, and the tests travel in time)."""
    client = Client()
    client.force_login(cast.users[username])
    return client


def errors(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def last_message(response):
    found = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    return found[-1] if found else None


def last_error(response):
    """The error of this response (a redirect not followed leaves the earlier ones in
    the session, to be shown with it)."""
    found = errors(response)
    return found[-1] if found else None


def listed(cast, number="P1", reason=VacateReason.RECERTIFICATION, estate=None):
    household = housed_household(
        estate or cast.e1,
        number,
        cast.officer,
        start=D(2025, 1, 1),
        end=D(2028, 1, 1),
        rent="600.00",
    )
    listing, _new = listing_add(
        household,
        actor=cast.officer,
        reason=reason,
        evidence={"Per-capita income": "¥5,200 (6.5× the limit)"},
        on=D(2026, 3, 1),
    )
    return household, listing


def opened(cast, number="P1", **kwargs):
    _household, listing = listed(cast, number, **kwargs)
    with at(D(2026, 3, 2)):
        return svc.case_from_listing(listing, actor=cast.operator)


def noticed(cast, number="P1", *, other=False, **kwargs):
    case = opened(cast, number, **kwargs)
    with at(D(2026, 4, 1)):
        case = svc.case_decide(
            case, actor=cast.officer, decision="Over the band.", has_other_housing=other
        )
        return svc.notice_issue(case, actor=cast.officer)


def overstaying(cast, number="P1", **kwargs):
    case = noticed(cast, number, **kwargs)
    with at(D(2026, 6, 2)):
        svc.overstays_begin(D(2026, 6, 2))
    case.refresh_from_db()
    return case


# --- Opening --------------------------------------------------------------------------------


def test_a_listing_becomes_a_case_with_one_button_and_is_decided_and_noticed(cast, rules):
    household, listing = listed(cast)
    with at(D(2026, 3, 2)):
        operator = login(cast, "operator")
        page = operator.get(reverse("vacate_list")).content.decode()
        assert reverse("exit_case_from_listing", args=[listing.pk]) in page
        response = operator.post(reverse("exit_case_from_listing", args=[listing.pk]))
        case = ExitCase.objects.get()
        assert response["Location"] == reverse("exit_case", args=[case.pk])
        assert case.channel == ExitChannel.LISTING
        page = operator.get(response["Location"]).content.decode()
        for text in ("¥5,200 (6.5× the limit)", "Art. 31", "Awaiting decision", "2026-03-12"):
            assert text in page, text
        assert reverse("exit_case_decide", args=[case.pk]) not in page  # the operator's view
        again = operator.post(reverse("exit_case_from_listing", args=[listing.pk]))
        assert errors(again) == ["Only a household still on the list can become an exit case."]
    with at(D(2026, 3, 5)):
        officer = login(cast, "officer")
        page = officer.get(reverse("exit_case", args=[case.pk])).content.decode()
        assert reverse("exit_case_decide", args=[case.pk]) in page
        assert officer.get(reverse("exit_case_decide", args=[case.pk])).status_code == 200
        response = officer.post(
            reverse("exit_case_decide", args=[case.pk]),
            {"decision": "Income above the highest band two years running."},
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.stage == Stage.DECIDED and case.track == Track.MARKET_RENT
        # The preview shows the deadline and both rents before anything is issued.
        preview = officer.get(reverse("exit_case_notice", args=[case.pk])).content.decode()
        for text in ("2026-05-05", "¥600.00", "¥1200.00", "2 months"):
            assert text in preview, text
        sooner = officer.get(
            reverse("exit_case_notice", args=[case.pk]),
            {"vacate_by": "2026-04-30"},
            headers={"HX-Request": "true"},
        ).content.decode()
        assert 'id="preview"' in sooner and "2026-04-30" in sooner and "<html" not in sooner
        case.refresh_from_db()
        assert case.stage == Stage.DECIDED and not Message.objects.exists()
        response = officer.post(
            reverse("exit_case_notice", args=[case.pk]), {"vacate_by": "2026-04-30"}
        )
        assert response["Location"] == reverse("exit_case", args=[case.pk])
        assert not errors(response)
        pdf = officer.get(reverse("exit_case_notice_pdf", args=[case.pk]))
        assert pdf["Content-Type"] == "application/pdf"
        assert b"".join(pdf.streaming_content) == PDF
    case.refresh_from_db()
    assert case.stage == Stage.MOVING and case.vacate_by == D(2026, 4, 30)
    assert Message.objects.filter(key__startswith=f"exit:{case.number}:notice").count() == 2
    with at(D(2026, 4, 2)):
        page = login(cast, "auditor").get(reverse("exit_case", args=[case.pk])).content.decode()
    for text in ("TT202600001", "2026-04-30", "Moving period", "¥1200.00"):
        assert text in page, text
    assert reverse("exit_case_notice_pdf", args=[case.pk]) in page


def test_a_recovery_decided_in_a_violation_case_becomes_an_exit_case(cast, rules):
    household = housed_household(cast.e1, "R1", cast.officer, end=D(2028, 1, 1))
    with at(D(2026, 4, 1)):
        violation = violations.case_open(
            household,
            actor=cast.officer,
            type="sublet",
            source="staff",
            summary="A family not registered lives in the unit.",
            evidence={"Visit": "two adults, no member present"},
            breach_began_on=D(2026, 3, 1),
        )
        violation = violations.notice_issue(
            violation, actor=cast.officer, kind="notice", respond_by=D(2026, 4, 10)
        )
    with at(D(2026, 4, 12)):
        officer = login(cast, "officer")
        url = reverse("exit_case_from_violation", args=[violation.pk])
        refused = officer.post(url)
        assert errors(refused) == [f"Violation case {violation.number} did not decide a recovery."]
        assert refused["Location"] == reverse("case_detail", args=[violation.pk])
        violation = violations.case_decide(
            violation, actor=cast.officer, outcome="recovery", reasons="Sublet confirmed."
        )
        page = officer.get(reverse("case_detail", args=[violation.pk])).content.decode()
        assert url in page
        response = officer.post(url)
        case = ExitCase.objects.get()
        assert response["Location"] == reverse("exit_case", args=[case.pk])
        assert case.reason == ExitReason.RECOVERY and case.violation_id == violation.pk
        assert case.facts["Visit"] == "two adults, no member present"
        page = officer.get(reverse("case_detail", args=[violation.pk])).content.decode()
        assert reverse("exit_case", args=[case.pk]) in page and url not in page
        assert errors(officer.post(url)) == [
            f"Violation case {violation.number} is already an exit case."
        ]


def test_the_counter_opens_a_case_for_any_reason(cast, rules, client_for):
    household = cast.alice_household
    url = reverse("exit_case_new") + f"?household={household.pk}"
    client = client_for("operator")
    page = client.get(url).content.decode()
    assert "Art. 29" in page and household.number in page
    with at(D(2026, 4, 1)):
        client = login(cast, "operator")
        response = client.post(
            url,
            {
                "reason": "other_housing",
                "summary": "A flat bought in February.",
                "evidence": "Real-estate registry: 89.6 m², registered 2026-02-14\n核查：部门协查",
            },
        )
    case = ExitCase.objects.get()
    assert response["Location"] == reverse("exit_case", args=[case.pk])
    assert case.reason == ExitReason.OTHER_HOUSING and case.channel == ExitChannel.STAFF
    assert case.evidence == [
        ["Real-estate registry", "89.6 m², registered 2026-02-14"],
        ["核查", "部门协查"],
    ]
    assert case.requested_move_out is None
    # A second case for the household is refused, with the first one named.
    with at(D(2026, 4, 2)):
        response = login(cast, "operator").post(
            url, {"reason": "arrears", "summary": "", "evidence": ""}
        )
    assert response.status_code == 200
    assert f"already has exit case {case.number} in progress" in response.content.decode()
    assert ExitCase.objects.count() == 1


def test_the_counter_takes_a_voluntary_exit_with_its_day(cast, rules):
    url = reverse("exit_case_new") + f"?household={cast.alice_household.pk}"
    with at(D(2026, 4, 1)):
        client = login(cast, "operator")
        response = client.post(url, {"reason": "voluntary", "summary": "Moving to Taiyuan."})
        assert response.status_code == 200
        assert "A voluntary exit needs the day" in response.content.decode()
        response = client.post(
            url, {"reason": "voluntary", "requested_move_out": "2026-03-30", "evidence": ""}
        )
        assert "The move-out day must be after today." in response.content.decode()
        response = client.post(url, {"reason": "arrears", "evidence": "no colon here"})
        assert "Line 1: write the fact as" in response.content.decode()
        assert not ExitCase.objects.exists()
        response = client.post(url, {"reason": "voluntary", "requested_move_out": "2026-05-15"})
    case = ExitCase.objects.get()
    assert case.channel == ExitChannel.COUNTER and case.requested_move_out == D(2026, 5, 15)


# --- The decision and the notice ------------------------------------------------------------


def test_bad_input_to_the_decision_and_the_notice_shows_a_message_and_writes_nothing(cast, rules):
    case = opened(cast)
    with at(D(2026, 3, 5)):
        officer = login(cast, "officer")
        response = officer.post(reverse("exit_case_decide", args=[case.pk]), {"decision": " "})
        assert response.status_code == 200
        assert "Write the decision and its reasons." in response.content.decode()
        case.refresh_from_db()
        assert case.stage == Stage.OPEN
        svc.case_decide(case, actor=cast.officer, decision="Over the band.")
        preview = officer.get(
            reverse("exit_case_notice", args=[case.pk]), {"vacate_by": "2026-09-01"}
        ).content.decode()
        assert "The deadline cannot be later than 2026-05-05" in preview
        assert "2026-05-05" in preview  # the rules' own deadline is still shown
        response = officer.post(
            reverse("exit_case_notice", args=[case.pk]), {"vacate_by": "2026-09-01"}
        )
        assert errors(response) == [
            "The deadline cannot be later than 2026-05-05, which the rules give."
        ]
        response = officer.post(
            reverse("exit_case_notice", args=[case.pk]), {"vacate_by": "not a date"}
        )
        assert errors(response) and response["Location"] == reverse(
            "exit_case_notice", args=[case.pk]
        )
    case.refresh_from_db()
    assert case.stage == Stage.DECIDED and not case.notice_document
    assert not Message.objects.exists()


def test_each_step_is_refused_in_the_wrong_stage(cast, rules):
    case = opened(cast)
    with at(D(2026, 3, 5)):
        officer = login(cast, "officer")
        for name in ("exit_case_notice", "exit_case_court"):
            response = officer.get(reverse(name, args=[case.pk]))
            assert response["Location"] == reverse("exit_case", args=[case.pk]), name
            assert errors(response), name
        response = officer.post(reverse("exit_case_litigate", args=[case.pk]), {"note": "Now."})
        assert last_error(response) == (
            "Only a household overstaying at market rent is taken to court this way."
        )
    case = noticed(cast, "P2")
    with at(D(2026, 4, 2)):
        officer = login(cast, "officer")
        response = officer.get(reverse("exit_case_decide", args=[case.pk]))
        assert last_error(response) == (
            f"Case {case.number} is “Moving period”: it is not awaiting a decision."
        )
        response = officer.post(
            reverse("exit_case_notice", args=[case.pk]), {"vacate_by": "2026-05-01"}
        )
        assert errors(response)
        response = officer.post(
            reverse("exit_case_court", args=[case.pk]),
            {"kind": "filed", "court": "L District Court", "on": "2026-04-02"},
        )
        assert errors(response) and not LegalStep.objects.exists()
        svc.case_withdraw(case, actor=cast.officer, reason="Decision reversed on review.")
        response = officer.post(reverse("exit_case_withdraw", args=[case.pk]), {"reason": "Again"})
        assert last_error(response) == (
            "An exit case that is “Withdrawn” cannot become “Withdrawn”."
        )
    case.refresh_from_db()
    assert case.withdrawn_reason == "Decision reversed on review."


def test_withdrawing_needs_a_reason_and_restores_the_unit(cast, rules):
    case = noticed(cast, reason=VacateReason.ARREARS)
    with at(D(2026, 4, 5)):
        officer = login(cast, "officer")
        response = officer.post(reverse("exit_case_withdraw", args=[case.pk]), {"reason": ""})
        assert errors(response) == ["Give the reason for withdrawing."]
        case.refresh_from_db()
        assert case.stage == Stage.MOVING
        response = officer.post(
            reverse("exit_case_withdraw", args=[case.pk]), {"reason": "Arrears paid in full."}
        )
        assert last_message(response) == ("success", f"Case {case.number} is withdrawn.")
        page = officer.get(reverse("exit_case", args=[case.pk])).content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.WITHDRAWN
    assert "Arrears paid in full." in page and 'data-testid="withdraw"' not in page
    assert case.listing.status == ListingStatus.WITHDRAWN


# --- The court ------------------------------------------------------------------------------


def test_an_overstay_goes_to_court_by_its_filing_and_a_judgment_bills_its_award(cast, rules):
    case = overstaying(cast)
    assert case.stage == Stage.OVERSTAY
    with at(D(2026, 7, 10)):
        operator = login(cast, "operator")
        page = operator.get(reverse("exit_case", args=[case.pk])).content.decode()
        assert "Still in the unit" in page and reverse("exit_case_court", args=[case.pk]) in page
        form = operator.get(reverse("exit_case_court", args=[case.pk])).content.decode()
        assert 'value="filed" selected' in form
        response = operator.post(
            reverse("exit_case_court", args=[case.pk]),
            {
                "kind": "filed",
                "court": "L District People's Court",
                "court_case_number": "(2026) Jin 0402 Min Chu 1234",
                "on": "2026-07-09",
                "due_on": "2026-08-12",
                "summary": "Suit for the unit and the rent owed.",
                "document": SimpleUploadedFile("suit.pdf", PDF, "application/pdf"),
            },
        )
        assert response["Location"] == reverse("exit_case", args=[case.pk])
        case.refresh_from_db()
        assert case.stage == Stage.LITIGATION and case.due_on == D(2026, 8, 12)
        step = LegalStep.objects.get()
        document = operator.get(reverse("exit_court_document", args=[case.pk, step.pk]))
        assert b"".join(document.streaming_content) == PDF
        # The next form remembers the court and its case number.
        form = operator.get(reverse("exit_case_court", args=[case.pk])).content.decode()
        assert "(2026) Jin 0402 Min Chu 1234" in form
        response = operator.post(
            reverse("exit_case_court", args=[case.pk]),
            {"kind": "judgment", "court": "L District People's Court", "on": "2026-07-30"},
        )
        assert response.status_code == 200  # not yet: a judgment is recorded once given
        assert "Only a hearing can be dated in the future" in response.content.decode()
    with at(D(2026, 8, 12)):
        operator = login(cast, "operator")
        response = operator.post(
            reverse("exit_case_court", args=[case.pk]),
            {
                "kind": "judgment",
                "court": "L District People's Court",
                "court_case_number": "(2026) Jin 0402 Min Chu 1234",
                "on": "2026-08-12",
                "due_on": "2026-09-12",
                "award": "2400.00",
            },
        )
        assert response.status_code == 302
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert "The award of ¥2400.00 is billed to the household." in " ".join(messages)
        page = operator.get(reverse("exit_case", args=[case.pk])).content.decode()
    award = Bill.objects.get(kind=BillKind.BACK_RENT)
    assert award.amount == Decimal("2400.00")
    for text in ("Judgment or ruling", "2,400.00", "2026-09-12", "Back rent"):
        assert text in page, text


def test_an_officer_takes_an_unpaid_overstay_to_court(cast, rules):
    case = overstaying(cast)
    with at(D(2026, 9, 5)):
        officer = login(cast, "officer")
        response = officer.post(reverse("exit_case_litigate", args=[case.pk]), {"note": ""})
        assert errors(response) == ["Say why the case goes to court."]
        response = officer.post(
            reverse("exit_case_litigate", args=[case.pk]), {"note": "No market rent paid."}
        )
        assert last_message(response)[0] == "success"
    case.refresh_from_db()
    assert case.stage == Stage.LITIGATION and case.track == Track.LITIGATION
    assert case.due_on == D(2026, 6, 2) + datetime.timedelta(days=30)


def test_the_detail_page_shows_every_stage(cast, rules, client_for):
    """One case per stage renders, with the deadline and what may be done."""
    opened(cast, "S1")
    decided = opened(cast, "S2")
    with at(D(2026, 3, 3)):
        svc.case_decide(decided, actor=cast.officer, decision="Over the band.")
    noticed(cast, "S3")
    overstaying(cast, "S4")
    overstaying(cast, "S5", other=True)
    with at(D(2026, 9, 1)):
        officer = login(cast, "officer")
        for case in ExitCase.objects.all():
            page = officer.get(reverse("exit_case", args=[case.pk])).content.decode()
            assert case.number in page and 'data-testid="stage-strip"' in page
            if case.stage == Stage.LITIGATION:
                assert "File by" in page and "days overdue" in page
            if case.stage == Stage.OVERSTAY:
                assert "Overstaying, market rent" in page
            if case.stage == Stage.DECIDED:
                assert 'data-testid="notice-preview"' in page


# --- The list -------------------------------------------------------------------------------


def test_the_list_filters_by_stage_reason_estate_overdue_and_household(cast, rules):
    late = opened(cast, "L1")  # decide by 2026-03-12
    arrears = noticed(cast, "L2", reason=VacateReason.ARREARS)
    other = opened(cast, "L3", estate=cast.e2)
    with at(D(2026, 4, 20)):
        client = login(cast, "officer")

        def numbers(**query):
            page = client.get(reverse("exit_cases"), query).content.decode()
            return {c.number for c in (late, arrears, other) if c.number in page}

        assert numbers() == {late.number, arrears.number, other.number}
        assert numbers(stage="moving") == {arrears.number}
        assert numbers(reason="arrears") == {arrears.number}
        assert numbers(estate=cast.e2.pk) == {other.number}
        assert numbers(overdue="on") == {late.number, other.number}
        assert numbers(q=arrears.household.number) == {arrears.number}
        assert numbers(q=arrears.notice_number) == {arrears.number}
        assert numbers(household=late.household_id) == {late.number}
        page = client.get(reverse("exit_cases"), {"household": late.household_id}).content.decode()
        assert f"Exit cases of household {late.household.number}" in page
        svc.case_withdraw(late, actor=cast.officer, reason="Reversed.")
        assert numbers() == {arrears.number, other.number}
        assert numbers(stage="") == {late.number, arrears.number, other.number}
        # The community worker of E1 does not see E2's case.
        page = login(cast, "community").get(reverse("exit_cases"), {"stage": ""}).content.decode()
        assert other.number not in page and arrears.number in page


def test_the_list_exports_to_excel_and_csv(cast, rules):
    case = noticed(cast, "X1")
    with at(D(2026, 4, 2)):
        client = login(cast, "officer")
        xlsx = client.get(reverse("exit_cases"), {"format": "xlsx"})
        text = client.get(reverse("exit_cases"), {"format": "csv"}).content.decode("utf-8-sig")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    lines = text.splitlines()
    assert lines[0].startswith("Case no.,Reason,Stage") and len(lines) == 2
    assert case.number in lines[1] and "2026-06-01" in lines[1] and "1200.00" in lines[1]


def test_the_list_costs_the_same_queries_for_more_cases(cast, rules):
    opened(cast, "Q1")
    with at(D(2026, 4, 1)):
        client = login(cast, "officer")
        client.get(reverse("exit_cases"))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("exit_cases"))
    for n in range(2, 7):
        noticed(cast, f"Q{n}")
    with at(D(2026, 4, 1)):
        client = login(cast, "officer")
        client.get(reverse("exit_cases"))
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("exit_cases"))
    assert len(many) == len(few)


# --- Who may --------------------------------------------------------------------------------


def test_outsiders_get_404_readers_403_and_wrong_methods_405(cast, rules, client_for):
    theirs = opened(cast, "O1", estate=cast.e2)
    mine = opened(cast, "O2")
    detail = reverse("exit_case", args=[theirs.pk])
    assert client_for("community").get(detail).status_code == 404  # E2 is not theirs
    assert client_for("auditor").get(detail).status_code == 200
    for name, method in (
        ("exit_case_decide", "get"),
        ("exit_case_notice", "get"),
        ("exit_case_court", "get"),
        ("exit_case_litigate", "post"),
        ("exit_case_withdraw", "post"),
    ):
        url = reverse(name, args=[mine.pk])
        assert getattr(client_for("auditor"), method)(url).status_code == 403, name
    assert (
        client_for("operator").get(reverse("exit_case_decide", args=[mine.pk])).status_code == 403
    )
    assert (
        client_for("officer").get(reverse("exit_case_withdraw", args=[mine.pk])).status_code == 405
    )
    assert client_for("officer").put(reverse("exit_case_decide", args=[mine.pk])).status_code == 405
    new = reverse("exit_case_new")
    assert client_for("operator").get(f"{new}?household={theirs.household_id}").status_code == 404
    assert client_for("operator").get(new).status_code == 404
    assert client_for("operator").get(f"{new}?household=x").status_code == 404
    assert client_for("auditor").get(f"{new}?household={mine.household_id}").status_code == 403
    assert client_for("community").get(f"{new}?household={mine.household_id}").status_code == 403
