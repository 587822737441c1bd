"""What a household declares about itself, at recertification or when it applies to
renew: members and their incomes, assets, and other housing."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class EntryChannel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    COUNTER = "counter", _("Counter")


class HousingAcquired(models.TextChoices):
    NONE = "none", _("None")
    PURCHASE = "purchase", _("Bought")
    GIFT = "gift", _("Received as a gift")
    INHERITANCE = "inheritance", _("Inherited")


class DeclarationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "household__estate"))


class Declaration(models.Model):
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="declarations",
        verbose_name=_("household"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=EntryChannel.choices)
    submitted_at = models.DateTimeField(_("declared"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    # Sums of the declared members who live in the unit, kept for the bulk outcome.
    member_count = models.PositiveSmallIntegerField(_("members"), default=0)
    total_income = models.DecimalField(
        _("household monthly income (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    deposits = models.DecimalField(
        _("household deposits (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    vehicles = models.PositiveSmallIntegerField(_("vehicles"), default=0)
    owns_business = models.BooleanField(_("owns a business"), default=False)
    housing_acquired = models.CharField(
        _("other housing acquired"),
        max_length=12,
        choices=HousingAcquired.choices,
        default=HousingAcquired.NONE,
    )
    housing_note = models.CharField(_("about that housing"), max_length=200, blank=True)
    other_subsidised = models.BooleanField(
        _("rents or owns other subsidised housing"), default=False
    )
    consent = models.BooleanField(_("consents to data matching"), default=False)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-submitted_at"]

    def __str__(self):
        return f"{self.household} {self.submitted_at:%Y-%m-%d}"


class DeclaredMember(models.Model):
    """One person of the household as declared: a current member (`member`) or someone
    who joined (no `member` yet). A member marked not present has left."""

    declaration = models.ForeignKey(Declaration, models.CASCADE, related_name="members")
    member = models.ForeignKey(
        "households.Member", models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=40)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    monthly_income = models.DecimalField(
        _("monthly income (yuan)"), max_digits=10, decimal_places=2, default=0
    )
    present = models.BooleanField(_("lives in the unit"), default=True)

    class Meta:
        verbose_name = _("declared member")
        verbose_name_plural = _("declared members")
        ordering = ["declaration", "id"]

    def __str__(self):
        return self.name


register_choices(EntryChannel, HousingAcquired)
