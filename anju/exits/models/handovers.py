"""Handovers (验房 / 交房) after move-in: the move-out handover of an exit, and both
handovers of an exchange (out of one unit, into the next). The move-in handover of a
new tenant belongs to admission (`MoveInHandover`); a move-out compares the unit with
whichever of the two recorded its move-in.

A move-out that ends a tenancy is followed by the deposit settlement: the deposit
held, less damage and whatever is still owed, with rent for days after the keys came
back given back; its statement is a PDF."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class Direction(models.TextChoices):
    IN = "in", _("Move-in")
    OUT = "out", _("Move-out")


class UnitAfter(models.TextChoices):
    VACANT = "vacant", _("Vacant, ready to let")
    UNDER_REPAIR = "under_repair", _("Under repair")


class UnitHandoverQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "unit__estate"))


class UnitHandover(models.Model):
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    household = models.ForeignKey(
        "households.Household", models.PROTECT, related_name="+", verbose_name=_("household")
    )
    lease = models.ForeignKey(
        "households.Lease", models.PROTECT, related_name="handovers", verbose_name=_("lease")
    )
    unit = models.ForeignKey(
        "housing.Unit", models.PROTECT, related_name="handovers", verbose_name=_("unit")
    )
    exit_case = models.OneToOneField(
        "exits.ExitCase",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="handover",
        verbose_name=_("exit case"),
    )
    exchange = models.ForeignKey(
        "exits.Exchange",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="handovers",
        verbose_name=_("exchange"),
    )
    on = models.DateField(_("handed over on"))
    # [{"item": "walls", "ok": true, "note": "", "charge": "0.00"}, ...]: the move-in
    # checklist's items; a move-out may charge for damage on an item not in order.
    checklist = models.JSONField(_("condition checklist"), default=list)
    # {"water": "123.4", "electricity": "5678.9", "gas": "12.0"}
    meter_readings = models.JSONField(_("meter readings"), default=dict)
    keys = models.PositiveSmallIntegerField(_("keys"), default=0)
    cards = models.PositiveSmallIntegerField(_("cards"), default=0)
    photos = models.ManyToManyField(
        "households.ArchiveDocument", blank=True, related_name="+", verbose_name=_("photos")
    )
    credentials_revoked = models.PositiveSmallIntegerField(_("door credentials revoked"), default=0)
    # A move-out: the bills that covered days after the keys came back, cut back to that
    # day ([{"bill": id, "kind": …, "old": "…", "new": "…"}]), and what that took off.
    shortened = models.JSONField(_("bills cut back"), default=list, blank=True)
    rent_returned = models.DecimalField(
        _("rent for days after the keys came back"), max_digits=12, decimal_places=2, default=0
    )
    unit_after = models.CharField(
        _("unit afterwards"), max_length=14, choices=UnitAfter.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("handed over by")
    )
    done_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = UnitHandoverQuerySet.as_manager()

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-on", "-id"]
        constraints = [
            # One move-in and one move-out per lease.
            models.UniqueConstraint(fields=["lease", "direction"], name="uniq_handover_per_lease"),
        ]

    def __str__(self):
        return f"{self.unit} {self.get_direction_display()} {self.on}"

    @property
    def defects(self) -> list[dict]:
        return [row for row in self.checklist if not row.get("ok")]


class SettlementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "case__estate"))


class DepositSettlement(models.Model):
    """The money at the end of a tenancy (押金结算). `lines` keeps the statement as it
    was issued: [{"code": "deposit", "label": …, "amount": "1000.00"}, ...]."""

    case = models.OneToOneField(
        "exits.ExitCase", models.PROTECT, related_name="settlement", verbose_name=_("exit case")
    )
    number = models.CharField(_("statement no."), max_length=24, unique=True)
    deposit_held = models.DecimalField(_("deposit held"), max_digits=12, decimal_places=2)
    damage = models.DecimalField(_("damage charged"), max_digits=12, decimal_places=2)
    rent_returned = models.DecimalField(
        _("rent for days after the keys came back"), max_digits=12, decimal_places=2
    )
    applied = models.DecimalField(_("applied to bills still owed"), max_digits=12, decimal_places=2)
    refunded = models.DecimalField(_("paid back"), max_digits=12, decimal_places=2)
    still_owed = models.DecimalField(_("still owed"), max_digits=12, decimal_places=2)
    lines = models.JSONField(_("statement"), default=list)
    refund = models.ForeignKey(
        "tenancy.Refund", models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.FileField(_("settlement statement"), upload_to="exits/settlements/%Y/")
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    settled_on = models.DateField(_("settled"), default=timezone.localdate)

    objects = SettlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("deposit settlement")
        verbose_name_plural = _("deposit settlements")
        ordering = ["-settled_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit_held__gte=0)
                & Q(damage__gte=0)
                & Q(rent_returned__gte=0)
                & Q(applied__gte=0)
                & Q(refunded__gte=0)
                & Q(still_owed__gte=0),
                name="settlement_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return self.number


register_choices(Direction, UnitAfter)
