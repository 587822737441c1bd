"""Exchanges (调换) and mutual exchanges (互换). A household asks to move with a reason;
the decision shows each eligibility criterion (no valid tenant points, no arrears, a
target within the area standard); a matching vacant unit in its scope of choice is
offered and reserved; the move ends one lease and starts the next on the same day,
with a handover for each unit. A mutual exchange pairs two households whose units fit
each other; both consent, then the owner approves. An authority-initiated transfer
(redevelopment, major repair) is a request the authority makes itself."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class ExchangeKind(models.TextChoices):
    EXCHANGE = "exchange", _("Exchange (调换)")
    MUTUAL = "mutual", _("Mutual exchange (互换)")
    TRANSFER = "transfer", _("Authority-initiated transfer")


class ExchangeReason(models.TextChoices):
    SIZE_CHANGED = "size_changed", _("Household size changed")
    LOWER_FLOOR = "lower_floor", _("Age or disability: a lower floor")
    ACCESSIBLE = "accessible", _("Disability: a barrier-free unit")
    WORK = "work", _("Work")
    SCHOOL = "school", _("School")
    REDEVELOPMENT = "redevelopment", _("Redevelopment")
    MAJOR_REPAIR = "major_repair", _("Major repair")


# The reasons a household may give; the others are the authority's own.
HOUSEHOLD_REASONS = frozenset(
    {
        ExchangeReason.SIZE_CHANGED,
        ExchangeReason.LOWER_FLOOR,
        ExchangeReason.ACCESSIBLE,
        ExchangeReason.WORK,
        ExchangeReason.SCHOOL,
    }
)
# Tenants may swap units with each other for work or schooling, with the owner's consent.
MUTUAL_REASONS = frozenset({ExchangeReason.WORK, ExchangeReason.SCHOOL})
AUTHORITY_REASONS = frozenset({ExchangeReason.REDEVELOPMENT, ExchangeReason.MAJOR_REPAIR})


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", pgettext_lazy("exchange request", "Approved, awaiting a unit")
    OFFERED = "offered", _("Unit offered")
    DONE = "done", pgettext_lazy("exchange request", "Moved")
    REFUSED = "refused", pgettext_lazy("exchange request", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("exchange request", "Withdrawn")


OPEN_REQUEST = frozenset({RequestStatus.SUBMITTED, RequestStatus.APPROVED, RequestStatus.OFFERED})


class ExchangeChannel(models.TextChoices):
    PORTAL = "portal", _("Tenant portal")
    COUNTER = "counter", _("Counter")
    AUTHORITY = "authority", _("The authority")


class ExchangeRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))

    def open(self):
        return self.filter(status__in=OPEN_REQUEST)


class ExchangeRequest(models.Model):
    number = models.CharField(_("request no."), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ExchangeKind.choices)
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="exchange_requests",
        verbose_name=_("household"),
    )
    lease = models.ForeignKey(
        "households.Lease", models.PROTECT, related_name="+", verbose_name=_("lease")
    )
    unit = models.ForeignKey(
        "housing.Unit", models.PROTECT, related_name="+", verbose_name=_("current unit")
    )
    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    reason = models.CharField(_("reason"), max_length=14, choices=ExchangeReason.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=ExchangeChannel.choices)
    note = models.TextField(_("details"), blank=True)
    # The scope of choice: the estates the household would move to (its own when
    # empty), and what the unit must have.
    estates = models.ManyToManyField(
        "housing.Estate", blank=True, related_name="+", verbose_name=_("estates wanted")
    )
    min_rooms = models.PositiveSmallIntegerField(_("rooms at least"), null=True, blank=True)
    max_floor = models.SmallIntegerField(_("floor at most"), null=True, blank=True)
    needs_lift = models.BooleanField(_("needs a lift"), default=False)
    needs_accessible = models.BooleanField(_("needs a barrier-free unit"), default=False)

    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.SUBMITTED,
        db_index=True,
    )
    # [{"code": "points", "passed": true, "detail": "…"}, ...] as decided.
    eligibility = models.JSONField(_("eligibility"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    target_unit = models.ForeignKey(
        "housing.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit offered"),
    )
    offered_on = models.DateField(_("offered"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)

    objects = ExchangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange request")
        verbose_name_plural = _("exchange requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status__in=["submitted", "approved", "offered"]),
                name="uniq_open_exchange_request",
            ),
        ]

    def __str__(self):
        return self.number


class PairStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONSENTED = "consented", _("Both consent, awaiting approval")
    DONE = "done", pgettext_lazy("mutual exchange", "Swapped")
    DECLINED = "declined", _("Declined")


class MutualPairQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Staff of either household's estate see the pair.
        return self.filter(estate_q(user, "first__estate") | estate_q(user, "second__estate"))


class MutualPair(models.Model):
    """Two posted mutual-exchange requests whose units fit each other's household."""

    first = models.ForeignKey(
        ExchangeRequest, models.PROTECT, related_name="pairs_first", verbose_name=_("first")
    )
    second = models.ForeignKey(
        ExchangeRequest, models.PROTECT, related_name="pairs_second", verbose_name=_("second")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PairStatus.choices, default=PairStatus.PROPOSED
    )
    first_consent_at = models.DateTimeField(_("first consented"), null=True, blank=True)
    second_consent_at = models.DateTimeField(_("second consented"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = MutualPairQuerySet.as_manager()

    class Meta:
        verbose_name = _("mutual-exchange pair")
        verbose_name_plural = _("mutual-exchange pairs")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="uniq_mutual_pair"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="pair_ordered"),
        ]

    def __str__(self):
        return f"{self.first} ⇄ {self.second}"


class ExchangeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "from_unit__estate") | estate_q(user, "to_unit__estate"))


class Exchange(models.Model):
    """A household's move from one unit to another: one lease ends and the next starts
    the same day, with a handover for each unit. Points and history stay with the
    household, so they move with it."""

    request = models.ForeignKey(
        ExchangeRequest, models.PROTECT, related_name="exchanges", verbose_name=_("request")
    )
    pair = models.ForeignKey(
        MutualPair, models.PROTECT, null=True, blank=True, related_name="exchanges"
    )
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="exchanges",
        verbose_name=_("household"),
    )
    from_lease = models.OneToOneField(
        "households.Lease", models.PROTECT, related_name="exchange_out", verbose_name=_("old lease")
    )
    to_lease = models.OneToOneField(
        "households.Lease", models.PROTECT, related_name="exchange_in", verbose_name=_("new lease")
    )
    from_unit = models.ForeignKey(
        "housing.Unit", models.PROTECT, related_name="+", verbose_name=_("from unit")
    )
    to_unit = models.ForeignKey(
        "housing.Unit", models.PROTECT, related_name="+", verbose_name=_("to unit")
    )
    on = models.DateField(_("moved on"))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    done_at = models.DateTimeField(default=timezone.now)

    objects = ExchangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-on", "-id"]

    def __str__(self):
        return f"{self.household} {self.from_unit} → {self.to_unit}"


register_choices(ExchangeKind, ExchangeReason, RequestStatus, ExchangeChannel, PairStatus)
