"""The yearly admission rules: created from the district's defaults or copied from the
previous year, edited by authority officers, published. Every change is audited."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError
from anju.households.models import Category

from ..models import CategoryRule, PriorityGround, PriorityRule, RuleSet

# The numbers a new district starts from when it has no earlier year to copy. They
# follow Changzhi's published practice; the authority edits them for its own year.
DEFAULT_CATEGORIES = {
    Category.LOW_INCOME: {
        "income_limit": Decimal("1600.00"),
        "housing_area_limit": Decimal("15.00"),
        "max_vehicles": 0,
        "deposit_limit": Decimal("50000.00"),
        "min_residence_years": 3,
        "relief_tier": Decimal("0.50"),
    },
    Category.LOWER_MIDDLE: {
        "income_limit": Decimal("2800.00"),
        "housing_area_limit": Decimal("15.00"),
        "max_vehicles": 1,
        "deposit_limit": Decimal("100000.00"),
        "min_residence_years": 3,
        "relief_tier": Decimal("0.80"),
    },
    Category.NEW_EMPLOYEE: {
        "income_limit": Decimal("4500.00"),
        "housing_area_limit": Decimal("15.00"),
        "max_vehicles": 1,
        "min_insurance_months": 6,
        "max_age": 35,
        "relief_tier": Decimal("1.00"),
    },
    Category.MIGRANT_WORKER: {
        "income_limit": Decimal("3500.00"),
        "housing_area_limit": Decimal("15.00"),
        "max_vehicles": 1,
        "min_insurance_months": 12,
        "relief_tier": Decimal("1.00"),
    },
    Category.SPECIAL: {
        "income_limit": Decimal("2800.00"),
        "housing_area_limit": Decimal("15.00"),
        "max_vehicles": 1,
        "relief_tier": Decimal("0.50"),
    },
}
DEFAULT_AREA_STANDARD = [[1, 40], [2, 50], [3, 60]]
DEFAULT_PRIORITIES = {
    PriorityGround.DISABLED: {"group": 1, "points": 20},
    PriorityGround.VETERAN: {"group": 1, "points": 20},
    PriorityGround.ELDERLY: {"group": 2, "points": 10, "min_age": 60},
    PriorityGround.ILLNESS: {"group": 2, "points": 10},
    PriorityGround.SPECIAL_CARE: {"group": 2, "points": 5},
}
# Households with no priority ground queue in the group after the last one above.
RULESET_FIELDS = [
    "year",
    "effective_from",
    "source",
    "review_days",
    "notice_days",
    "contact_refresh_days",
    "long_wait_years",
    "max_lease_years",
    "refusal_limit",
    "refusal_consequence",
]


def ruleset_create(*, actor, year: int, effective_from: date, source: str) -> RuleSet:
    """A new year's rule set: a copy of the latest earlier year, or the defaults."""
    if RuleSet.objects.filter(year=year).exists():
        raise DomainError(
            _("The rules for %(year)s already exist.") % {"year": year}, code="duplicate"
        )
    previous = RuleSet.objects.filter(year__lt=year).order_by("-year").first()
    with transaction.atomic():
        ruleset = RuleSet(
            year=year, effective_from=effective_from, source=source.strip(), created_by=actor
        )
        if previous is not None:
            for field in RULESET_FIELDS[3:]:
                setattr(ruleset, field, getattr(previous, field))
        ruleset.save()
        if previous is not None:
            _copy_lines(previous, ruleset)
        else:
            _default_lines(ruleset)
        audit.record(
            actor=actor,
            action="ruleset.create",
            target=ruleset,
            changes={
                **audit.snapshot(ruleset, RULESET_FIELDS),
                "copied_from": previous.year if previous else None,
            },
        )
    return ruleset


def _copy_lines(source: RuleSet, target: RuleSet) -> None:
    categories = list(source.categories.all())
    for row in categories:
        row.pk, row.ruleset = None, target
    CategoryRule.objects.bulk_create(categories)
    priorities = list(source.priorities.all())
    for row in priorities:
        row.pk, row.ruleset = None, target
    PriorityRule.objects.bulk_create(priorities)


def _default_lines(ruleset: RuleSet) -> None:
    CategoryRule.objects.bulk_create(
        CategoryRule(
            ruleset=ruleset, category=category, area_standard=DEFAULT_AREA_STANDARD, **values
        )
        for category, values in DEFAULT_CATEGORIES.items()
    )
    PriorityRule.objects.bulk_create(
        PriorityRule(ruleset=ruleset, ground=ground, **values)
        for ground, values in DEFAULT_PRIORITIES.items()
    )


def ruleset_publish(ruleset: RuleSet, *, actor) -> RuleSet:
    if ruleset.published_at:
        raise DomainError(_("These rules are already published."), code="published")
    if not ruleset.categories.exists():
        raise DomainError(_("The rules name no category."), code="empty")
    with transaction.atomic():
        ruleset.published_at = timezone.now()
        ruleset.save(update_fields=["published_at"])
        audit.record(
            actor=actor,
            action="ruleset.publish",
            target=ruleset,
            changes={"published_at": ruleset.published_at},
        )
    return ruleset


def ruleset_in_force(on: date | None = None) -> RuleSet:
    ruleset = RuleSet.objects.in_force(on or timezone.localdate())
    if ruleset is None:
        raise DomainError(
            _("No admission rules are in force; the authority must publish this year's."),
            code="no_rules",
        )
    return ruleset
