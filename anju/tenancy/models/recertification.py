"""The yearly recertification (年审): a campaign over a set of estates; each household
declares, the agencies verify, and an outcome is computed from the rules, then
confirmed by staff."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A campaign is visible to anyone who sees one of its estates.
        from anju.housing.models import Estate

        return self.filter(estates__in=Estate.objects.visible_to(user)).distinct()


class Campaign(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    estates = models.ManyToManyField(
        "housing.Estate", related_name="campaigns", verbose_name=_("estates")
    )
    ruleset = models.ForeignKey(
        "admission.RuleSet", models.PROTECT, related_name="+", verbose_name=_("rules")
    )
    opened_on = models.DateField(_("opened"))
    declare_by = models.DateField(_("declare by"))
    status = models.CharField(
        _("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("recertification campaign")
        verbose_name_plural = _("recertification campaigns")
        ordering = ["-opened_on", "-id"]

    def __str__(self):
        return self.name


class RecertStatus(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting declaration")
    DECLARED = "declared", pgettext_lazy("recertification", "Declared")
    VERIFYING = "verifying", _("With the agencies")
    VERIFIED = "verified", _("Verified")
    CONFIRMED = "confirmed", _("Outcome confirmed")


class Outcome(models.TextChoices):
    QUALIFIES = "qualifies", _("Still qualifies")
    TIERED = "tiered", _("Over income: tiered rent")
    MUST_EXIT = "must_exit", _("Must exit")
    NO_DECLARATION = "no_declaration", _("No declaration")


class RecertCaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))


class RecertCase(models.Model):
    """One household in one campaign."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="cases")
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="recert_cases",
        verbose_name=_("household"),
    )
    lease = models.ForeignKey("households.Lease", models.PROTECT, related_name="+")
    estate = models.ForeignKey("housing.Estate", models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=RecertStatus.choices, default=RecertStatus.AWAITING
    )
    declaration = models.ForeignKey(
        "tenancy.Declaration", models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The computed outcome, with its reasons ([{"code", "outcome", "actual", "limit"}]).
    outcome = models.CharField(
        _("computed outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    rent_multiple = models.DecimalField(
        _("rent multiple"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    # What staff confirmed: the computed outcome, or an exception with its reason.
    confirmed_outcome = models.CharField(
        _("confirmed outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    confirmed_multiple = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    exception_note = models.CharField(_("reason for the exception"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    effective_from = models.DateField(_("new rent from"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("reminders sent"), default=0)

    objects = RecertCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("recertification case")
        verbose_name_plural = _("recertification cases")
        ordering = ["campaign", "household__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="uniq_recert_case_per_campaign"
            )
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self):
        return f"{self.campaign} {self.household}"


register_choices(CampaignStatus, RecertStatus, Outcome)
