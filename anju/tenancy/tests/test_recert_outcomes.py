"""The recertification outcome (services/outcomes.py) at each of its boundaries, from
the well-off tenants model's default tiers: 2–3× the limit pays 1.5×, 3–5× pays 2×,
above 5× must exit. The function is pure, so these tests need no database."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from anju.admission.services.rules import DEFAULT_CATEGORIES, DEFAULT_RENT_TIERS
from anju.tenancy.models import Outcome
from anju.tenancy.services.outcomes import Facts, outcome_for, ratio_of, sentence

D = Decimal
ON = date(2026, 3, 1)
# The low-income category's limits: 1,600 a head a month, deposits 50,000.
RULE = SimpleNamespace(**DEFAULT_CATEGORIES["low_income"])
TIERS = [SimpleNamespace(above=a, up_to=u, rent_multiple=m) for a, u, m in DEFAULT_RENT_TIERS]
RULESET = SimpleNamespace(exit_asset_multiple=D("5.00"), tier_exempt_age=60)


def facts(total="3000", members=2, deposits="0", housing="none", subsidised=False, born=None):
    return Facts(
        member_count=members,
        total_income=D(total),
        deposits=D(deposits),
        housing_acquired=housing,
        other_subsidised=subsidised,
        youngest_birth=born or date(1990, 1, 1),
        on=ON,
    )


# (what, household monthly income for two people, outcome, rent multiple)
INCOME_BOUNDARIES = [
    ("well under the limit", "2000.00", Outcome.QUALIFIES, D("1.00")),
    ("exactly at the limit", "3200.00", Outcome.QUALIFIES, D("1.00")),
    ("exactly 2.00×", "6400.00", Outcome.QUALIFIES, D("1.00")),
    ("a cent a head above 2.00×", "6400.02", Outcome.TIERED, D("1.50")),
    ("2.01×", "6432.00", Outcome.TIERED, D("1.50")),
    ("exactly 3.00×", "9600.00", Outcome.TIERED, D("1.50")),
    ("a cent a head above 3.00×", "9600.02", Outcome.TIERED, D("2.00")),
    ("3.01×", "9632.00", Outcome.TIERED, D("2.00")),
    ("exactly 5.00×", "16000.00", Outcome.TIERED, D("2.00")),
    ("a cent a head above 5.00×", "16000.02", Outcome.MUST_EXIT, None),
    ("5.01×", "16032.00", Outcome.MUST_EXIT, None),
]


@pytest.mark.parametrize(
    ("what", "total", "outcome", "multiple"),
    INCOME_BOUNDARIES,
    ids=[row[0] for row in INCOME_BOUNDARIES],
)
def test_each_income_band_at_its_boundary(what, total, outcome, multiple):
    got, got_multiple, reasons = outcome_for(facts(total), RULE, TIERS, RULESET)
    assert (got, got_multiple) == (outcome, multiple)
    income = next(r for r in reasons if r["code"] == "income")
    assert income["outcome"] == outcome


# (what, facts, outcome, the reason code that decided)
EXIT_BOUNDARIES = [
    ("deposits exactly 5× the limit", facts(deposits="250000.00"), Outcome.QUALIFIES, None),
    ("deposits a cent above", facts(deposits="250000.01"), Outcome.MUST_EXIT, "deposits"),
    ("a flat bought", facts(housing="purchase"), Outcome.MUST_EXIT, "housing"),
    ("a flat received as a gift", facts(housing="gift"), Outcome.MUST_EXIT, "housing"),
    ("a flat inherited", facts(housing="inheritance"), Outcome.MUST_EXIT, "housing"),
    ("other subsidised housing", facts(subsidised=True), Outcome.MUST_EXIT, "subsidised"),
]


@pytest.mark.parametrize(
    ("what", "given", "outcome", "code"),
    EXIT_BOUNDARIES,
    ids=[row[0] for row in EXIT_BOUNDARIES],
)
def test_assets_and_other_housing_at_their_boundary(what, given, outcome, code):
    got, multiple, reasons = outcome_for(given, RULE, TIERS, RULESET)
    assert got == outcome
    deciding = [r["code"] for r in reasons if r["outcome"] == Outcome.MUST_EXIT]
    assert deciding == ([code] if code else [])
    assert multiple == (None if outcome == Outcome.MUST_EXIT else D("1.00"))


def test_per_capita_income_is_rounded_to_the_cent_before_the_ratio():
    # 9,600.01 for three people is 3,200.0033 a head: 3,200.00, exactly 2.00×.
    outcome, _m, reasons = outcome_for(facts("9600.01", members=3), RULE, TIERS, RULESET)
    assert outcome == Outcome.QUALIFIES
    assert {"code": "per_capita", "actual": "3200.00", "limit": "1600.00"}.items() <= next(
        r for r in reasons if r["code"] == "per_capita"
    ).items()


def test_the_ratio_shown_is_rounded_up_so_it_agrees_with_the_verdict():
    assert ratio_of(D("8000.01"), D("1600")) == D("5.01")
    assert ratio_of(D("8000.00"), D("1600")) == D("5.00")
    _o, _m, reasons = outcome_for(facts("16000.02"), RULE, TIERS, RULESET)
    income = next(r for r in reasons if r["code"] == "income")
    assert (income["actual"], income["limit"]) == ("5.01", "5.00")


@pytest.mark.parametrize(
    ("born", "outcome"),
    [(date(1966, 3, 1), Outcome.QUALIFIES), (date(1966, 3, 2), Outcome.TIERED)],
    ids=["youngest turns 60 on the campaign date", "youngest is 60 the day after"],
)
def test_a_household_all_aged_60_or_more_pays_no_tiered_rent(born, outcome):
    got, multiple, reasons = outcome_for(facts("8000", born=born), RULE, TIERS, RULESET)
    assert got == outcome
    codes = [r["code"] for r in reasons]
    assert ("exempt" in codes) == (outcome == Outcome.QUALIFIES)
    if outcome == Outcome.QUALIFIES:
        assert multiple == D("1.00")
        exempt = next(r for r in reasons if r["code"] == "exempt")
        assert (exempt["actual"], exempt["limit"]) == ("60", "60")


def test_the_exemption_does_not_save_a_household_above_the_highest_band():
    outcome, _m, _r = outcome_for(facts("20000", born=date(1940, 1, 1)), RULE, TIERS, RULESET)
    assert outcome == Outcome.MUST_EXIT


def test_an_unknown_birth_date_means_no_exemption():
    unknown = Facts(
        member_count=2,
        total_income=D("8000"),
        deposits=D("0"),
        housing_acquired="none",
        other_subsidised=False,
        youngest_birth=None,
        on=ON,
    )
    assert outcome_for(unknown, RULE, TIERS, RULESET)[0] == Outcome.TIERED


def test_no_exempt_age_in_the_rules_means_no_exemption():
    ruleset = SimpleNamespace(exit_asset_multiple=D("5.00"), tier_exempt_age=None)
    outcome, _m, _r = outcome_for(facts("8000", born=date(1930, 1, 1)), RULE, TIERS, ruleset)
    assert outcome == Outcome.TIERED


def test_the_reasons_read_as_sentences():
    with translation.override("en"):
        _o, _m, reasons = outcome_for(facts("8000"), RULE, TIERS, RULESET)
        words = [sentence(r) for r in reasons]
        assert "no other housing acquired: Still qualifies" in words
        assert "per-capita monthly income (yuan) 4,000; the category's limit is 1,600" in words
        assert (
            "per-capita income 2.50× the limit, in the band up to 3.00×: "
            "Over income: tiered rent" in words
        )
        assert (
            "household deposits (yuan) 0 ≤ 250,000, the limit for leaving: Still qualifies" in words
        )
        _o, _m, reasons = outcome_for(facts("16032", housing="gift"), RULE, TIERS, RULESET)
        words = [sentence(r) for r in reasons]
        assert "other housing acquired (Received as a gift): Must exit" in words
        assert "per-capita income 5.01× the limit > 5.00×, the highest band: Must exit" in words
