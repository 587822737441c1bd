"""The pre-check: every criterion at its boundary (equal to the limit is met, one unit
past it is not), unknown and not-applicable facts, the sentences, the priority grounds
on a date, and the bulk path giving exactly what the single path gives."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from stdnum.cn import ric

from anju.admission.models import Application, CategoryRule, Outcome, PriorityRule
from anju.admission.services import applications as apps
from anju.admission.services.precheck import (
    CODES,
    Facts,
    Standing,
    Verdict,
    age_on,
    application_precheck,
    evaluate,
    precheck_many,
    priority_from,
    priority_of,
    sentence,
    verdicts_for,
)
from anju.admission.services.rules import category_rule_update
from anju.admission.templatetags.admission import criterion_sentence
from anju.testing.admission import make_application, make_ruleset

ON = date(2026, 6, 15)
FACTS = Facts(
    size=2,
    total_income=Decimal("3000.00"),
    housing_area_m2=Decimal("20.00"),
    vehicles=0,
    deposits=Decimal("40000.00"),
    owns_business=False,
    residence_years=5,
    insurance_months=12,
    applicant_birth=date(1990, 6, 15),
    on=ON,
)


def rule(**limits) -> CategoryRule:
    values = {
        "income_limit": Decimal("1600.00"),
        "housing_area_limit": Decimal("15.00"),
        "max_vehicles": 0,
        "deposit_limit": Decimal("50000.00"),
        "business_allowed": False,
        "min_residence_years": 3,
        "min_insurance_months": 12,
        "min_age": 18,
        "max_age": 36,
    }
    return CategoryRule(category="low_income", **{**values, **limits})


def outcome(code: str, facts=FACTS, **limits) -> Verdict:
    return next(v for v in evaluate(rule(**limits), facts) if v.code == code)


def person_id(birth: date, order: int = 1) -> str:
    body = f"140402{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


# --- Every criterion at its boundary --------------------------------------------------

BOUNDARIES = [
    # (code, facts at the limit, facts one step past it)
    ("income", {"total_income": Decimal("3200.00")}, {"total_income": Decimal("3200.02")}),
    ("housing_area", {"housing_area_m2": Decimal("30.00")}, {"housing_area_m2": Decimal("30.02")}),
    ("vehicles", {"vehicles": 0}, {"vehicles": 1}),
    ("deposits", {"deposits": Decimal("50000.00")}, {"deposits": Decimal("50000.01")}),
    ("residence", {"residence_years": 3}, {"residence_years": 2}),
    ("insurance", {"insurance_months": 12}, {"insurance_months": 11}),
    # 18 on the very day of the 18th birthday; the day before, still 17.
    ("age_min", {"applicant_birth": date(2008, 6, 15)}, {"applicant_birth": date(2008, 6, 16)}),
    # 36 until the day before the 37th birthday; on that day, 37.
    ("age_max", {"applicant_birth": date(1989, 6, 16)}, {"applicant_birth": date(1989, 6, 15)}),
]


@pytest.mark.parametrize(("code", "at_limit", "past_limit"), BOUNDARIES, ids=lambda v: str(v))
def test_each_criterion_is_met_at_its_limit_and_not_met_one_step_past_it(
    code, at_limit, past_limit
):
    assert outcome(code, replace(FACTS, **at_limit)).outcome == Outcome.MET
    assert outcome(code, replace(FACTS, **past_limit)).outcome == Outcome.NOT_MET


def test_per_capita_income_one_cent_over_the_limit_is_not_met():
    # Two members sharing 3,200.02: 1,600.01 each, one cent over 1,600.
    verdict = outcome("income", replace(FACTS, total_income=Decimal("3200.02")))
    assert (verdict.actual, verdict.limit) == ("1,600.01", "1,600")
    # Half a cent rounds to the cent shown, and the verdict follows the number shown.
    verdict = outcome("income", replace(FACTS, total_income=Decimal("3200.01")))
    assert (verdict.outcome, verdict.actual) == (Outcome.NOT_MET, "1,600.01")
    verdict = outcome("income", replace(FACTS, size=3, total_income=Decimal("4800.01")))
    assert (verdict.outcome, verdict.actual) == (Outcome.MET, "1,600")


def test_a_business_is_not_met_unless_the_category_allows_one():
    owner = replace(FACTS, owns_business=True)
    assert outcome("business", FACTS).outcome == Outcome.MET
    assert outcome("business", owner).outcome == Outcome.NOT_MET
    assert outcome("business", owner, business_allowed=True).outcome == Outcome.NOT_APPLICABLE


@pytest.mark.parametrize("code", CODES)
def test_a_limit_left_empty_does_not_apply(code):
    field = {
        "income": "income_limit",
        "housing_area": "housing_area_limit",
        "vehicles": "max_vehicles",
        "deposits": "deposit_limit",
        "business": "business_allowed",
        "residence": "min_residence_years",
        "insurance": "min_insurance_months",
        "age_min": "min_age",
        "age_max": "max_age",
    }[code]
    empty = True if field == "business_allowed" else None
    assert outcome(code, **{field: empty}).outcome == Outcome.NOT_APPLICABLE


def test_facts_not_yet_given_are_unknown_not_failed():
    nobody = replace(FACTS, size=0, total_income=Decimal("0"), applicant_birth=None)
    undeclared = replace(nobody, housing_area_m2=None)
    verdicts = {v.code: v for v in evaluate(rule(), undeclared)}
    for code in ("income", "housing_area", "age_min", "age_max"):
        assert verdicts[code].outcome == Outcome.UNKNOWN, code
        assert verdicts[code].actual == ""
    assert verdicts["income"].limit == "1,600"


def test_a_category_the_rules_do_not_offer_is_one_failed_criterion():
    verdicts = verdicts_for(None, FACTS, "special")
    assert verdicts == [Verdict("category", Outcome.NOT_MET, "special")]


def test_evaluate_gives_every_code_in_order():
    assert [v.code for v in evaluate(rule(), FACTS)] == CODES


def test_age_counts_the_birthday_itself_and_29_february():
    assert age_on(date(1966, 6, 15), date(2026, 6, 15)) == 60
    assert age_on(date(1966, 6, 15), date(2026, 6, 14)) == 59
    assert age_on(date(1964, 2, 29), date(2026, 2, 28)) == 61
    assert age_on(date(1964, 2, 29), date(2026, 3, 1)) == 62


# --- Sentences -----------------------------------------------------------------------


def test_sentences_say_the_numbers_the_sign_and_the_outcome():
    with translation.override("en"):
        assert (
            sentence("income", Outcome.MET, "1,480", "1,600")
            == "per-capita monthly income (yuan) 1,480 ≤ 1,600: met"
        )
        assert (
            sentence("income", Outcome.NOT_MET, "1,600.01", "1,600")
            == "per-capita monthly income (yuan) 1,600.01 > 1,600: not met"
        )
        assert (
            sentence("residence", Outcome.NOT_MET, "2", "3")
            == "years of local residence or hukou 2 < 3: not met"
        )
        assert (
            sentence("age_max", Outcome.UNKNOWN, "", "35") == "applicant's age ≤ 35: not yet known"
        )
        assert (
            sentence("insurance", Outcome.NOT_APPLICABLE, "12", "")
            == "months of local social insurance: does not apply"
        )
        assert sentence("business", Outcome.NOT_MET, "yes", "no") == (
            "owns or runs a business, which this category does not allow: not met"
        )
        assert sentence("business", Outcome.MET, "no", "no") == "owns or runs no business: met"
        assert sentence("category", Outcome.NOT_MET, "special", "") == (
            "category “Special groups” is not offered by these rules: not met"
        )


# --- Priority --------------------------------------------------------------------------


PRIORITIES = [
    PriorityRule(ground="disabled", group=1, points=20),
    PriorityRule(ground="veteran", group=1, points=20),
    PriorityRule(ground="elderly", group=2, points=10, min_age=60),
    PriorityRule(ground="illness", group=2, points=10),
    PriorityRule(ground="special_care", group=2, points=5),
]


def member(birth=date(1990, 1, 1), disability="", grounds=()):
    return SimpleNamespace(birth_date=birth, disability=disability, grounds=list(grounds))


def test_the_elderly_ground_is_held_from_the_birthday_on_the_date():
    grandma = member(date(1966, 6, 15))
    assert priority_of(PRIORITIES, [member(), grandma], date(2026, 6, 14)) == (3, 0, [])
    assert priority_of(PRIORITIES, [member(), grandma], date(2026, 6, 15)) == (
        2,
        10,
        ["elderly"],
    )


def test_the_disabled_ground_comes_from_the_disability_level_not_a_claim():
    assert priority_of(PRIORITIES, [member(disability="3")], ON) == (1, 20, ["disabled"])
    assert priority_of(PRIORITIES, [member(grounds=["disabled", "elderly"])], ON) == (3, 0, [])


def test_claimed_grounds_count_and_several_take_the_best_group_and_all_points():
    household = [member(grounds=["illness"]), member(grounds=["veteran", "special_care"])]
    assert priority_of(PRIORITIES, household, ON) == (
        1,
        35,
        ["illness", "special_care", "veteran"],
    )


def test_a_ground_the_rules_do_not_name_gives_nothing():
    rules = [p for p in PRIORITIES if p.ground != "veteran"]
    assert priority_of(rules, [member(grounds=["veteran"])], ON) == (3, 0, [])
    assert priority_from([], Standing(claimed=frozenset({"veteran"})), ON) == (1, 0, [])


# --- Stored results ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_precheck_stores_one_result_per_criterion_and_the_priority(cast):
    head = person_id(date(1960, 3, 1))
    application = make_application(
        cast,
        members=(
            ("老王", head, "head", "1500"),
            ("小王", person_id(date(1990, 1, 1)), "child", "1700"),
        ),
    )
    results = {c.code: c for c in application.criteria.all()}
    assert list(results) == CODES
    assert (results["income"].outcome, results["income"].actual) == (Outcome.MET, "1,600")
    application.refresh_from_db()
    assert application.precheck_met is True
    assert (application.priority_group, application.points) == (2, 10)


@pytest.mark.django_db
def test_running_again_replaces_the_results_and_follows_the_rules(cast):
    application = make_application(cast)
    first = {c.code: c.pk for c in application.criteria.all()}
    low = CategoryRule.objects.get(ruleset=application.ruleset, category="low_income")
    category_rule_update(low, actor=cast.officer, citation="test", income_limit=Decimal("1399.99"))
    application_precheck(application)
    results = {c.code: c for c in application.criteria.all()}
    assert {code: c.pk for code, c in results.items()} == first  # updated in place
    assert results["income"].outcome == Outcome.NOT_MET
    assert Application.objects.get(pk=application.pk).precheck_met is False


@pytest.mark.django_db
def test_the_partial_shows_each_sentence_its_badge_and_the_priority(cast):
    application = make_application(
        cast, members=(("申请人", person_id(date(1980, 1, 1)), "head", "1700"),)
    )
    with translation.override("en"):
        html = render_to_string(
            "admission/includes/precheck.html",
            {"criteria": application.criteria.all(), "application": application},
        )
        words = criterion_sentence(application.criteria.get(code="income"))
    assert words == "per-capita monthly income (yuan) 1,700 > 1,600: not met"
    assert "per-capita monthly income (yuan) 1,700 &gt; 1,600: not met" in html
    assert 'data-outcome="not_met"' in html and "bg-red-lt" in html
    assert "At least one criterion not met" in html
    assert "Priority group 3 · 0 points" in html
    # Insurance and the two ages do not apply to low income: named once, in one line.
    assert html.count('data-testid="criterion"') == len(CODES) - 3
    assert "Not required for this category: months of local social insurance, " in html
    assert html.count("applicant&#x27;s age") == 1


# --- The bulk path agrees with the single path -----------------------------------------


def _family(cast, number, **kwargs):
    """Applications that differ in every fact the pre-check reads."""
    births = [date(1950 + number % 40, 1 + number % 12, 1 + number % 28), date(1995, 5, 5)]
    members = [("户主", person_id(births[0], 2 * number + 1), "head", str(1000 + 137 * number))]
    if number % 3:
        members.append(("成员", person_id(births[1], 2 * number + 2), "spouse", "1550.55"))
    return make_application(
        cast,
        members=members,
        vehicles=number % 2,
        deposits=Decimal(40000 + 2500 * number),
        owns_business=number % 5 == 3,
        residence_years=5 - number % 4,
        insurance_months=3 * number,
        housing_area_m2=Decimal(number * 4),
        **kwargs,
    )


@pytest.mark.django_db
def test_precheck_many_gives_what_the_single_precheck_gives(cast):
    make_ruleset(cast.officer)
    categories = ["low_income", "lower_middle", "new_employee", "migrant_worker", "special"]
    applications = [
        _family(cast, n, category=categories[n % 5], actor=cast.officer) for n in range(10)
    ]
    # One with a disabled member and a claimed ground, one with no member at all, one
    # whose category the rules do not offer.
    disabled = _family(cast, 11, submit=False, actor=cast.officer)
    apps.application_member_add(
        disabled,
        actor=cast.officer,
        name="残疾成员",
        id_number=person_id(date(2000, 1, 1), 77),
        relation="child",
        disability="2",
        grounds=["illness"],
    )
    empty = apps.application_create(
        actor=cast.officer, community=cast.community_a, category="special", channel="counter"
    )
    CategoryRule.objects.filter(ruleset=empty.ruleset, category="special").delete()
    everyone = [*applications, disabled, empty]

    def state():
        return {
            a.pk: (
                a.precheck_met,
                a.priority_group,
                a.points,
                sorted(a.criteria.values_list("code", "outcome", "actual", "limit")),
            )
            for a in Application.objects.filter(pk__in=[a.pk for a in everyone])
        }

    with time_machine.travel(date(2026, 9, 1)):
        for application in everyone:
            application_precheck(application)
        single = state()
        Application.objects.update(precheck_met=None, priority_group=None, points=0)
        everyone[0].criteria.all().delete()
        assert precheck_many(Application.objects.all(), batch=4) == len(everyone)
        bulk = state()
    assert bulk == single
    assert single[disabled.pk][1:3] == (1, 40)  # disabled 20, illness 10, elderly (65) 10
    assert single[empty.pk][3] == [("category", "not_met", "special", "")]
    assert len({s[0] for s in single.values()}) == 2  # some met, some not


@pytest.mark.django_db
def test_precheck_many_drops_results_of_criteria_no_longer_given(cast):
    application = make_application(cast)
    rule = CategoryRule.objects.get(ruleset=application.ruleset, category="low_income")
    rule.delete()
    precheck_many(Application.objects.filter(pk=application.pk))
    assert list(application.criteria.values_list("code", flat=True)) == ["category"]


@pytest.mark.django_db
def test_precheck_many_reads_in_a_fixed_number_of_queries_per_batch(cast):
    def add(numbers):
        for n in numbers:
            head = (("申请人", person_id(date(1985, 1, 1), n), "head", "1400"),)
            make_application(cast, members=head, actor=cast.officer)

    add(range(1, 4))
    with CaptureQueriesContext(connection) as three:
        precheck_many(Application.objects.all(), batch=100)
    add(range(4, 10))
    with CaptureQueriesContext(connection) as nine:
        precheck_many(Application.objects.all(), batch=100)
    assert len(nine) == len(three)
