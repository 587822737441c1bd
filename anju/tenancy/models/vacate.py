"""The authority's "must vacate" list (应腾退名单): households that the law says must
leave, each with its legal basis and evidence. The exits issue turns each listing into
an exit case."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class VacateReason(models.TextChoices):
    ARREARS = "arrears", _("Rent arrears of 6 months or more")
    NO_RENEWAL = "no_renewal", _("Lease ended without a renewal application")
    RENEWAL_REFUSED = "renewal_refused", _("Renewal refused")
    RECERTIFICATION = "recertification", _("No longer qualifies at recertification")


# The article of Order No. 11 (2012) each reason rests on.
LEGAL_BASIS = {
    VacateReason.ARREARS: _("Art. 29: rent arrears adding up to 6 months or more."),
    VacateReason.NO_RENEWAL: _(
        "Art. 30: no renewal applied for 3 months before the lease ended; the household "
        "vacates when the lease ends."
    ),
    VacateReason.RENEWAL_REFUSED: _("Art. 31: the household failed review at renewal."),
    VacateReason.RECERTIFICATION: _(
        "Art. 31: the household no longer qualifies (other housing acquired, other "
        "subsidised housing, or income above the highest tier)."
    ),
}


class ListingStatus(models.TextChoices):
    LISTED = "listed", _("Listed")
    EXIT_OPENED = "exit_opened", _("Exit case opened")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VacateListingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "household__estate"))


class VacateListing(models.Model):
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="vacate_listings",
        verbose_name=_("household"),
    )
    lease = models.ForeignKey(
        "households.Lease", models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=VacateReason.choices)
    # [[label, value], ...]: facts a reviewer can check, in the order shown (a list,
    # because PostgreSQL's jsonb does not keep the order of an object's keys).
    evidence = models.JSONField(_("evidence"), default=list)
    listed_on = models.DateField(_("listed on"))
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ListingStatus.choices, default=ListingStatus.LISTED
    )
    withdrawn_reason = models.CharField(_("reason withdrawn"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = VacateListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("“must vacate” listing")
        verbose_name_plural = _("“must vacate” list")
        ordering = ["-listed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "reason"],
                condition=Q(status="listed"),
                name="uniq_open_vacate_listing",
            )
        ]

    def __str__(self):
        return f"{self.household} {self.get_reason_display()}"

    @property
    def facts(self) -> dict[str, str]:
        """The evidence as {label: value}, in its order."""
        return {label: value for label, value in self.evidence}

    @property
    def legal_basis(self) -> str:
        return str(LEGAL_BASIS[VacateReason(self.reason)])


register_choices(VacateReason, ListingStatus)
