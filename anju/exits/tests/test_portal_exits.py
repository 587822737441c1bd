"""The tenant's exit page on the portal: a household with an active lease and no case
asks to leave (a voluntary exit through the same service as the counter), then
follows its case: the request awaiting a decision, the notice with its deadline, rents
and PDF, the overstay. Only the signed-in tenant's own household: another family's
notice is 404, and staff have no portal household."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anju.exits.models import ExitCase, ExitChannel, ExitReason, Stage
from anju.exits.services import cases as svc
from anju.households.models import LeaseStatus
from anju.households.services import lease_end
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
    client = Client()
    client.force_login(cast.users[username])
    return client


def test_a_tenant_asks_to_leave_and_follows_the_case_to_its_notice(cast, rules):
    url = reverse("portal_exit")
    with at(D(2026, 4, 1)):
        alice = login(cast, "alice")
        page = alice.get(url).content.decode()
        assert 'data-testid="exit-request-form"' in page and "2028-01-01" in page
        response = alice.post(url, {"move_out_on": "2026-03-20", "note": ""})
        assert response.status_code == 200
        assert "The move-out day must be after today." in response.content.decode()
        assert not ExitCase.objects.exists()
        response = alice.post(url, {"move_out_on": "2026-05-20", "note": "We bought a flat."})
        assert response["Location"] == url
    case = ExitCase.objects.get()
    assert case.household_id == cast.alice_household.pk
    assert case.reason == ExitReason.VOLUNTARY and case.channel == ExitChannel.PORTAL
    assert case.requested_move_out == D(2026, 5, 20) and case.summary == "We bought a flat."
    assert case.opened_by == cast.users["alice"]
    with at(D(2026, 4, 2)):
        alice = login(cast, "alice")
        page = alice.get(url).content.decode()
        assert "Your request to move out on 2026-05-20 is received" in page
        assert 'data-testid="exit-request-form"' not in page
        # A second request while one runs is refused.
        response = alice.post(url, {"move_out_on": "2026-06-01"})
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "Your household already has an exit in progress."
        ]
        case = svc.case_decide(case, actor=cast.officer, decision="Agreed.")
        case = svc.notice_issue(case, actor=cast.officer)
        page = alice.get(url).content.decode()
        pdf = alice.get(reverse("portal_exit_notice_pdf", args=[case.pk]))
    assert case.vacate_by == D(2026, 5, 20)
    for text in ("2026-05-20", "¥455.00", "¥910.00", case.notice_number, "Moving period"):
        assert text in page, text
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content) == PDF


def test_an_overstaying_tenant_sees_the_market_rent(cast, rules):
    with at(D(2026, 4, 1)):
        case = svc.exit_request(
            cast.alice_household, actor=cast.officer, move_out_on=D(2026, 4, 20), channel="counter"
        )
        case = svc.case_decide(case, actor=cast.officer, decision="Agreed.")
        case = svc.notice_issue(case, actor=cast.officer)
    with at(D(2026, 4, 25)):
        svc.overstays_begin(D(2026, 4, 25))
        page = login(cast, "alice").get(reverse("portal_exit")).content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.OVERSTAY
    assert "Since 2026-04-21 market rent of ¥910.00 a month is charged" in page


def test_the_tenant_sees_only_their_own_household(cast, rules, client_for):
    with at(D(2026, 4, 1)):
        theirs = svc.case_open(
            cast.charlie_household, actor=cast.officer, reason="arrears", channel="staff"
        )
        theirs = svc.case_decide(theirs, actor=cast.officer, decision="Seven months owed.")
        theirs = svc.notice_issue(theirs, actor=cast.officer)
        alice, charlie = login(cast, "alice"), login(cast, "charlie")
        page = alice.get(reverse("portal_exit")).content.decode()
        other = alice.get(reverse("portal_exit_notice_pdf", args=[theirs.pk]))
        own = charlie.get(reverse("portal_exit_notice_pdf", args=[theirs.pk]))
        charlies = charlie.get(reverse("portal_exit")).content.decode()
    assert theirs.number not in page and 'data-testid="exit-request-form"' in page
    assert other.status_code == 404 and own.status_code == 200
    assert theirs.notice_number in charlies and "The court" in charlies
    assert client_for("officer").get(reverse("portal_exit")).status_code == 404


def test_a_household_without_an_active_lease_cannot_ask(cast, rules):
    lease = cast.alice_household.leases.get(status=LeaseStatus.ACTIVE)
    lease_end(lease, actor=cast.officer, on=D(2026, 3, 31))
    with at(D(2026, 4, 1)):
        alice = login(cast, "alice")
        page = alice.get(reverse("portal_exit")).content.decode()
        response = alice.post(reverse("portal_exit"), {"move_out_on": "2026-05-01"})
    assert "Your household holds no active lease." in page
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your household holds no active lease to end."
    ]
    assert not ExitCase.objects.exists()
