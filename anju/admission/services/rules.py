"""The yearly admission rules: created from the district's defaults or copied from the
previous year, edited by authority officers, published. Every change is audited.

A draft is edited freely. A published set is public and may already have been applied
to applications, so it is never edited silently: each change to it must cite the
document that amends it (`citation`), and the audit entry keeps who, when, before and
after and that citation; the public page lists these amendments. A set for a new year
is a new rule set (`ruleset_create`), copied from the last one."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.households.models import Category

from ..models import (
    CategoryRule,
    PriorityGround,
    PriorityRule,
    RefusalConsequence,
    RentTier,
    RuleSet,
)

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
# The well-off tenants model: per-capita income above 2-3x the limit pays 1.5x the
# rent, 3-5x pays 2x; above the highest band the household must exit.
DEFAULT_RENT_TIERS = [
    (Decimal("2.00"), Decimal("3.00"), Decimal("1.50")),
    (Decimal("3.00"), Decimal("5.00"), Decimal("2.00")),
]
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
    "renewal_window_months",
    "renewal_reminder_days",
    "declaration_days",
    "exit_asset_multiple",
    "tier_exempt_age",
    "market_rent_multiple",
    "fine_cap",
    "illegal_income_multiple",
    "illegal_income_fine_cap",
    "ban_years",
    "points_valid_years",
    "points_review_threshold",
    "moving_period_months",
    "recovery_deadline_days",
    "conduct_rent_discount",
]


CATEGORY_FIELDS = [
    "income_limit",
    "housing_area_limit",
    "max_vehicles",
    "deposit_limit",
    "business_allowed",
    "min_residence_years",
    "min_insurance_months",
    "min_age",
    "max_age",
    "relief_tier",
    "area_standard",
]
PRIORITY_FIELDS = ["group", "points", "min_age"]
# The procedure numbers must be at least 1 (a day, a year, a refusal may be 0).
POSITIVE_FIELDS = ["review_days", "notice_days", "contact_refresh_days", "long_wait_years"]


def ruleset_create(*, actor, year: int, effective_from: date, source: str) -> RuleSet:
    """A new year's rule set: a copy of the latest earlier year, or the defaults."""
    if not (source or "").strip():
        raise DomainError(_("Name the source document of the rules."), code="source")
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
    for line in priorities:
        line.pk, line.ruleset = None, target
    PriorityRule.objects.bulk_create(priorities)
    tiers = list(source.rent_tiers.all())
    for tier in tiers:
        tier.pk, tier.ruleset = None, target
    RentTier.objects.bulk_create(tiers)


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
    RentTier.objects.bulk_create(
        RentTier(ruleset=ruleset, above=above, up_to=up_to, rent_multiple=multiple)
        for above, up_to, multiple in DEFAULT_RENT_TIERS
    )


def ruleset_publish(ruleset: RuleSet, *, actor) -> RuleSet:
    """Publish: from its effective date the set is in force, shown on the public page,
    and every later change to it must cite an amending document."""
    if ruleset.published_at:
        raise DomainError(_("These rules are already published."), code="published")
    if not ruleset.categories.exists():
        raise DomainError(_("The rules name no category."), code="empty")
    for rule in ruleset.categories.all():
        if not rule.area_standard:
            raise DomainError(
                _("The area standard of “%(category)s” is empty.")
                % {"category": rule.get_category_display()},
                code="area_standard",
            )
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


# --- Edits -----------------------------------------------------------------------


def _editable(ruleset: RuleSet, citation: str) -> str:
    """The citation to record: required once the set is published."""
    citation = (citation or "").strip()
    if ruleset.published_at and not citation:
        raise DomainError(
            _(
                "The rules for %(year)s are published: a change must cite the document "
                "that amends them."
            )
            % {"year": ruleset.year},
            code="citation_required",
        )
    return citation


def _unknown(values: dict, allowed: list[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))},
            code="unknown_field",
        )


def ruleset_update(ruleset: RuleSet, *, actor, citation: str = "", **values) -> RuleSet:
    """Change the year's source, effective date or procedure numbers. The year itself
    is fixed once published (applications and their numbers carry it)."""
    _unknown(values, RULESET_FIELDS)
    citation = _editable(ruleset, citation)
    if "source" in values:
        values["source"] = (values["source"] or "").strip()
        if not values["source"]:
            raise DomainError(_("Name the source document of the rules."), code="source")
    if "year" in values and values["year"] != ruleset.year:
        if ruleset.published_at:
            raise DomainError(
                _("The year of published rules cannot change; start a new year instead."),
                code="year_fixed",
            )
        if RuleSet.objects.filter(year=values["year"]).exclude(pk=ruleset.pk).exists():
            raise DomainError(
                _("The rules for %(year)s already exist.") % {"year": values["year"]},
                code="duplicate",
            )
    for name in POSITIVE_FIELDS:
        if name in values and (values[name] is None or values[name] < 1):
            raise DomainError(
                _("“%(field)s” must be at least 1.") % {"field": _label(RuleSet, name)},
                code="too_small",
            )
    for name in ("max_lease_years", "refusal_limit"):
        if name in values and (values[name] is None or values[name] < 0):
            raise DomainError(
                _("“%(field)s” cannot be negative.") % {"field": _label(RuleSet, name)},
                code="negative",
            )
    if values.get("max_lease_years", 1) < 1:
        raise DomainError(_("A lease lasts at least one year."), code="too_small")
    if "refusal_consequence" in values and values["refusal_consequence"] not in (
        RefusalConsequence.values
    ):
        raise DomainError(_("Choose what follows too many refusals."), code="choice")
    audit.save_audited(
        ruleset,
        actor=actor,
        action="ruleset.update",
        fields=RULESET_FIELDS,
        values=values,
        citation=citation,
        context={"year": ruleset.year},
    )
    return ruleset


def check_area_standard(rows) -> list[list]:
    """The area standard as stored: [[size, max m²], ...], sizes 1, 2, 3... ascending
    from 1 with no repeats, areas positive and never smaller for a larger household.
    Areas are kept as whole numbers when whole (40, not 40.0)."""
    if not rows:
        raise DomainError(
            _("The area standard needs at least one household size."), code="area_standard"
        )
    out = []
    for row in rows:
        try:
            size, area = row
            size = int(size)
            area = Decimal(str(area))
        except (TypeError, ValueError, ArithmeticError):
            raise DomainError(
                _("Each line of the area standard is a household size and an area."),
                code="area_standard",
            ) from None
        if size < 1 or area <= 0:
            raise DomainError(
                _("Household sizes and areas in the area standard must be positive."),
                code="area_standard",
            )
        out.append([size, int(area) if area == area.to_integral_value() else float(area)])
    sizes = [size for size, _area in out]
    if sizes != sorted(set(sizes)):
        raise DomainError(_("List each household size once, smallest first."), code="area_standard")
    if sizes[0] != 1:
        raise DomainError(
            _("The area standard must start at a household of 1 person."), code="area_standard"
        )
    areas = [area for _size, area in out]
    if areas != sorted(areas):
        raise DomainError(
            _("A larger household cannot be given a smaller area."), code="area_standard"
        )
    return out


def _label(model, name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def _not_negative(rule, values, names):
    for name in names:
        value = values.get(name)
        if value is not None and value < 0:
            raise DomainError(
                _("“%(field)s” cannot be negative.") % {"field": _label(type(rule), name)},
                code="negative",
            )


def category_rule_update(rule: CategoryRule, *, actor, citation: str = "", **values):
    """Change one category's limits. A limit set to None no longer applies."""
    _unknown(values, CATEGORY_FIELDS)
    citation = _editable(rule.ruleset, citation)
    _not_negative(rule, values, ["income_limit", "housing_area_limit", "deposit_limit"])
    tier = values.get("relief_tier", rule.relief_tier)
    if tier is None or not (0 < tier <= 1):
        raise DomainError(
            _("The rent relief tier is the share of the standard paid: above 0, at most 1."),
            code="relief_tier",
        )
    low = values.get("min_age", rule.min_age)
    high = values.get("max_age", rule.max_age)
    if low is not None and high is not None and low > high:
        raise DomainError(_("The minimum age is above the maximum age."), code="age_range")
    if "area_standard" in values:
        values["area_standard"] = check_area_standard(values["area_standard"])
    audit.save_audited(
        rule,
        actor=actor,
        action="ruleset.category",
        fields=CATEGORY_FIELDS,
        values=values,
        citation=citation,
        context={"year": rule.ruleset.year, "category": rule.category},
    )
    return rule


def priority_rule_update(rule: PriorityRule, *, actor, citation: str = "", **values):
    """Change one priority ground's group, points or (for the elderly) the age."""
    _unknown(values, PRIORITY_FIELDS)
    citation = _editable(rule.ruleset, citation)
    if values.get("group", rule.group) is None or values.get("group", rule.group) < 1:
        raise DomainError(_("Priority groups start at 1."), code="group")
    if values.get("points", rule.points) is None or values.get("points", rule.points) < 0:
        raise DomainError(_("Points cannot be negative."), code="negative")
    min_age = values.get("min_age", rule.min_age)
    if rule.ground == PriorityGround.ELDERLY and min_age is None:
        raise DomainError(_("Give the age from which a member counts as elderly."), code="age")
    if rule.ground != PriorityGround.ELDERLY and min_age is not None:
        raise DomainError(_("Only the elderly ground has an age."), code="age")
    audit.save_audited(
        rule,
        actor=actor,
        action="ruleset.priority",
        fields=PRIORITY_FIELDS,
        values=values,
        citation=citation,
        context={"year": rule.ruleset.year, "ground": rule.ground},
    )
    return rule


def ruleset_changes(ruleset: RuleSet):
    """The audit entries of the set and its lines, oldest first: its creation, every
    edit with before and after (and, once published, the citation), its publication."""
    lines = Q(
        target_type=CategoryRule._meta.label_lower,
        target_id__in=[str(pk) for pk in ruleset.categories.values_list("pk", flat=True)],
    ) | Q(
        target_type=PriorityRule._meta.label_lower,
        target_id__in=[str(pk) for pk in ruleset.priorities.values_list("pk", flat=True)],
    )
    own = Q(target_type=RuleSet._meta.label_lower, target_id=str(ruleset.pk))
    return AuditEntry.objects.filter(own | lines).order_by("at", "id")


def tiers_text(tiers) -> str:
    """[(2, 3, 1.5), (3, 5, 2)] → "2–3: 1.5, 3–5: 2" (as the editor shows them)."""
    return ", ".join(f"{plain_number(a)}–{plain_number(b)}: {plain_number(m)}" for a, b, m in tiers)


def plain_number(value) -> str:
    value = Decimal(value).normalize()
    return f"{value:f}"


def rent_tiers_set(ruleset: RuleSet, *, actor, tiers, citation: str = "") -> bool:
    """Replace the year's tiered-rent bands. `tiers`: [(above, up_to, rent multiple)],
    in multiples of the category's income limit. The bands must follow on from each
    other (each starts where the one before ends), start at 1× or more, and charge at
    least the normal rent. Returns whether anything changed."""
    citation = _editable(ruleset, citation)
    bands = [tuple(Decimal(str(v)) for v in band) for band in tiers]
    if not bands:
        raise DomainError(_("Give at least one band of tiered rent."), code="tiers_empty")
    bands.sort()
    for n, (above, up_to, multiple) in enumerate(bands):
        if above < 1:
            raise DomainError(
                _("A band starts at 1× the income limit or above."), code="tiers_start"
            )
        if up_to <= above:
            raise DomainError(
                _("The band %(band)s ends where it starts or before.")
                % {"band": tiers_text([(above, up_to, multiple)])},
                code="tiers_band",
            )
        if multiple < 1:
            raise DomainError(
                _("A tiered rent is at least the normal rent (1×)."), code="tiers_multiple"
            )
        if n and above != bands[n - 1][1]:
            raise DomainError(
                _("The bands must follow on: %(a)s ends at %(b)s× but the next starts at %(c)s×.")
                % {
                    "a": tiers_text([bands[n - 1]]),
                    "b": plain_number(bands[n - 1][1]),
                    "c": plain_number(above),
                },
                code="tiers_gap",
            )
    before = tiers_text(ruleset.rent_tiers.values_list("above", "up_to", "rent_multiple"))
    after = tiers_text(bands)
    if before == after:
        return False
    with transaction.atomic():
        ruleset.rent_tiers.all().delete()
        RentTier.objects.bulk_create(
            RentTier(ruleset=ruleset, above=a, up_to=b, rent_multiple=m) for a, b, m in bands
        )
        audit.record(
            actor=actor,
            action="ruleset.rent_tiers",
            target=ruleset,
            changes={
                "year": ruleset.year,
                "rent_tiers": [before, after],
                **({"citation": citation} if citation else {}),
            },
        )
    return True
