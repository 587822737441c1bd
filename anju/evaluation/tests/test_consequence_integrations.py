"""A tenant's consequences reach the rest of Anju: the rent discount through the bill
run, the good-conduct standing as priority in exchanges (and a badge), the referral on
the points termination review list, and the standing, title and discount on the
portal's home page."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anju.evaluation.models import ConsequenceState, Grade, PartyKind
from anju.evaluation.services.consequences import (
    consequence_cancel,
    consequence_done,
    raise_for_period,
)
from anju.exits.selectors.exchanges import request_list
from anju.exits.services import exchanges as exchanges_svc
from anju.supervision.selectors.points import review_rows
from anju.tenancy.models import Bill
from anju.tenancy.services.billing import bill_run
from anju.testing.admission import make_ruleset

from .test_consequences import K, evaluate, period, quarter, scheme

# Published 10 April 2026: the discount (90 days) holds from then to 9 July.
DISCOUNT_RULES = [
    (Grade.EXCELLENT, K.RENT_DISCOUNT, {"percent": Decimal("5.00"), "days": 90}),
    (Grade.EXCELLENT, K.GOOD_STANDING, {"days": 365}),
    (Grade.EXCELLENT, K.HARMONIOUS_TITLE, {}),
    (Grade.FAIL, K.POINTS_REFERRAL, {}),
]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def graded(cast, alice=Grade.EXCELLENT, charlie=Grade.PASS):
    s = scheme(PartyKind.TENANT, rules=DISCOUNT_RULES)
    p = period(cast.officer, quarter(4))
    evaluate(p, s, cast.alice_household, alice)
    evaluate(p, s, cast.charlie_household, charlie)
    raise_for_period(p, actor=cast.officer)
    return p


def rent(household, month):
    return Bill.objects.get(household=household, kind="rent", period=month)


def test_a_household_with_a_discount_in_effect_is_billed_less_by_exactly_the_percent(cast):
    graded(cast)
    bill_run(datetime.date(2026, 5, 1), actor=cast.officer)
    alice, charlie = (
        rent(h, datetime.date(2026, 5, 1)) for h in (cast.alice_household, cast.charlie_household)
    )
    # 455.00 a month: 5% is 22.75 off.
    assert alice.amount == Decimal("432.25") and alice.discount == Decimal("22.75")
    assert charlie.amount == Decimal("455.00") and charlie.discount == Decimal("0.00")


def test_the_discount_counts_only_for_the_months_it_covers_on_their_first_day(cast):
    graded(cast)
    # April began before the publication; August after the 90 days.
    for month in (datetime.date(2026, 4, 1), datetime.date(2026, 7, 1), datetime.date(2026, 8, 1)):
        bill_run(month, actor=None)
    assert rent(cast.alice_household, datetime.date(2026, 4, 1)).discount == 0
    assert rent(cast.alice_household, datetime.date(2026, 7, 1)).discount == Decimal("22.75")
    assert rent(cast.alice_household, datetime.date(2026, 8, 1)).discount == 0


def test_a_cancelled_discount_is_not_applied(cast):
    graded(cast)
    discount = cast.alice_household.evaluations.get().consequences.get(kind=K.RENT_DISCOUNT)
    consequence_cancel(discount, actor=cast.officer, reason="撤销")
    bill_run(datetime.date(2026, 5, 1), actor=None)
    assert rent(cast.alice_household, datetime.date(2026, 5, 1)).amount == Decimal("455.00")


def test_the_rule_sets_discount_applies_when_the_rule_gives_none(cast):
    ruleset = make_ruleset(cast.officer)
    ruleset.conduct_rent_discount = Decimal("10.00")
    ruleset.save(update_fields=["conduct_rent_discount"])
    s = scheme(PartyKind.TENANT, rules=[(Grade.EXCELLENT, K.RENT_DISCOUNT, {})])
    p = period(cast.officer, quarter(4))
    evaluate(p, s, cast.alice_household, Grade.EXCELLENT)
    raise_for_period(p, actor=cast.officer)
    bill_run(datetime.date(2026, 6, 1), actor=None)
    bill = rent(cast.alice_household, datetime.date(2026, 6, 1))
    assert bill.amount == Decimal("409.50") and bill.discount == Decimal("45.50")


def _exchange(cast, household):
    return exchanges_svc.exchange_request(
        household, actor=cast.officer, kind="exchange", reason="work", channel="counter"
    )


def test_households_with_a_standing_come_first_in_exchanges_with_a_badge(cast):
    make_ruleset(cast.officer)
    graded(cast, alice=Grade.EXCELLENT, charlie=Grade.PASS)
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC)):
        first = _exchange(cast, cast.alice_household)
    with time_machine.travel(datetime.datetime(2026, 5, 2, 10, tzinfo=datetime.UTC)):
        later = _exchange(cast, cast.charlie_household)
        rows = list(request_list(cast.officer))
        # Alice asked first, but newest first would put Charlie on top: her standing wins.
        assert rows == [first, later]
        assert [r.good_standing for r in rows] == [True, False]
        client = Client()
        client.force_login(cast.officer)
        page = client.get(reverse("exchange_requests")).content.decode()
        assert page.count('data-testid="good-standing"') == 1
        detail = client.get(reverse("exchange_request", args=[first.pk])).content.decode()
        assert 'data-testid="good-standing"' in detail
        other = client.get(reverse("exchange_request", args=[later.pk])).content.decode()
        assert 'data-testid="good-standing"' not in other


def test_a_lapsed_standing_gives_no_priority(cast):
    make_ruleset(cast.officer)
    graded(cast)
    request = _exchange(cast, cast.alice_household)
    with time_machine.travel(datetime.datetime(2027, 5, 1, 10, tzinfo=datetime.UTC)):
        assert request_list(cast.officer).get(pk=request.pk).good_standing is False


def test_a_referred_household_is_on_the_points_review_list_marked_as_referred(cast):
    make_ruleset(cast.officer)
    graded(cast, alice=Grade.PASS, charlie=Grade.FAIL)
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC)):
        rows = review_rows(cast.officer)
        assert [h.number for h in rows] == [cast.charlie_household.number]
        assert rows[0].referral.kind == K.POINTS_REFERRAL and rows[0].valid_total == 0
        # Out of the community's scope (Charlie lives in E2).
        assert review_rows(cast.community) == []
        client = Client()
        client.force_login(cast.officer)
        page = client.get(reverse("points_review_list")).content.decode()
        assert 'data-testid="referred"' in page and cast.charlie_household.number in page
        # Once the referral is done, the evaluation no longer puts him on the list.
        referral = consequence_done(rows[0].referral, actor=cast.officer, note="已复核")
        assert referral.state == ConsequenceState.DONE
        assert review_rows(cast.officer) == []


def test_the_portal_shows_the_households_standing_title_and_discount(cast):
    graded(cast)
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC)):
        alice = Client()
        alice.force_login(cast.alice)
        page = alice.get(reverse("portal_home")).content.decode()
        assert 'data-testid="portal-standing"' in page
        for kind in (K.GOOD_STANDING, K.HARMONIOUS_TITLE, K.RENT_DISCOUNT):
            assert f'data-testid="standing-{kind}"' in page
        assert "5.00% off the rent" in page
        charlie = Client()
        charlie.force_login(cast.charlie)
        assert 'data-testid="portal-standing"' not in (
            charlie.get(reverse("portal_home")).content.decode()
        )
