"""The tenant's exchange page: where the household stands before it asks, asking for an
exchange, the decision with its criteria, posting for a swap, a proposed pair shown by
the other unit only (never the other household), consent and decline, withdrawal, and
the tenant's own household only."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anju.exits.models import ExchangeRequest, MutualPair, PairStatus, RequestStatus
from anju.exits.services import exchanges as svc
from anju.exits.services import mutual
from anju.exits.tests.matrix.exchanges import family, mutual_request
from anju.supervision.models import PointRule
from anju.supervision.services.points import points_record
from anju.testing.admission import make_ruleset

D = datetime.date
TODAY = D(2026, 6, 10)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(10)), tick=False):
        yield


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def login(cast, username):
    client = Client()
    client.force_login(cast.users[username])
    return client


def added(response, level="error"):
    return [
        str(m) for m in get_messages(response.wsgi_request)._queued_messages if m.level_tag == level
    ]


def test_alice_sees_where_she_stands_and_asks_for_an_exchange(cast, rules):
    alice = login(cast, "alice")
    page = alice.get(reverse("portal_exchange"))
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="request-form"' in text
    assert 'data-testid="criterion-points" data-passed="yes"' in text
    assert "household of 2 may have up to 50 m²" in text
    response = alice.post(
        reverse("portal_exchange"),
        {"kind": "exchange", "reason": "size_changed", "min_rooms": "2", "note": "A baby."},
    )
    assert response["Location"] == reverse("portal_exchange")
    request = ExchangeRequest.objects.get()
    assert (request.household, request.channel) == (cast.alice_household, "portal")
    assert request.requested_by == cast.users["alice"]
    text = alice.get(reverse("portal_exchange")).content.decode()
    assert request.number in text and "Submitted" in text
    assert 'data-testid="request-form"' not in text


def test_a_mutual_exchange_for_a_reason_other_than_work_or_school_is_refused(cast, rules):
    response = login(cast, "alice").post(
        reverse("portal_exchange"), {"kind": "mutual", "reason": "size_changed"}
    )
    assert response.status_code == 200
    assert "is not a reason for a Mutual exchange" in response.content.decode()
    assert not ExchangeRequest.objects.exists()


def test_the_decision_is_shown_with_each_criterion(cast, rules):
    household = cast.alice_household
    rule = PointRule.objects.filter(active=True, warning_first=False).first()
    points_record(household, actor=cast.officer, rule=rule, occurred_on=D(2026, 5, 20))
    request = svc.exchange_request(
        household, actor=cast.users["alice"], kind="exchange", reason="work", channel="portal"
    )
    svc.exchange_decide(request, actor=cast.officer, approve=False, note="Points in force.")
    text = login(cast, "alice").get(reverse("portal_exchange")).content.decode()
    assert "Refused" in text and "Points in force." in text
    assert 'data-testid="criterion-points" data-passed="no"' in text
    assert 'data-testid="criterion-arrears" data-passed="yes"' in text
    assert "may not apply for a voluntary exchange" in text
    # Refused, so she may ask again (and sees that the points still stand in her way).
    assert 'data-testid="request-form"' in text


def paired(cast):
    """Alice posts first; a household of two in E1 with a 48 m² unit posts second."""
    mine = mutual_request(cast.alice_household, cast.officer, reason="school")
    other = family(
        cast.e1,
        "PP-B",
        cast.officer,
        size=2,
        area="48.00",
        floor=4,
        rooms=2,
        start=D(2025, 1, 1),
        end=D(2028, 1, 1),
    )
    theirs = mutual_request(other, cast.officer)
    assert mutual.pairs_propose(TODAY) == 1
    return MutualPair.objects.get(), mine, theirs


def test_a_proposed_swap_shows_the_other_unit_and_never_the_other_household(cast, rules):
    pair, _mine, theirs = paired(cast)
    text = login(cast, "alice").get(reverse("portal_exchange")).content.decode()
    assert 'data-testid="my-pair"' in text
    for fact in ("康居苑", theirs.unit.building.number, "48.00 m²", ">4<", ">2<"):
        assert fact in text, fact
    for secret in ("PP-B", theirs.unit.code, theirs.number, "成员1号"):
        assert secret not in text, secret
    assert 'data-testid="consent"' in text


def test_alice_consents_and_the_other_household_declines(cast, rules):
    pair, mine, theirs = paired(cast)
    alice = login(cast, "alice")
    response = alice.post(reverse("portal_pair_consent", args=[pair.pk]))
    assert response["Location"] == reverse("portal_exchange") and not added(response)
    pair.refresh_from_db()
    assert pair.first_consent_at is not None and pair.status == PairStatus.PROPOSED
    text = alice.get(reverse("portal_exchange")).content.decode()
    assert "You consented. Waiting for the other household." in text
    response = alice.post(reverse("portal_pair_consent", args=[pair.pk]))
    assert added(response) == ["Household HH-A has already consented."]
    response = alice.post(reverse("portal_pair_decline", args=[pair.pk]), {"reason": ""})
    assert added(response) == ["Say why you decline this swap."]
    mutual.pair_decline(pair, actor=cast.officer, household=theirs.household, reason="Moved job.")
    text = alice.get(reverse("portal_exchange")).content.decode()
    assert "This swap was declined." in text and "Moved job." not in text


def test_alice_declines_with_a_reason(cast, rules):
    pair, _mine, _theirs = paired(cast)
    response = login(cast, "alice").post(
        reverse("portal_pair_decline", args=[pair.pk]), {"reason": "Too high up."}
    )
    assert added(response, "success")
    pair.refresh_from_db()
    assert pair.status == PairStatus.DECLINED and pair.note == "Too high up."


def test_only_the_households_of_the_pair_answer_it(cast, rules):
    pair, _mine, _theirs = paired(cast)
    charlie = login(cast, "charlie")
    assert charlie.post(reverse("portal_pair_consent", args=[pair.pk])).status_code == 404
    assert charlie.post(reverse("portal_pair_decline", args=[pair.pk])).status_code == 404
    assert login(cast, "officer").get(reverse("portal_exchange")).status_code == 404
    assert Client().get(reverse("portal_exchange")).status_code == 302
    pair.refresh_from_db()
    assert pair.first_consent_at is None and pair.second_consent_at is None


def test_a_posted_request_is_withdrawn_from_the_portal(cast, rules):
    request = mutual_request(cast.alice_household, cast.officer, reason="work")
    alice = login(cast, "alice")
    text = alice.get(reverse("portal_exchange")).content.decode()
    assert 'data-testid="posted"' in text and 'data-testid="withdraw"' in text
    response = alice.post(reverse("portal_exchange_withdraw"), {"reason": "We stay."})
    assert added(response, "success") == ["Your request is withdrawn."]
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert alice.post(reverse("portal_exchange_withdraw"), {"reason": "x"}).status_code == 404
