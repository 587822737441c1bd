"""The violation-case pages: a case walked from the household to its closing through
the forms, the list and its filters, the decision form's preview, and the four answers
(works, outsider 404, read-only 403, wrong method 405); bad input shows a clear error
and writes nothing. The tenant's conduct page on the portal."""

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
from anju.supervision.models import CaseStatus, PointRule, ViolationCase
from anju.supervision.services import cases as svc
from anju.supervision.services.points import points_record
from anju.tenancy.models import Bill
from anju.testing.admission import make_ruleset

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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


def login(cast, username):
    """A client signed in now (sessions expire, and the tests travel in time)."""
    client = Client()
    client.force_login(cast.users[username])
    return client


def errors(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def open_case(cast, household=None, **extra):
    values = {
        "type": "sublet",
        "source": "staff",
        "summary": "A family not registered lives in the unit.",
        "evidence": {"Visit": "two adults, no member present"},
        "breach_began_on": D(2026, 3, 10),
    }
    return svc.case_open(household or cast.alice_household, actor=cast.officer, **(values | extra))


def test_a_case_is_walked_from_the_household_to_its_closing(cast, rules):
    household = cast.alice_household
    with at(D(2026, 4, 1)):
        operator = login(cast, "operator")
        page = operator.get(reverse("case_open", args=[household.pk]))
        assert page.status_code == 200
        response = operator.post(
            reverse("case_open", args=[household.pk]),
            {
                "type": "sublet",
                "source": "staff",
                "summary": "A family not registered lives in the unit.",
                "evidence": "Visit: two adults, no member present\n租住协议：已见",
                "breach_began_on": "2026-03-10",
            },
        )
        case = ViolationCase.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "case_detail", args=[case.pk]
        )
        assert case.evidence == [
            ["Visit", "two adults, no member present"],
            ["租住协议", "已见"],
        ]
        response = operator.post(
            reverse("case_notice", args=[case.pk]),
            {"kind": "notice", "respond_by": "2026-04-10"},
        )
        assert not errors(response)
        assert Message.objects.filter(key__startswith=f"case:{case.number}").count() == 2
        pdf = operator.get(reverse("case_notice_pdf", args=[case.pk]))
        assert pdf["Content-Type"] == "application/pdf"
        assert b"".join(pdf.streaming_content) == PDF
    with at(D(2026, 4, 8)):
        operator = login(cast, "operator")
        response = operator.post(
            reverse("case_statement", args=[case.pk]),
            {
                "text": "My cousin stayed a month.",
                "document": SimpleUploadedFile("s.pdf", PDF, "application/pdf"),
                "received_on": "2026-04-08",
            },
        )
        assert not errors(response)
        scan = operator.get(reverse("case_statement_document", args=[case.pk]))
        assert scan.status_code == 200
    with at(D(2026, 4, 15)):
        operator, officer = login(cast, "operator"), login(cast, "officer")
        page = officer.get(reverse("case_decide", args=[case.pk]))
        assert page.status_code == 200 and "My cousin stayed a month." in page.content.decode()
        preview = officer.get(
            reverse("case_decide", args=[case.pk]),
            {"outcome": "penalty", "fine": "500"},
            headers={"HX-Request": "true"},
        )
        text = preview.content.decode()
        assert 'id="preview"' in text and "550.40" in text and "1050.40" in text
        assert "<html" not in text  # the partial alone
        assert not Bill.objects.filter(source_key__startswith="case:").exists()  # a preview
        response = officer.post(
            reverse("case_decide", args=[case.pk]),
            {"outcome": "penalty", "reasons": "Sublet confirmed.", "fine": "500"},
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.DECIDED
        assert (case.back_rent, case.fine) == (Decimal("550.40"), Decimal("500.00"))
        page = operator.get(reverse("case_detail", args=[case.pk])).content.decode()
        for text in ("550.40", "500.00", "1,050.40", "Bills raised", "Bad-conduct records"):
            assert text in page, text
        response = officer.post(reverse("case_close", args=[case.pk]), {"reason": "Paid."})
        assert not errors(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_reason == "Paid."


def test_the_list_filters_by_type_status_estate_and_deadline(cast, rules, client_for):
    with at(D(2026, 4, 1)):
        sublet = open_case(cast)
        idle = open_case(cast, type="idle", summary="Nobody has lived here since 2025.")
        other = open_case(cast, household=cast.charlie_household, type="damage")
        svc.notice_issue(idle, actor=cast.officer, kind="notice", respond_by=D(2026, 4, 5))
    with at(D(2026, 4, 10)):
        client = login(cast, "officer")

        def numbers(**query):
            page = client.get(reverse("case_list"), query).content.decode()
            return {c.number for c in (sublet, idle, other) if c.number in page}

        assert numbers() == {sublet.number, idle.number, other.number}
        assert numbers(type="idle") == {idle.number}
        assert numbers(estate=cast.e2.pk) == {other.number}
        assert numbers(overdue="on") == {idle.number}
        assert numbers(status="open") == {sublet.number, other.number}
        assert numbers(q=idle.number) == {idle.number}
        # The community worker of E1 does not see E2's case.
        page = login(cast, "community").get(reverse("case_list")).content.decode()
        assert other.number not in page and sublet.number in page


def test_the_list_costs_the_same_queries_for_more_cases(cast, rules, client_for):
    client = client_for("officer")
    with at(D(2026, 4, 1)):
        open_case(cast)
        client.get(reverse("case_list"))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("case_list"))
        for _ in range(5):
            open_case(cast, household=cast.charlie_household)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("case_list"))
    assert len(many) == len(few)


def test_outsiders_get_404_readers_403_and_wrong_methods_405(cast, rules, client_for):
    with at(D(2026, 4, 1)):
        case = open_case(cast, household=cast.charlie_household)
        mine = open_case(cast)
    detail = reverse("case_detail", args=[case.pk])
    assert client_for("community").get(detail).status_code == 404  # E2 is not theirs
    assert client_for("auditor").get(detail).status_code == 200
    for name, method in (
        ("case_notice", "post"),
        ("case_decide", "get"),
        ("case_close", "post"),
    ):
        url = reverse(name, args=[mine.pk])
        assert getattr(client_for("auditor"), method)(url).status_code == 403, name
    assert client_for("operator").get(reverse("case_decide", args=[mine.pk])).status_code == 403
    assert client_for("officer").get(reverse("case_notice", args=[mine.pk])).status_code == 405
    assert client_for("officer").put(reverse("case_decide", args=[mine.pk])).status_code == 405
    open_url = reverse("case_open", args=[cast.charlie_household.pk])
    assert client_for("operator").get(open_url).status_code == 404
    assert (
        client_for("auditor").get(reverse("case_open", args=[cast.alice_household.pk])).status_code
        == 403
    )


def test_bad_input_shows_a_clear_error_and_writes_nothing(cast, rules, client_for):
    client = client_for("operator")
    with at(D(2026, 4, 1)):
        response = client.post(
            reverse("case_open", args=[cast.alice_household.pk]),
            {"type": "sublet", "source": "staff", "summary": "x", "evidence": "no colon here"},
        )
        assert response.status_code == 200
        assert "Line 1: write the fact as" in response.content.decode()
        response = client.post(
            reverse("case_open", args=[cast.alice_household.pk]),
            {
                "type": "sublet",
                "source": "staff",
                "summary": "x",
                "breach_began_on": "2026-05-01",
            },
        )
        assert "The breach cannot begin in the future." in response.content.decode()
        assert not ViolationCase.objects.exists()
        case = open_case(cast)
        response = client.post(
            reverse("case_notice", args=[case.pk]), {"kind": "notice", "respond_by": "2026-03-01"}
        )
        assert errors(response) == [
            "The deadline must be after today: the tenant needs time to answer."
        ]
        case.refresh_from_db()
        assert case.status == CaseStatus.OPEN
        svc.notice_issue(case, actor=cast.officer, kind="notice", respond_by=D(2026, 4, 10))
    with at(D(2026, 4, 15)):
        response = login(cast, "officer").post(
            reverse("case_decide", args=[case.pk]),
            {"outcome": "penalty", "reasons": "Sublet.", "fine": "1000.01"},
        )
        assert response.status_code == 200
        assert "is above the cap of ¥1000.00" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE_ISSUED and not Bill.objects.exists()


# --- The portal ------------------------------------------------------------------------


def test_the_tenant_sees_their_points_credit_and_their_cases_notices(cast, rules, client_for):
    with at(D(2026, 4, 1)):
        hidden = open_case(cast)  # no notice yet: not shown to the tenant
        noticed = open_case(cast, type="damage", summary="The balcony wall was removed.")
        svc.notice_issue(
            noticed, actor=cast.officer, kind="rectification", respond_by=D(2026, 4, 20)
        )
        points_record(
            cast.alice_household,
            actor=cast.officer,
            rule=PointRule.objects.get(code="littering"),
            occurred_on=D(2026, 3, 30),
            details="Rubbish bags on the stairs",
        )
        theirs = open_case(cast, household=cast.charlie_household)
        svc.notice_issue(theirs, actor=cast.officer, kind="notice", respond_by=D(2026, 4, 20))
        alice = login(cast, "alice")
        page = alice.get(reverse("portal_conduct")).content.decode()
        notice = alice.get(reverse("portal_case_notice", args=[noticed.pk]))
        other = alice.get(reverse("portal_case_notice", args=[theirs.pk]))
    assert "Rubbish bags on the stairs" in page and "2028-03-30" in page
    assert noticed.number in page and hidden.number not in page and theirs.number not in page
    assert "The balcony wall was removed." in page
    assert notice.status_code == 200 and b"".join(notice.streaming_content) == PDF
    assert other.status_code == 404
    assert client_for("officer").get(reverse("portal_conduct")).status_code == 404


def test_a_case_from_a_screening_flag_links_back_to_its_evidence(cast, rules, client_for):
    from django.utils import timezone

    from anju.supervision.models import RunStatus, RunTrigger, ScreeningFlag, ScreeningRun

    # A flag as a finished screening run leaves it (the screening's own tests build
    # runs through the screening service).
    run = ScreeningRun.objects.create(
        until=D(2026, 3, 31),
        window_days=90,
        trigger=RunTrigger.MANUAL,
        status=RunStatus.DONE,
        finished_at=timezone.now(),
    )
    flag = ScreeningFlag.objects.create(
        run=run,
        unit=cast.unit_a,
        estate=cast.e1,
        household=cast.alice_household,
        flag="sublet",
        score=Decimal("0.910"),
        evidence="in 90 days: registered members seen on 3 days",
    )
    with at(D(2026, 4, 1)):
        case = open_case(cast, source="flag", flag=flag)
    page = client_for("officer").get(reverse("case_detail", args=[case.pk])).content.decode()
    assert reverse("screening_evidence", args=[cast.unit_a.pk]) in page
