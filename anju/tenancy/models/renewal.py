"""Renewal (art. 30): the household applies in the window before its lease ends; the
authority decides, with the pre-check against the rules in force."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q

from .declarations import EntryChannel


class RenewalStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", pgettext_lazy("renewal", "Approved")
    REFUSED = "refused", pgettext_lazy("renewal", "Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RenewalQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "lease__unit__estate"))


class Renewal(models.Model):
    lease = models.ForeignKey(
        "households.Lease", models.PROTECT, related_name="renewals", verbose_name=_("lease")
    )
    household = models.ForeignKey(
        "households.Household", models.PROTECT, related_name="renewals", verbose_name=_("household")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=EntryChannel.choices)
    declaration = models.ForeignKey(
        "tenancy.Declaration", models.PROTECT, related_name="+", verbose_name=_("declaration")
    )
    applied_at = models.DateTimeField(_("applied"), default=timezone.now)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    # The pre-check at the time of applying: [{"code", "outcome", "actual", "limit"}].
    verdicts = models.JSONField(_("pre-check"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=RenewalStatus.choices, default=RenewalStatus.APPLIED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)
    new_lease = models.OneToOneField(
        "households.Lease",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new lease"),
    )

    objects = RenewalQuerySet.as_manager()

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ["-applied_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lease"],
                condition=Q(status__in=["applied", "approved"]),
                name="uniq_live_renewal_per_lease",
            )
        ]

    def __str__(self):
        return f"{self.lease} {self.get_status_display()}"


register_choices(RenewalStatus)
