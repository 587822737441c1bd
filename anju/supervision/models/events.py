"""What the gateways send: door openings and meter readings, each stored once under
its source id, and the batches they came in. The event tables are append-only (a
database trigger refuses updates) and are read by day windows, so each row carries
its district-local day as a day number (`date.toordinal()`), which both databases
can subtract and index without date functions of their own."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q

from .devices import MeterKind


class IngestKind(models.TextChoices):
    ACCESS = "access", _("Access events")
    METERS = "meters", _("Meter readings")


class IngestChannel(models.TextChoices):
    API = "api", _("API")
    CLI = "cli", _("Command line")
    DEMO = "demo", _("Demo generator")
    UPLOAD = "upload", _("Uploaded on the ingest page")


class IngestBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Batches that wrote to the user's estates (or came from a gateway bound to
        them), and the user's own uploads, whose rows may all have been rejected."""
        estates = estate_q(user, "estates")
        if not estates:  # an empty Q means the whole district
            return self.all()
        if getattr(user, "pk", None) is not None and getattr(user, "estate_ids", None) is None:
            estates |= Q(actor_id=user.pk)
        return self.filter(estates).distinct()


class IngestBatch(models.Model):
    """One posted file or request body: what came in and what became of each row."""

    kind = models.CharField(_("kind"), max_length=8, choices=IngestKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=IngestChannel.choices)
    format = models.CharField(_("format"), max_length=8)  # csv | ndjson
    api_key = models.ForeignKey(
        "core.ApiKey", models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # [{"line": 7, "code": "unknown_unit", "reason": "…", "id": "…"}, …], the first 1,000.
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)
    # The estates whose units the batch wrote to, for scoping the batch list.
    estates = models.ManyToManyField("housing.Estate", blank=True, related_name="+")

    objects = IngestBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("ingest batch")
        verbose_name_plural = _("ingest batches")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class CredentialType(models.TextChoices):
    FACE = "face", _("Face")
    CARD = "card", _("Card")
    FINGERPRINT = "fingerprint", _("Fingerprint")
    PASSWORD = "password", _("Password")
    KEY = "key", _("Key")


class AccessEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "unit__estate"))


class AccessEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    event_id = models.CharField(_("event id"), max_length=64, unique=True)
    # Every index slows the bulk insert, so the foreign keys get none of their own: the
    # composite indexes below lead with unit and device, and households, members and
    # batches are never deleted in practice (PROTECT would scan once if one were).
    device = models.ForeignKey(
        "supervision.Device", models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey("housing.Unit", models.PROTECT, related_name="+", db_index=False)
    # The household living in the unit when the event arrived, and the member whose
    # enrolled credential it was (none: an unregistered credential).
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    member = models.ForeignKey(
        "households.Member", models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    day = models.IntegerField(_("day number"))
    credential = models.CharField(_("credential"), max_length=12, choices=CredentialType.choices)
    person_ref = models.CharField(_("person reference"), max_length=64, blank=True)
    registered = models.BooleanField(_("credential registered in the household"))
    granted = models.BooleanField(_("granted"))
    batch = models.ForeignKey(IngestBatch, models.PROTECT, related_name="+", db_index=False)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        indexes = [
            # A unit's evidence page reads its days; screening scans a window of days
            # (on PostgreSQL a BRIN index on `day` serves the scan, see migration 0002).
            models.Index(fields=["unit", "day"], name="access_unit_day"),
            # A device's last report (the devices page, silent locks) is one index probe.
            models.Index(fields=["device", "occurred_at"], name="access_device_time"),
        ]

    def __str__(self):
        return self.event_id


class MeterReadingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "unit__estate"))


class MeterReading(models.Model):
    """A cumulative register reading. Use is the difference between a meter's
    consecutive readings; a register that goes backwards (a replacement or a fault)
    is never negative use, and is listed for data quality."""

    id = models.BigAutoField(primary_key=True)
    reading_id = models.CharField(_("reading id"), max_length=64, unique=True)
    # No indexes of their own, as for access events: the composite ones cover them.
    meter = models.ForeignKey(
        "supervision.Device", models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey("housing.Unit", models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=12, choices=MeterKind.choices)
    read_at = models.DateTimeField(_("read at"))
    day = models.IntegerField(_("day number"))
    value = models.DecimalField(_("register"), max_digits=14, decimal_places=3)
    batch = models.ForeignKey(IngestBatch, models.PROTECT, related_name="+", db_index=False)

    objects = MeterReadingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        indexes = [
            models.Index(fields=["unit", "day"], name="meter_unit_day"),
            models.Index(fields=["meter", "read_at"], name="meter_meter_time"),
        ]

    def __str__(self):
        return self.reading_id


register_choices(IngestKind, IngestChannel, CredentialType)
