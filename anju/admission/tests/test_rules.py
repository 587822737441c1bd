"""The yearly admission rules: a new year copies the last, each edit is audited with
before and after, a published set changes only with an amending document, publishing;
and the pages for officers, for readers and for the public."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anju.admission.models import CategoryRule, PriorityRule, RuleSet
from anju.admission.services.rules import (
    DEFAULT_CATEGORIES,
    category_rule_update,
    check_area_standard,
    priority_rule_update,
    ruleset_changes,
    ruleset_create,
    ruleset_in_force,
    ruleset_publish,
    ruleset_update,
)
from anju.admission.views.rules import AreaStandardField
from anju.core.errors import DomainError
from anju.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def draft(cast, year=2026, **kwargs):
    return ruleset_create(
        actor=cast.officer,
        year=year,
        effective_from=kwargs.pop("effective_from", date(year, 1, 1)),
        source=kwargs.pop("source", f"长住建〔{year}〕5号"),
    )


def line(ruleset, category="low_income") -> CategoryRule:
    return ruleset.categories.get(category=category)


def last_audit(action):
    return AuditEntry.objects.filter(action=action).order_by("-id").first()


# --- Services --------------------------------------------------------------------------


def test_the_first_year_starts_from_the_districts_defaults(cast):
    ruleset = draft(cast)
    assert ruleset.published_at is None
    assert set(ruleset.categories.values_list("category", flat=True)) == set(DEFAULT_CATEGORIES)
    assert ruleset.priorities.count() == 5
    assert last_audit("ruleset.create").changes["copied_from"] is None


def test_next_year_copies_every_line_and_procedure_number_of_the_last(cast):
    old = draft(cast, 2025)
    ruleset_update(old, actor=cast.officer, review_days=7, refusal_limit=3)
    category_rule_update(
        line(old), actor=cast.officer, income_limit=Decimal("1700"), area_standard=[[1, 35]]
    )
    priority_rule_update(old.priorities.get(ground="elderly"), actor=cast.officer, min_age=65)
    new = draft(cast, 2026)
    assert (new.review_days, new.refusal_limit) == (7, 3)
    assert line(new).income_limit == Decimal("1700.00")
    assert line(new).area_standard == [[1, 35]]
    assert new.priorities.get(ground="elderly").min_age == 65
    assert line(new).pk != line(old).pk  # copies, not the same rows
    assert last_audit("ruleset.create").changes["copied_from"] == 2025


def test_a_year_exists_once_and_needs_a_source(cast):
    draft(cast)
    with pytest.raises(DomainError) as error:
        draft(cast)
    assert error.value.code == "duplicate"
    with pytest.raises(DomainError) as error:
        draft(cast, 2027, source="  ")
    assert error.value.code == "source"
    assert not RuleSet.objects.filter(year=2027).exists()


def test_each_edit_writes_one_audit_entry_with_before_and_after(cast):
    ruleset = draft(cast)
    ruleset_update(ruleset, actor=cast.officer, notice_days=7, source="长住建〔2026〕6号")
    entry = last_audit("ruleset.update")
    assert entry.actor == cast.officer
    assert entry.changes["notice_days"] == [5, 7]
    assert entry.changes["source"] == ["长住建〔2026〕5号", "长住建〔2026〕6号"]
    category_rule_update(line(ruleset), actor=cast.officer, income_limit=Decimal("1650"))
    entry = last_audit("ruleset.category")
    assert entry.changes["income_limit"] == ["1600.00", "1650.00"]
    assert entry.changes["category"] == "low_income"
    assert entry.target_id == str(line(ruleset).pk)
    priority_rule_update(ruleset.priorities.get(ground="veteran"), actor=cast.officer, points=25)
    assert last_audit("ruleset.priority").changes["points"] == [20, 25]
    assert [e.action for e in ruleset_changes(ruleset)] == [
        "ruleset.create",
        "ruleset.update",
        "ruleset.category",
        "ruleset.priority",
    ]


def test_an_edit_that_changes_nothing_writes_nothing(cast):
    ruleset = draft(cast)
    before = AuditEntry.objects.count()
    category_rule_update(line(ruleset), actor=cast.officer, income_limit=Decimal("1600"))
    ruleset_update(ruleset, actor=cast.officer, review_days=5)
    assert AuditEntry.objects.count() == before


def test_a_published_set_changes_only_citing_the_amending_document(cast):
    ruleset = ruleset_publish(draft(cast), actor=cast.officer)
    with pytest.raises(DomainError) as error:
        category_rule_update(line(ruleset), actor=cast.officer, income_limit=Decimal("1650"))
    assert error.value.code == "citation_required"
    assert line(ruleset).income_limit == Decimal("1600.00")
    category_rule_update(
        line(ruleset),
        actor=cast.officer,
        citation="长住建〔2026〕12号",
        income_limit=Decimal("1650"),
    )
    assert last_audit("ruleset.category").changes["citation"] == "长住建〔2026〕12号"
    with pytest.raises(DomainError) as error:
        ruleset_update(ruleset, actor=cast.officer, citation="x", year=2030)
    assert error.value.code == "year_fixed"


def test_publishing_puts_the_set_in_force_from_its_effective_date(cast):
    old = ruleset_publish(draft(cast, 2025), actor=cast.officer)
    new = draft(cast, 2026)
    assert ruleset_in_force(date(2026, 3, 1)) == old  # a draft is never in force
    ruleset_publish(new, actor=cast.officer)
    assert ruleset_in_force(date(2025, 12, 31)) == old
    assert ruleset_in_force(date(2026, 1, 1)) == new
    assert last_audit("ruleset.publish").target_id == str(new.pk)
    with pytest.raises(DomainError) as error:
        ruleset_publish(new, actor=cast.officer)
    assert error.value.code == "published"


def test_publishing_refuses_a_category_without_an_area_standard(cast):
    ruleset = draft(cast)
    CategoryRule.objects.filter(pk=line(ruleset).pk).update(area_standard=[])
    with pytest.raises(DomainError) as error:
        ruleset_publish(ruleset, actor=cast.officer)
    assert error.value.code == "area_standard"
    assert RuleSet.objects.get(pk=ruleset.pk).published_at is None


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"relief_tier": Decimal("0")}, "relief_tier"),
        ({"relief_tier": Decimal("1.01")}, "relief_tier"),
        ({"min_age": 40, "max_age": 35}, "age_range"),
        ({"income_limit": Decimal("-1")}, "negative"),
        ({"area_standard": []}, "area_standard"),
        ({"colour": "red"}, "unknown_field"),
    ],
)
def test_a_bad_category_line_is_refused_and_left_unchanged(cast, values, code):
    ruleset = draft(cast)
    with pytest.raises(DomainError) as error:
        category_rule_update(line(ruleset), actor=cast.officer, **values)
    assert error.value.code == code
    assert line(ruleset).relief_tier == Decimal("0.50")


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"review_days": 0}, "too_small"),
        ({"max_lease_years": 0}, "too_small"),
        ({"refusal_limit": -1}, "negative"),
        ({"refusal_consequence": "exile"}, "choice"),
        ({"source": ""}, "source"),
    ],
)
def test_bad_procedure_numbers_are_refused(cast, values, code):
    ruleset = draft(cast)
    with pytest.raises(DomainError) as error:
        ruleset_update(ruleset, actor=cast.officer, **values)
    assert error.value.code == code


def test_the_elderly_ground_needs_an_age_and_no_other_ground_has_one(cast):
    ruleset = draft(cast)
    elderly = ruleset.priorities.get(ground="elderly")
    with pytest.raises(DomainError):
        priority_rule_update(elderly, actor=cast.officer, min_age=None)
    with pytest.raises(DomainError):
        priority_rule_update(
            ruleset.priorities.get(ground="illness"), actor=cast.officer, min_age=60
        )
    with pytest.raises(DomainError):
        priority_rule_update(elderly, actor=cast.officer, group=0)


@pytest.mark.parametrize(
    ("rows", "ok"),
    [
        ([[1, 40], [2, 50], [3, 60]], True),
        ([[1, 40], [2, 40]], True),
        ([[1, 40], [3, 60], [2, 50]], False),  # out of order
        ([[1, 40], [1, 50]], False),  # a size twice
        ([[2, 50]], False),  # does not start at 1
        ([[1, 50], [2, 40]], False),  # a larger household gets less
        ([[1, 0]], False),
        ([[1]], False),
    ],
)
def test_the_area_standard_is_checked(rows, ok):
    if ok:
        assert check_area_standard(rows) == rows
    else:
        with pytest.raises(DomainError):
            check_area_standard(rows)


def test_the_area_standard_is_typed_as_sizes_and_areas():
    field = AreaStandardField()
    assert field.clean("1: 40, 2: 50, 3: 60") == [
        [1, Decimal("40")],
        [2, Decimal("50")],
        [3, Decimal("60")],
    ]
    assert field.clean("1：40，2：52.5 m²\n3=60") == [
        [1, Decimal("40")],
        [2, Decimal("52.5")],
        [3, Decimal("60")],
    ]
    assert field.prepare_value([[1, 40], [2, 52.5]]) == "1: 40, 2: 52.5"
    with translation.override("en"), pytest.raises(Exception) as error:
        field.clean("1: 40, 2 50")
    assert "“2 50” is not a household size and an area" in str(error.value)


# --- Pages ------------------------------------------------------------------------------


def test_the_list_shows_each_year_with_its_state(cast, client_for):
    with time_machine.travel(date(2026, 3, 1)):
        ruleset_publish(draft(cast, 2026), actor=cast.officer)
        draft(cast, 2027)
        response = client_for("auditor").get(reverse("ruleset_list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index("2027") < text.index("2026")
    assert text.count('data-testid="ruleset-status"') == 2
    assert 'data-testid="ruleset-new"' not in text  # the auditor reads only


def test_the_detail_shows_lines_procedure_and_source_and_offers_edits_to_officers(cast, client_for):
    ruleset = draft(cast)
    url = reverse("ruleset_detail", args=[ruleset.pk])
    officer = client_for("officer").get(url).content.decode()
    assert "长住建〔2026〕5号" in officer
    assert officer.count('data-testid="category-edit"') == 5
    assert officer.count('data-testid="priority-edit"') == 5
    assert 'data-testid="ruleset-publish"' in officer
    street = client_for("street").get(url).content.decode()
    assert "1,600" in street and "category-edit" not in street and "ruleset-publish" not in street


def test_starting_next_year_from_the_page_copies_the_last(cast, client_for):
    ruleset_publish(draft(cast, 2026), actor=cast.officer)
    client = client_for("officer")
    form = client.get(reverse("ruleset_create"))
    assert form.context["form"].initial["year"] == 2027
    response = client.post(
        reverse("ruleset_create"),
        {"year": 2027, "effective_from": "2027-01-01", "source": "长住建〔2027〕1号"},
    )
    new = RuleSet.objects.get(year=2027)
    assert response["Location"] == reverse("ruleset_detail", args=[new.pk])
    assert new.categories.count() == 5
    again = client.post(
        reverse("ruleset_create"),
        {"year": 2027, "effective_from": "2027-01-01", "source": "x"},
    )
    assert again.status_code == 200
    assert again.context["form"].non_field_errors()


def test_editing_a_category_line_on_the_page_parses_the_area_standard(cast, client_for):
    ruleset = draft(cast)
    rule = line(ruleset)
    url = reverse("ruleset_category_edit", args=[rule.pk])
    client = client_for("officer")
    page = client.get(url)
    assert 'value="1: 40, 2: 50, 3: 60"' in page.content.decode()
    data = {
        "income_limit": "1650",
        "housing_area_limit": "15",
        "max_vehicles": "0",
        "deposit_limit": "50000",
        "min_residence_years": "3",
        "relief_tier": "0.5",
        "area_standard": "1: 40, 2: 50, 3: 60, 4: 72.5",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.income_limit == Decimal("1650.00")
    assert rule.area_standard == [[1, 40], [2, 50], [3, 60], [4, 72.5]]
    changes = last_audit("ruleset.category").changes
    assert set(changes) == {"year", "category", "income_limit", "area_standard"}
    # A bad area standard is named on the form and nothing is saved.
    bad = client.post(url, {**data, "area_standard": "1: 40, 3: 50, 2: 45"})
    assert bad.status_code == 200
    assert len(bad.context["form"].errors["area_standard"]) == 1
    rule.refresh_from_db()
    assert rule.area_standard == [[1, 40], [2, 50], [3, 60], [4, 72.5]]


def test_a_published_line_asks_for_the_amending_document(cast, client_for):
    ruleset = ruleset_publish(draft(cast), actor=cast.officer)
    rule = ruleset.priorities.get(ground="elderly")
    url = reverse("ruleset_priority_edit", args=[rule.pk])
    client = client_for("officer")
    page = client.get(url).content.decode()
    assert 'name="citation"' in page and 'data-testid="published-warning"' in page
    missing = client.post(url, {"group": 2, "points": 10, "min_age": 65})
    assert missing.status_code == 200
    assert "citation" in missing.context["form"].errors
    done = client.post(url, {"group": 2, "points": 10, "min_age": 65, "citation": "长住建12号"})
    assert done.status_code == 302
    assert PriorityRule.objects.get(pk=rule.pk).min_age == 65
    detail = client.get(reverse("ruleset_detail", args=[ruleset.pk])).content.decode()
    assert "长住建12号" in detail


def test_the_procedure_numbers_are_edited_and_the_year_of_a_draft_too(cast, client_for):
    ruleset = draft(cast, 2027)
    data = {
        "year": 2028,
        "effective_from": "2028-01-01",
        "source": "长住建〔2028〕1号",
        "review_days": 6,
        "notice_days": 7,
        "contact_refresh_days": 30,
        "long_wait_years": 5,
        "max_lease_years": 5,
        "refusal_limit": 2,
        "refusal_consequence": "suspended",
        "renewal_window_months": 3,
        "renewal_reminder_days": 30,
        "declaration_days": 30,
        "exit_asset_multiple": "5.00",
        "tier_exempt_age": 60,
        "market_rent_multiple": "2.00",
        "fine_cap": "1000.00",
        "illegal_income_multiple": "3.00",
        "illegal_income_fine_cap": "30000.00",
        "ban_years": "5",
        "points_valid_years": "2",
        "points_review_threshold": "16",
        "moving_period_months": "2",
        "recovery_deadline_days": "30",
        "conduct_rent_discount": "5.00",
    }
    response = client_for("officer").post(reverse("ruleset_edit", args=[ruleset.pk]), data)
    assert response.status_code == 302
    ruleset.refresh_from_db()
    assert (ruleset.year, ruleset.notice_days, ruleset.refusal_consequence) == (
        2028,
        7,
        "suspended",
    )


def test_publishing_from_the_page(cast, client_for):
    ruleset = draft(cast)
    response = client_for("officer").post(reverse("ruleset_publish", args=[ruleset.pk]))
    assert response.status_code == 302
    ruleset.refresh_from_db()
    assert ruleset.published_at is not None
    again = client_for("officer").post(reverse("ruleset_publish", args=[ruleset.pk]))
    assert [m.level_tag for m in get_messages(again.wsgi_request)][-1] == "error"


def test_the_public_page_shows_the_rules_in_force_without_log_in(cast):
    anyone = Client()
    empty = anyone.get(reverse("rules_public"))
    assert empty.status_code == 200 and empty.context["ruleset"] is None
    with time_machine.travel(date(2026, 6, 1)):
        ruleset = ruleset_publish(draft(cast, 2026), actor=cast.officer)
        category_rule_update(
            line(ruleset), actor=cast.officer, citation="长住建〔2026〕12号", income_limit=1650
        )
        ruleset_publish(draft(cast, 2027), actor=cast.officer)
        draft(cast, 2028)  # a draft is never shown
        response = anyone.get(reverse("rules_public"))
    text = response.content.decode()
    assert response.context["ruleset"] == ruleset
    assert "1,650" in text and "长住建〔2026〕12号" in text
    assert 'data-testid="rules-upcoming"' in text and "2027" in text
    assert "2028" not in text
    assert "officer" not in text  # staff names stay inside
    assert anyone.post(reverse("rules_public")).status_code == 405
