"""Allocation rounds (配租批次), the lottery (摇号) and unit selection (选房).

A round offers a set of units to a set of entrants drawn from the waiting list. Before
the draw the authority publishes the entrants and a commitment to the seed; the draw
reveals the seed, and `anju.admission.lottery` turns seed and entrants into the order.
Every draw is kept, a re-draw with its reason, so nothing is hidden."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q, sees_whole_district


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Being prepared")
    CLOSED = "closed", _("Entrants closed, seed committed")
    DRAWN = "drawn", _("Drawn")
    PUBLISHED = "published", _("Results published")
    COMPLETED = "completed", _("Selection finished")


ROUND_TRANSITIONS: dict[str, frozenset[str]] = {
    RoundStatus.OPEN: frozenset({RoundStatus.CLOSED}),
    # Changing the entrants after closing means re-opening, which voids the commitment.
    RoundStatus.CLOSED: frozenset({RoundStatus.DRAWN, RoundStatus.OPEN}),
    RoundStatus.DRAWN: frozenset({RoundStatus.PUBLISHED, RoundStatus.DRAWN}),
    RoundStatus.PUBLISHED: frozenset({RoundStatus.COMPLETED}),
    RoundStatus.COMPLETED: frozenset(),
}


class AllocationRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The rounds offering a unit in an estate the user sees; all, district-wide."""
        if sees_whole_district(user):
            return self.all()
        offered = RoundUnit.objects.filter(round=models.OuterRef("pk")).filter(
            estate_q(user, "unit__estate")
        )
        return self.filter(models.Exists(offered))


class AllocationRound(models.Model):
    number = models.CharField(_("round no."), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=120)
    ruleset = models.ForeignKey(
        "admission.RuleSet", models.PROTECT, related_name="rounds", verbose_name=_("rules")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    # Published when the round closes: sha256 of the sorted entrant list, and sha256 of
    # the seed. The seed itself stays secret until the draw.
    entrants_hash = models.CharField(_("hash of the entrant list"), max_length=64, blank=True)
    seed_commitment = models.CharField(_("seed commitment"), max_length=64, blank=True)
    sealed_seed = models.CharField(max_length=64, blank=True, editable=False)
    selection_ends_on = models.DateField(_("selection closes"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = AllocationRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation round")
        verbose_name_plural = _("allocation rounds")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number


class RoundUnit(models.Model):
    round = models.ForeignKey(
        AllocationRound, models.CASCADE, related_name="round_units", verbose_name=_("round")
    )
    unit = models.ForeignKey(
        "housing.Unit", models.PROTECT, related_name="round_offers", verbose_name=_("unit")
    )

    class Meta:
        verbose_name = _("unit offered")
        verbose_name_plural = _("units offered")
        ordering = ["round", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="uniq_round_unit"),
        ]

    def __str__(self):
        return f"{self.round} {self.unit}"


class EntrantStatus(models.TextChoices):
    WAITING_TURN = "waiting_turn", _("Waiting for their turn")
    CHOSE = "chose", _("Chose a unit")
    REFUSED = "refused", _("Refused")
    NO_UNIT = "no_unit", _("No suitable unit left")


class RoundEntrant(models.Model):
    round = models.ForeignKey(
        AllocationRound, models.CASCADE, related_name="entrants", verbose_name=_("round")
    )
    waiting_entry = models.ForeignKey(
        "admission.WaitingEntry",
        models.PROTECT,
        related_name="round_entries",
        verbose_name=_("waiting-list entry"),
    )
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="round_entries",
        verbose_name=_("household"),
    )
    # What the lottery and the matching need, frozen when the round closes.
    ticket = models.CharField(_("ticket"), max_length=24)
    tier = models.PositiveSmallIntegerField(_("priority tier"))
    size = models.PositiveSmallIntegerField(_("household size"))
    needs_accessible = models.BooleanField(_("needs a barrier-free unit"), default=False)
    max_area = models.DecimalField(
        _("largest area allowed (m²)"), max_digits=7, decimal_places=2, null=True
    )
    draw_position = models.PositiveIntegerField(_("position in the draw"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order of choosing"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=14,
        choices=EntrantStatus.choices,
        default=EntrantStatus.WAITING_TURN,
    )

    class Meta:
        verbose_name = _("round entrant")
        verbose_name_plural = _("round entrants")
        ordering = ["round", "order", "ticket"]
        constraints = [
            models.UniqueConstraint(fields=["round", "household"], name="uniq_round_household"),
            models.UniqueConstraint(fields=["round", "ticket"], name="uniq_round_ticket"),
        ]

    def __str__(self):
        return f"{self.round} {self.ticket}"


class Draw(models.Model):
    """One draw of a round. A re-draw adds a row with its reason and marks the earlier
    one superseded; both stay public."""

    round = models.ForeignKey(
        AllocationRound, models.PROTECT, related_name="draws", verbose_name=_("round")
    )
    seq = models.PositiveSmallIntegerField(_("draw no."))
    seed = models.CharField(_("seed"), max_length=64)
    seed_commitment = models.CharField(_("seed commitment"), max_length=64)
    algorithm = models.CharField(_("algorithm version"), max_length=32)
    entrants_hash = models.CharField(_("hash of the entrant list"), max_length=64)
    entrant_count = models.PositiveIntegerField(_("entrants"))
    reason = models.CharField(_("reason for re-drawing"), max_length=300, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("drawn by")
    )
    drawn_at = models.DateTimeField(_("drawn"), default=timezone.now)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        ordering = ["round", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["round", "seq"], name="uniq_draw_seq"),
        ]

    def __str__(self):
        return f"{self.round} #{self.seq}"


class SelectionStatus(models.TextChoices):
    HELD = "held", _("Chosen, lease to sign")
    SIGNED = "signed", _("Lease signed")
    MOVED_IN = "moved_in", _("Moved in")
    CANCELLED = "cancelled", _("Cancelled")


class SelectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "unit__estate"))


class Selection(models.Model):
    """A household's choice of a unit. The database allows one live selection per unit
    and one per household, so two clerks can never hand out the same unit."""

    round = models.ForeignKey(
        AllocationRound, models.PROTECT, related_name="selections", verbose_name=_("round")
    )
    entrant = models.ForeignKey(
        RoundEntrant, models.PROTECT, related_name="selections", verbose_name=_("entrant")
    )
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="selections",
        verbose_name=_("household"),
    )
    unit = models.ForeignKey(
        "housing.Unit", models.PROTECT, related_name="selections", verbose_name=_("unit")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SelectionStatus.choices, default=SelectionStatus.HELD
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    chosen_at = models.DateTimeField(_("chosen"), default=timezone.now)

    objects = SelectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit selection")
        verbose_name_plural = _("unit selections")
        ordering = ["round", "chosen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status__in=["held", "signed"]),
                name="one_live_selection_per_unit",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status__in=["held", "signed"]),
                name="one_live_selection_per_household",
            ),
        ]

    def __str__(self):
        return f"{self.household} → {self.unit}"


class Refusal(models.Model):
    entrant = models.ForeignKey(
        RoundEntrant, models.PROTECT, related_name="refusals", verbose_name=_("entrant")
    )
    reason = models.CharField(_("reason"), max_length=300)
    valid = models.BooleanField(_("valid reason"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("offer refusal")
        verbose_name_plural = _("offer refusals")
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.entrant}: {self.reason}"


class LeaseOfferQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "selection__unit__estate"))


class LeaseOffer(models.Model):
    """The lease a selection leads to: its terms, computed from the rules, the contract
    PDF, and the signed scan. The lease itself starts at the move-in handover."""

    selection = models.OneToOneField(
        Selection, models.PROTECT, related_name="offer", verbose_name=_("selection")
    )
    number = models.CharField(_("lease no."), max_length=48, unique=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=7, decimal_places=2)
    price_per_m2 = models.DecimalField(
        _("rent standard (yuan per m² per month)"), max_digits=6, decimal_places=2
    )
    relief_tier = models.DecimalField(_("rent relief tier"), max_digits=4, decimal_places=2)
    monthly_rent = models.DecimalField(_("monthly rent (yuan)"), max_digits=10, decimal_places=2)
    contract = models.FileField(_("contract"), upload_to="contracts/%Y/", blank=True)
    signed_scan = models.ForeignKey(
        "households.ArchiveDocument",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed contract"),
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    lease = models.OneToOneField(
        "households.Lease",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="offer",
        verbose_name=_("lease"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = LeaseOfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("lease offer")
        verbose_name_plural = _("lease offers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="offer_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.number


class MoveInHandover(models.Model):
    """The keys change hands: the unit's condition, the meter readings, what was handed
    over and which door credentials were enrolled."""

    offer = models.OneToOneField(
        LeaseOffer, models.PROTECT, related_name="handover", verbose_name=_("lease offer")
    )
    # [{"item": "walls", "ok": true, "note": ""}, ...]
    checklist = models.JSONField(_("condition checklist"), default=list)
    # {"water": "123.4", "electricity": "5678.9", "gas": "12.0"}
    meter_readings = models.JSONField(_("meter readings"), default=dict)
    keys = models.PositiveSmallIntegerField(_("keys handed over"), default=0)
    cards = models.PositiveSmallIntegerField(_("cards handed over"), default=0)
    photos = models.ManyToManyField(
        "households.ArchiveDocument", blank=True, related_name="+", verbose_name=_("photos")
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("handed over by")
    )
    done_at = models.DateTimeField(_("handed over"), default=timezone.now)

    class Meta:
        verbose_name = _("move-in handover")
        verbose_name_plural = _("move-in handovers")

    def __str__(self):
        return str(self.offer)


register_choices(RoundStatus, EntrantStatus, SelectionStatus)
