"""What is measured, and how a measure becomes a score (考核指标, 考核方案).

An `Indicator` is one measure: computed from Anju's own records (its `source` names a
definition in `anju.evaluation.indicators`) or scored by a person (`MANUAL`). A
`Scheme` groups indicators for one party kind and one period kind, each `SchemeLine`
with its weight, target and the value at which the score reaches nought. Schemes are
versioned like the admission rules: a new version is copied from the last one, edited
as a draft, published; a published version that a period has used never changes.
The grade thresholds, the days a party has to object and the consequences of each
grade (`ConsequenceRule`) are part of the scheme."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices


class PartyKind(models.TextChoices):
    STREET = "street", _("Street office")
    COMMUNITY = "community", _("Community")
    OPERATOR = "operator", _("Operator")
    PROPERTY = "property", _("Property company")
    TENANT = "tenant", _("Tenant household")


# The party kinds that are organisations (the rest, tenants, are households), and the
# ones ranked on the public site.
ORGANISATION_PARTIES = (
    PartyKind.STREET,
    PartyKind.COMMUNITY,
    PartyKind.OPERATOR,
    PartyKind.PROPERTY,
)
PUBLICLY_RANKED = (PartyKind.OPERATOR, PartyKind.PROPERTY)


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class IndicatorUnit(models.TextChoices):
    PERCENT = "percent", _("%")
    DAYS = "days", _("days")
    YUAN = "yuan", _("yuan")
    POINTS = "points", _("points")
    SCORE = "score", pgettext_lazy("evaluation unit", "score")
    COUNT = "count", _("count")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


MANUAL = "manual"


class Indicator(models.Model):
    """One measure. Names and definitions are the authority's data, in Chinese and
    English; the computation behind a computed indicator is code, named by `source`."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    party_kind = models.CharField(_("party kind"), max_length=12, choices=PartyKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    definition_zh = models.TextField(_("definition (Chinese)"))
    definition_en = models.TextField(_("definition (English)"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=IndicatorUnit.choices)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    source = models.CharField(
        _("data source"),
        max_length=40,
        help_text=_("The computation that reads Anju's records, or “manual” for a person's score."),
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["party_kind", "sort", "code"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    @property
    def definition(self) -> str:
        if (get_language() or "").startswith("en") and self.definition_en:
            return self.definition_en
        return self.definition_zh

    @property
    def is_manual(self) -> bool:
        return self.source == MANUAL


class SchemeQuerySet(models.QuerySet):
    def in_force(self, party_kind: str, period_kind: str, on):
        """The published scheme for the party and period kind with the latest
        effective date on or before `on`."""
        return (
            self.filter(
                party_kind=party_kind,
                period_kind=period_kind,
                effective_from__lte=on,
                published_at__isnull=False,
            )
            .order_by("-effective_from", "-version")
            .first()
        )


def _percent(**kwargs):
    return models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        **kwargs,
    )


class Scheme(models.Model):
    party_kind = models.CharField(_("party kind"), max_length=12, choices=PartyKind.choices)
    period_kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source document"), max_length=200)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    excellent_from = _percent(verbose_name=_("excellent from (score)"), default=Decimal(90))
    good_from = _percent(verbose_name=_("good from (score)"), default=Decimal(80))
    pass_from = _percent(verbose_name=_("pass from (score)"), default=Decimal(60))
    objection_days = models.PositiveSmallIntegerField(
        _("days a party has to object to its draft scores"), default=7
    )
    # None for the versions Anju seeds from its defaults.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["party_kind", "period_kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["party_kind", "period_kind", "version"], name="uniq_scheme_version"
            ),
            models.CheckConstraint(
                condition=Q(pass_from__lte=models.F("good_from"))
                & Q(good_from__lte=models.F("excellent_from")),
                name="scheme_grade_thresholds_ordered",
            ),
        ]

    def __str__(self):
        return _("%(party)s, %(period)s, version %(version)s") % {
            "party": self.get_party_kind_display(),
            "period": self.get_period_kind_display(),
            "version": self.version,
        }

    def grade_for(self, total) -> str:
        if total is None:
            return ""
        if total >= self.excellent_from:
            return Grade.EXCELLENT
        if total >= self.good_from:
            return Grade.GOOD
        if total >= self.pass_from:
            return Grade.PASS
        return Grade.FAIL


class SchemeLine(models.Model):
    """One indicator in a scheme. The score is 100 at the target or better, nought at
    `zero_at` or worse, and linear between; a manual indicator is scored 0-100
    directly (target 100, nought at 0)."""

    scheme = models.ForeignKey(
        Scheme, models.CASCADE, related_name="lines", verbose_name=_("scheme")
    )
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, related_name="lines", verbose_name=_("indicator")
    )
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    zero_at = models.DecimalField(_("scores nought at"), max_digits=12, decimal_places=2)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("scheme indicator")
        verbose_name_plural = _("scheme indicators")
        ordering = ["scheme", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator"], name="uniq_scheme_indicator")
        ]

    def __str__(self):
        return f"{self.indicator} × {self.weight}"


class ConsequenceKind(models.TextChoices):
    # For organisations.
    COMMENDATION = "commendation", _("Commendation")
    RENEWAL_ELIGIBLE = "renewal_eligible", _("Eligible for contract renewal")
    FEE_ADJUSTMENT = "fee_adjustment", _("Service-fee bonus or deduction")
    RECTIFICATION = "rectification", _("Rectification order")
    WARNING = "warning", _("Warning")
    TERMINATION = "termination", _("Proposed contract termination")
    # For tenant households.
    GOOD_STANDING = "good_standing", _("Good-conduct standing")
    RENT_DISCOUNT = "rent_discount", _("Rent discount")
    HARMONIOUS_TITLE = "harmonious_title", _("“Harmonious household” title")
    TENANT_WARNING = "tenant_warning", _("Warning to the household")
    INTERVIEW = "interview", _("Compulsory interview")
    POINTS_REFERRAL = "points_referral", _("Referral to the points termination review")


TENANT_CONSEQUENCES = (
    ConsequenceKind.GOOD_STANDING,
    ConsequenceKind.RENT_DISCOUNT,
    ConsequenceKind.HARMONIOUS_TITLE,
    ConsequenceKind.TENANT_WARNING,
    ConsequenceKind.INTERVIEW,
    ConsequenceKind.POINTS_REFERRAL,
)


class ConsequenceRule(models.Model):
    """What follows a grade: `kind` for every party graded `grade`. A termination
    rule instead fires when the party has failed `consecutive_fails` periods in a
    row. `percent` is the fee bonus (positive) or deduction (negative); `days` the
    deadline of a rectification or an interview, or how long a standing, title or
    discount lasts."""

    scheme = models.ForeignKey(
        Scheme, models.CASCADE, related_name="consequence_rules", verbose_name=_("scheme")
    )
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    kind = models.CharField(_("consequence"), max_length=20, choices=ConsequenceKind.choices)
    percent = models.DecimalField(
        _("percent of the service fee"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-100)), MaxValueValidator(Decimal(100))],
    )
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    consecutive_fails = models.PositiveSmallIntegerField(
        _("after this many failing periods in a row"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("consequence rule")
        verbose_name_plural = _("consequence rules")
        ordering = ["scheme", "grade", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "grade", "kind"], name="uniq_consequence_rule"
            )
        ]

    def __str__(self):
        return f"{self.get_grade_display()} → {self.get_kind_display()}"


register_choices(PartyKind, PeriodKind, Direction, IndicatorUnit, Grade, ConsequenceKind)
