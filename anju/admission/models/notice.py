"""Public notice (公示) of approved households, and the objections lodged against it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import pii
from anju.core.labels import register_choices
from anju.households.models import Category


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("Open for objections")
    CLOSED = "closed", _("Closed")


class PublicNotice(models.Model):
    number = models.CharField(_("notice no."), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=120)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="notice_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.number


class NoticeEntry(models.Model):
    """One household on a notice, as the public sees it: masked, never the full data."""

    notice = models.ForeignKey(
        PublicNotice, models.CASCADE, related_name="entries", verbose_name=_("notice")
    )
    application = models.ForeignKey(
        "admission.Application",
        models.PROTECT,
        related_name="notice_entries",
        verbose_name=_("application"),
    )
    masked_name = models.CharField(_("applicant"), max_length=40)
    masked_id = models.CharField(_("ID number"), max_length=18)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    size = models.PositiveSmallIntegerField(_("household size"))
    community_name = models.CharField(_("community"), max_length=120)

    class Meta:
        verbose_name = _("notice entry")
        verbose_name_plural = _("notice entries")
        ordering = ["notice", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "application"], name="uniq_notice_application"
            ),
        ]

    def __str__(self):
        return f"{self.notice} {self.masked_name}"


class ObjectionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    INVESTIGATING = "investigating", _("Being investigated")
    RESOLVED = "resolved", _("Resolved")


class Finding(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the household is sent back for review")
    DISMISSED = "dismissed", _("Dismissed: the household stays on the notice")


class Objection(models.Model):
    notice = models.ForeignKey(
        PublicNotice, models.PROTECT, related_name="objections", verbose_name=_("notice")
    )
    entry = models.ForeignKey(
        NoticeEntry,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("household objected to"),
    )
    text = models.TextField(_("objection"))
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # The objector's name and phone as they wrote them: encrypted, shown masked; reading
    # it in full is an audited access (objection_contact_reveal).
    contact_enc = models.TextField(blank=True, editable=False)
    contact_masked = models.CharField(_("contact"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=14,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.RECEIVED,
    )
    finding = models.CharField(_("finding"), max_length=10, choices=Finding.choices, blank=True)
    finding_text = models.TextField(_("finding in words"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.notice} #{self.pk}"

    def reveal_contact(self) -> str:
        return pii.decrypt(self.contact_enc) if self.contact_enc else ""


register_choices(NoticeStatus, ObjectionStatus, Finding)
