"""The yearly admission rules (准入条件) as data. A rule set holds the numbers the
authority publishes each year; one `CategoryRule` per category and one `PriorityRule`
per priority ground. Nothing in the code repeats these numbers."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.households.models import Category


class RefusalConsequence(models.TextChoices):
    BACK_OF_LIST = "back_of_list", _("Moved to the back of the waiting list")
    SUSPENDED = "suspended", _("Suspended from the waiting list")
    REMOVED = "removed", _("Removed from the waiting list")


class RuleSetQuerySet(models.QuerySet):
    def in_force(self, on):
        """The published rule set with the latest effective date on or before `on`."""
        return (
            self.filter(effective_from__lte=on, published_at__isnull=False)
            .order_by("-effective_from")
            .first()
        )


class RuleSet(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source document"), max_length=200)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Procedure numbers, each a default the authority may change for the year.
    review_days = models.PositiveSmallIntegerField(_("working days per review level"), default=5)
    notice_days = models.PositiveSmallIntegerField(_("public notice period (days)"), default=5)
    contact_refresh_days = models.PositiveSmallIntegerField(
        _("days to answer the yearly contact refresh"), default=30
    )
    long_wait_years = models.PositiveSmallIntegerField(
        _("waiting-time guideline (years)"), default=5
    )
    max_lease_years = models.PositiveSmallIntegerField(_("longest lease term (years)"), default=5)
    refusal_limit = models.PositiveSmallIntegerField(
        _("refusals without a valid reason allowed"), default=2
    )
    refusal_consequence = models.CharField(
        _("after too many refusals"),
        max_length=16,
        choices=RefusalConsequence.choices,
        default=RefusalConsequence.BACK_OF_LIST,
    )
    # Tenancy numbers (arts. 30, 31; the well-off tenants model).
    renewal_window_months = models.PositiveSmallIntegerField(
        _("renewal window opens (months before the lease ends)"), default=3
    )
    renewal_reminder_days = models.PositiveSmallIntegerField(
        _("second renewal reminder (days after the window opens)"), default=30
    )
    declaration_days = models.PositiveSmallIntegerField(
        _("days to declare in a recertification"), default=30
    )
    exit_asset_multiple = models.DecimalField(
        _("must exit above this multiple of the deposits limit"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
    )
    tier_exempt_age = models.PositiveSmallIntegerField(
        _("households whose members are all this old pay no tiered rent"),
        null=True,
        blank=True,
        default=60,
    )
    # Supervision numbers (arts. 27, 35, 36; the Hong Kong marking scheme).
    market_rent_multiple = models.DecimalField(
        _("market rent as a multiple of the contract rent"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.00"),
        help_text=_("Back rent at market price (art. 36) and rent after a moving period."),
    )
    fine_cap = models.DecimalField(
        _("highest fine without illegal income (yuan)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("1000.00"),
    )
    illegal_income_multiple = models.DecimalField(
        _("fine up to this multiple of any illegal income"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("3.00"),
    )
    illegal_income_fine_cap = models.DecimalField(
        _("highest fine with illegal income (yuan)"),
        max_digits=9,
        decimal_places=2,
        default=Decimal("30000.00"),
    )
    ban_years = models.PositiveSmallIntegerField(
        _("years barred from applying after a breach"), default=5
    )
    points_valid_years = models.PositiveSmallIntegerField(
        _("years tenant points and warnings stay valid"), default=2
    )
    points_review_threshold = models.PositiveSmallIntegerField(
        _("valid points that put a tenancy up for termination review"), default=16
    )
    # Exit numbers (arts. 27 and 31): the moving period at contract rent, and the
    # deadline an order to return a recovered unit gives.
    moving_period_months = models.PositiveSmallIntegerField(
        _("moving period (months)"),
        default=2,
        help_text=_("At contract rent (art. 31); a one-off grace year is 12."),
    )
    recovery_deadline_days = models.PositiveSmallIntegerField(
        _("days an order to return a recovered unit gives (art. 27)"), default=30
    )
    # Evaluation: the rent discount a household earns with an excellent grade, applied
    # by the bill run while the discount is in effect.
    conduct_rent_discount = models.DecimalField(
        _("rent discount for an excellent household (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("admission rule set")
        verbose_name_plural = _("admission rule sets")
        ordering = ["-year"]

    def __str__(self):
        return _("Admission rules %(year)s") % {"year": self.year}


class CategoryRule(models.Model):
    """The limits for one category in one year. A limit left empty does not apply."""

    ruleset = models.ForeignKey(
        RuleSet, models.CASCADE, related_name="categories", verbose_name=_("rule set")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    income_limit = models.DecimalField(
        _("per-capita monthly income limit (yuan)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
    )
    housing_area_limit = models.DecimalField(
        _("per-capita housing area limit (m²)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
    )
    max_vehicles = models.PositiveSmallIntegerField(_("vehicles allowed"), null=True, blank=True)
    deposit_limit = models.DecimalField(
        _("household deposits limit (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    business_allowed = models.BooleanField(_("may own a business"), default=False)
    min_residence_years = models.PositiveSmallIntegerField(
        _("years of local residence or hukou"), null=True, blank=True
    )
    min_insurance_months = models.PositiveSmallIntegerField(
        _("months of local social insurance"), null=True, blank=True
    )
    min_age = models.PositiveSmallIntegerField(_("applicant's minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("applicant's maximum age"), null=True, blank=True)
    relief_tier = models.DecimalField(
        _("rent relief tier (share of the standard paid)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
    )
    # [[household size, largest unit area in m²], ...] ascending; the last row covers
    # every larger household.
    area_standard = models.JSONField(_("area standard by household size"), default=list)

    class Meta:
        verbose_name = _("category rule")
        verbose_name_plural = _("category rules")
        ordering = ["ruleset", "category"]
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "category"], name="uniq_category_rule"),
            models.CheckConstraint(
                condition=Q(relief_tier__gt=0) & Q(relief_tier__lte=1), name="relief_tier_share"
            ),
        ]

    def __str__(self):
        return f"{self.ruleset.year} {self.get_category_display()}"

    def max_area_for(self, size: int) -> Decimal | None:
        best = None
        for row_size, area in sorted(self.area_standard):
            if size >= row_size:
                best = Decimal(str(area))
        return best


class RentTier(models.Model):
    """A band of tiered rent for over-income households (the well-off tenants model):
    per-capita income above `above` times the category's limit, up to `up_to` times
    (inclusive), pays `rent_multiple` times the rent. Income above the highest band
    means the household must exit; income up to the lowest band's `above` pays the
    normal rent."""

    ruleset = models.ForeignKey(
        RuleSet, models.CASCADE, related_name="rent_tiers", verbose_name=_("rule set")
    )
    above = models.DecimalField(_("income above (× limit)"), max_digits=5, decimal_places=2)
    up_to = models.DecimalField(_("up to (× limit)"), max_digits=5, decimal_places=2)
    rent_multiple = models.DecimalField(_("rent multiple"), max_digits=4, decimal_places=2)

    class Meta:
        verbose_name = _("rent tier")
        verbose_name_plural = _("rent tiers")
        ordering = ["ruleset", "above"]
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "above"], name="uniq_rent_tier"),
            models.CheckConstraint(condition=Q(up_to__gt=models.F("above")), name="rent_tier_band"),
            models.CheckConstraint(condition=Q(rent_multiple__gte=1), name="rent_tier_multiple"),
        ]

    def __str__(self):
        return f"{self.above}–{self.up_to}× → {self.rent_multiple}×"


class PriorityGround(models.TextChoices):
    ELDERLY = "elderly", _("Elderly")
    DISABLED = "disabled", _("Disabled")
    VETERAN = "veteran", _("Veteran or martyr's family")
    ILLNESS = "illness", _("Major illness")
    SPECIAL_CARE = "special_care", _("Special care")


class PriorityRule(models.Model):
    """A ground for priority: households holding it join `group` (1 is served first) and
    earn `points`. A household in several groups takes the best one."""

    ruleset = models.ForeignKey(
        RuleSet, models.CASCADE, related_name="priorities", verbose_name=_("rule set")
    )
    ground = models.CharField(_("ground"), max_length=16, choices=PriorityGround.choices)
    group = models.PositiveSmallIntegerField(_("priority group"), default=1)
    points = models.PositiveSmallIntegerField(_("points"), default=0)
    min_age = models.PositiveSmallIntegerField(
        _("from age"), null=True, blank=True, help_text=_("For the elderly ground.")
    )

    class Meta:
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority rules")
        ordering = ["ruleset", "group", "ground"]
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "ground"], name="uniq_priority_rule"),
        ]

    def __str__(self):
        return f"{self.get_ground_display()} ({self.group}, {self.points})"


register_choices(RefusalConsequence, PriorityGround)
