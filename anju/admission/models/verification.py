"""Verification with partner agencies (协查). The authority sends one batch per agency;
the agency answers each request on screen or by uploading a file. The same batches
serve admission now and recertification later: a request names an application or a
household, and its subject person."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import pii
from anju.core.labels import register_choices


class Purpose(models.TextChoices):
    ADMISSION = "admission", _("Admission")
    RECERTIFICATION = "recertification", _("Recertification")


class Question(models.TextChoices):
    """What an agency is asked about a person; each agency function answers one."""

    SUBSISTENCE = "subsistence", _("Subsistence allowance and special hardship")
    HUKOU = "hukou", _("Household registration")
    PROPERTY = "property", _("Registered real estate")
    BUSINESS = "business", _("Registered businesses")
    INSURANCE = "insurance", _("Social-insurance contributions")
    PROVIDENT_FUND = "provident_fund", _("Housing provident fund contributions")
    VEHICLE = "vehicle", _("Registered vehicles")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")


class VerificationBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The authority and the auditor see every batch; an agency only its own."""
        from anju.core.roles import Role
        from anju.core.scoping import DISTRICT_WIDE

        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        roles = user.role_set
        if roles & DISTRICT_WIDE:
            return self.all()
        if Role.PARTNER_AGENCY in roles and user.organisation_id:
            return self.filter(agency_id=user.organisation_id).exclude(status=BatchStatus.DRAFT)
        return self.none()


class VerificationBatch(models.Model):
    number = models.CharField(_("batch no."), max_length=24, unique=True)
    agency = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        related_name="verification_batches",
        limit_choices_to={"kind": "agency"},
        verbose_name=_("agency"),
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    question = models.CharField(_("question"), max_length=16, choices=Question.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    due_on = models.DateField(_("answer by"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = VerificationBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("verification batch")
        verbose_name_plural = _("verification batches")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting answer")
    ANSWERED = "answered", _("Answered")


class VerificationRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(batch__in=VerificationBatch.objects.visible_to(user))


class VerificationRequest(models.Model):
    """One person asked about. `ref` is what the agency's answer file names."""

    batch = models.ForeignKey(
        VerificationBatch, models.CASCADE, related_name="requests", verbose_name=_("batch")
    )
    ref = models.CharField(_("reference"), max_length=24, unique=True)
    application = models.ForeignKey(
        "admission.Application",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="verifications",
        verbose_name=_("application"),
    )
    household = models.ForeignKey(
        "households.Household",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="verifications",
        verbose_name=_("household"),
    )
    name = models.CharField(_("name"), max_length=40)
    # The agency needs the full number to look the person up; it is stored encrypted.
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    # What the household declared on this question, e.g. {"vehicles": 0}.
    declared = models.JSONField(_("declared"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    found = models.BooleanField(_("record found"), null=True)
    value = models.CharField(_("value found"), max_length=100, blank=True)
    detail = models.CharField(_("details"), max_length=300, blank=True)
    mismatch = models.BooleanField(_("differs from the declaration"), default=False)
    mismatch_reason = models.CharField(_("difference"), max_length=300, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = VerificationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        ordering = ["batch", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False) | Q(household__isnull=False),
                name="verification_names_a_subject",
            ),
        ]

    def __str__(self):
        return self.ref

    def reveal_id_number(self) -> str:
        return pii.decrypt(self.id_number_enc)


register_choices(Purpose, Question, BatchStatus, RequestStatus)
