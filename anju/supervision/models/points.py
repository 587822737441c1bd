"""Tenant points (信用积分), after the Hong Kong marking scheme: a catalogue of
misdeeds with their points, the points and written warnings each household holds
(they follow the household, not its head or its unit), and good-conduct credit that
the evaluation issue scores."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class PointRule(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("misdeed"), max_length=100)
    points = models.PositiveSmallIntegerField(_("points"))
    warning_first = models.BooleanField(_("written warning first"), default=False)
    active = models.BooleanField(_("in use"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("misdeed")
        verbose_name_plural = _("misdeeds catalogue")
        ordering = ["points", "code"]
        constraints = [
            models.CheckConstraint(
                # OR of equalities, not IN (…): Django's SQLite introspection cannot
                # parse a table whose CHECK holds a comma-separated list.
                condition=Q(points=3) | Q(points=5) | Q(points=7) | Q(points=15),
                name="point_rule_scheme_values",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.points})"


class EntryKind(models.TextChoices):
    WARNING = "warning", _("Written warning")
    POINTS = "points", _("Points")


class PointEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "household__estate"))

    def valid_on(self, day):
        return self.filter(voided_at__isnull=True, occurred_on__lte=day, expires_on__gt=day)


class PointEntry(models.Model):
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="point_entries",
        verbose_name=_("household"),
    )
    rule = models.ForeignKey(PointRule, models.PROTECT, related_name="+", verbose_name=_("misdeed"))
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    points = models.PositiveSmallIntegerField(_("points"), default=0)
    occurred_on = models.DateField(_("occurred on"))
    expires_on = models.DateField(_("valid until"))
    details = models.CharField(_("details"), max_length=300, blank=True)
    case = models.ForeignKey(
        "supervision.ViolationCase", models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(_("reason voided"), max_length=300, blank=True)

    objects = PointEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("occurred_on")), name="points_expire_after"
            ),
            models.CheckConstraint(
                condition=Q(kind="warning", points=0) | Q(kind="points", points__gt=0),
                name="points_match_kind",
            ),
        ]
        indexes = [models.Index(fields=["household", "expires_on"], name="points_valid")]

    def __str__(self):
        return f"{self.household_id} {self.rule_id} {self.points}"


class CreditKind(models.TextChoices):
    VOLUNTEERING = "volunteering", _("Volunteering (hours)")
    ON_TIME_PAYMENT = "on_time_payment", _("Rent paid on time for 12 months")
    OTHER = "other", _("Other good conduct")


class GoodConductCreditQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "household__estate"))


class GoodConductCredit(models.Model):
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="conduct_credits",
        verbose_name=_("household"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CreditKind.choices)
    amount = models.DecimalField(_("credit"), max_digits=6, decimal_places=1)
    occurred_on = models.DateField(_("earned on"))
    details = models.CharField(_("details"), max_length=300, blank=True)
    # Credit earned by a rule (12 months paid on time) is keyed, so earning it twice
    # is harmless; credit entered by hand has none.
    source_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = GoodConductCreditQuerySet.as_manager()

    class Meta:
        verbose_name = _("good-conduct credit")
        verbose_name_plural = _("good-conduct credit")
        ordering = ["-occurred_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="credit_positive")]

    def __str__(self):
        return f"{self.household_id} {self.kind} {self.amount}"


register_choices(EntryKind, CreditKind)
