"""The device registry (设备台账): every lock, gate and meter that reports through a
gateway, mapped to its unit (a gate serves a whole estate and has none). A device seen
for the first time is registered from the record that names it and waits for a staff
member to confirm it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class DeviceKind(models.TextChoices):
    LOCK = "lock", _("Door lock")
    GATE = "gate", _("Gate")
    METER = "meter", _("Meter")


class MeterKind(models.TextChoices):
    ELECTRICITY = "electricity", _("Electricity")
    WATER = "water", _("Water")
    GAS = "gas", _("Gas")


class DeviceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))

    def unconfirmed(self):
        return self.filter(confirmed_at__isnull=True, retired_at__isnull=True)


class Device(models.Model):
    code = models.CharField(_("device id"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DeviceKind.choices)
    meter_kind = models.CharField(
        _("meter kind"), max_length=12, choices=MeterKind.choices, blank=True
    )
    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, related_name="devices", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "housing.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("unit"),
    )
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["estate", "code"]

    def __str__(self):
        return self.code


register_choices(DeviceKind, MeterKind)
