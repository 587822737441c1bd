"""Tips (举报): from the public page (anonymous allowed), the portal, or staff. Staff
triage each into an inspection task or close it with a reason; a tipster who left a
contact follows it by its tracking code."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q, sees_whole_district


class TipCategory(models.TextChoices):
    SUBLET = "sublet", _("Sublet or lent")
    IDLE = "idle", _("Left empty")
    OVERCROWDING = "overcrowding", _("Overcrowding or group renting")
    CHANGE_OF_USE = "change_of_use", _("Used for another purpose")
    DAMAGE = "damage", _("Damage or alteration")
    ILLEGAL_ACTIVITY = "illegal_activity", _("Illegal activity")
    OTHER = "other", _("Other")


class TipSource(models.TextChoices):
    PUBLIC = "public", _("Public page")
    PORTAL = "portal", _("Tenant portal")
    STAFF = "staff", _("Staff entry")


class TipStatus(models.TextChoices):
    NEW = "new", _("Received")
    INSPECTING = "inspecting", _("Being inspected")
    CLOSED = "closed", _("Closed")


class TipQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A tip that names no estate is the authority's to place.
        if sees_whole_district(user):
            return self.all()
        return self.filter(Q(estate__isnull=False) & estate_q(user, "estate"))


class Tip(models.Model):
    number = models.CharField(_("tip no."), max_length=24, unique=True)
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    source = models.CharField(_("source"), max_length=8, choices=TipSource.choices)
    category = models.CharField(_("category"), max_length=20, choices=TipCategory.choices)
    estate = models.ForeignKey(
        "housing.Estate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("estate"),
    )
    unit = models.ForeignKey(
        "housing.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    place = models.CharField(_("place"), max_length=200)
    text = models.TextField(_("what was seen"))
    anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=40, blank=True)
    contact_enc = models.TextField(blank=True, editable=False)  # protected phone
    contact_masked = models.CharField(_("contact phone"), max_length=16, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=12, choices=TipStatus.choices, default=TipStatus.NEW
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    closed_reason = models.CharField(_("reason closed"), max_length=300, blank=True)

    objects = TipQuerySet.as_manager()

    class Meta:
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"], name="tip_queue")]

    def __str__(self):
        return self.number


class TipPhoto(models.Model):
    tip = models.ForeignKey(Tip, models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to="tips/%Y/%m/")

    class Meta:
        verbose_name = _("tip photo")
        verbose_name_plural = _("tip photos")

    def __str__(self):
        return self.file.name


register_choices(TipCategory, TipSource, TipStatus)
