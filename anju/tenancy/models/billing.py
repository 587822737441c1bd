"""Bills: what a household owes. The monthly bill run writes the rent bills of a month
in one statement; the other kinds are created one at a time by the services of this
and later issues (fines, back rent, damage, paid repairs)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class BillKind(models.TextChoices):
    RENT = "rent", _("Rent")
    DEPOSIT = "deposit", _("Deposit")
    FINE = "fine", _("Fine")
    MARKET_SURCHARGE = "market_surcharge", _("Market-rent surcharge")
    BACK_RENT = "back_rent", _("Back rent")
    DAMAGE = "damage", _("Damage charge")
    REPAIR = "repair", _("Paid repair")
    MOVING = "moving", _("Moving-period rent")
    OVERSTAY = "overstay", _("Overstay at market rent")


class BillStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("bill status", "Open")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class BillRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A run covers the whole district; its bills are scoped one by one.
        return self


class BillRun(models.Model):
    """One run of the monthly bill run, on schedule or on demand."""

    period = models.DateField(_("month"), help_text=_("The first day of the month billed."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created = models.PositiveIntegerField(_("bills created"), default=0)
    job = models.ForeignKey("core.JobRun", models.SET_NULL, null=True, blank=True, related_name="+")

    objects = BillRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("bill run")
        verbose_name_plural = _("bill runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.period:%Y-%m}"


class BillQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))

    def open(self):
        return self.filter(status=BillStatus.OPEN)


class Bill(models.Model):
    household = models.ForeignKey(
        "households.Household", models.PROTECT, related_name="bills", verbose_name=_("household")
    )
    lease = models.ForeignKey(
        "households.Lease",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="bills",
        verbose_name=_("lease"),
    )
    # The estate the bill belongs to, kept for scoping and the reports.
    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BillKind.choices)
    period = models.DateField(
        _("month"), null=True, blank=True, help_text=_("For rent: the first day of the month.")
    )
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    due_on = models.DateField(_("due"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    # The good-conduct rent discount (evaluation) taken off a rent bill's `amount`.
    discount = models.DecimalField(
        _("conduct discount (yuan)"), max_digits=12, decimal_places=2, default=0, db_default=0
    )
    settled = models.DecimalField(_("paid (yuan)"), max_digits=12, decimal_places=2, default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=BillStatus.choices, default=BillStatus.OPEN
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Where a one-off bill comes from ("violation:12", "handover:3"); a service that
    # sends the same key twice gets the first bill back.
    source_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    run = models.ForeignKey(BillRun, models.SET_NULL, null=True, blank=True, related_name="bills")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    cancelled_reason = models.CharField(_("reason cancelled"), max_length=200, blank=True)

    objects = BillQuerySet.as_manager()

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["due_on", "id"]
        constraints = [
            # The bill run's idempotence: one rent bill per lease and month.
            models.UniqueConstraint(
                fields=["lease", "kind", "period"],
                condition=Q(period__isnull=False),
                name="uniq_bill_lease_kind_period",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="bill_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(settled__gte=0) & Q(settled__lte=models.F("amount")),
                name="bill_settled_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "status", "due_on"]),
            models.Index(fields=["estate", "period"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self):
        label = self.get_kind_display()
        return f"{label} {self.period:%Y-%m}" if self.period else f"{label} #{self.pk}"

    @property
    def outstanding(self):
        return self.amount - self.settled


register_choices(BillKind, BillStatus)
