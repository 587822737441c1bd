"""Lease amendments (变更): a member joins or leaves, the head changes after a death or
divorce, or the rent tier changes. Requested, then approved or rejected; an approved
amendment is applied to the household and the lease from its date."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class AmendmentKind(models.TextChoices):
    MEMBER_JOINS = "member_joins", _("A member joins")
    MEMBER_LEAVES = "member_leaves", _("A member leaves")
    HEAD_CHANGES = "head_changes", _("The head of household changes")
    RENT_TIER = "rent_tier", _("Change of rent tier")


class AmendmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class LeaseAmendmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "lease__unit__estate"))


class LeaseAmendment(models.Model):
    lease = models.ForeignKey(
        "households.Lease", models.PROTECT, related_name="amendments", verbose_name=_("lease")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AmendmentKind.choices)
    # What changes, by kind: {"member": pk} / {"name", "relation", ...} / {"multiple"}.
    details = models.JSONField(_("details"), default=dict)
    reason = models.CharField(_("reason"), max_length=300)
    effective_from = models.DateField(_("from"))
    document = models.ForeignKey(
        "households.ArchiveDocument",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supporting document"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AmendmentStatus.choices,
        default=AmendmentStatus.PENDING,
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    objects = LeaseAmendmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("lease amendment")
        verbose_name_plural = _("lease amendments")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.lease} {self.get_kind_display()}"


register_choices(AmendmentKind, AmendmentStatus)
