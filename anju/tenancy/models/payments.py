"""Money received and paid back. A payment is allocated to the household's oldest open
bills first; what is left over is the household's credit, used by the next bills or
refunded."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import DISTRICT_WIDE, estate_q


class Channel(models.TextChoices):
    CASH = "cash", _("Cash at the counter")
    CARD = "card", _("Card at the counter")
    BANK = "bank", _("Bank transfer")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    # The deposit turned back into the household's money at the end of a tenancy; it
    # settles what is still owed first (押金抵扣). Never offered at the counter.
    DEPOSIT = "deposit", _("Deposit applied")


COUNTER_CHANNELS = (Channel.CASH, Channel.CARD)
STATEMENT_CHANNELS = (Channel.BANK, Channel.WECHAT, Channel.ALIPAY)


class StatementQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A statement is a channel's whole file, across estates: the district-wide
        # roles see every one, anyone else the ones they imported.
        if user.role_set & DISTRICT_WIDE:
            return self
        return self.filter(imported_by=user)


class Statement(models.Model):
    """One payment-channel statement file, as imported, with its report."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    file_name = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    duplicates = models.PositiveIntegerField(_("already imported"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # [{"line": 7, "reason": "…"}] for the rejected rows.
    problems = models.JSONField(_("problems"), default=list, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment statement")
        verbose_name_plural = _("payment statements")
        ordering = ["-imported_at"]

    def __str__(self):
        return self.file_name


class PaymentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))


class Payment(models.Model):
    number = models.CharField(_("receipt no."), max_length=24, unique=True)
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="payments",
        verbose_name=_("household"),
    )
    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The channel's own transaction id; empty for cash and card at the counter.
    txn_id = models.CharField(_("transaction id"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("paid"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    payer = models.CharField(_("payer"), max_length=60, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    statement = models.ForeignKey(
        Statement,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("statement"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at", "-id"]
        constraints = [
            # A statement imported twice is a no-op.
            models.UniqueConstraint(
                fields=["channel", "txn_id"], condition=~Q(txn_id=""), name="uniq_payment_txn"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
        ]
        indexes = [
            models.Index(fields=["household", "paid_at"]),
            models.Index(fields=["estate", "paid_at"]),
        ]

    def __str__(self):
        return self.number


class Allocation(models.Model):
    """The part of a payment that settles one bill."""

    payment = models.ForeignKey(Payment, models.PROTECT, related_name="allocations")
    bill = models.ForeignKey("tenancy.Bill", models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
        ]

    def __str__(self):
        return f"{self.payment_id} → {self.bill_id}: ¥{self.amount}"


class RefundQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "household__estate"))


class Refund(models.Model):
    """Credit paid back to the household."""

    number = models.CharField(_("refund no."), max_length=24, unique=True)
    household = models.ForeignKey(
        "households.Household", models.PROTECT, related_name="refunds", verbose_name=_("household")
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("paid back on"))
    method = models.CharField(_("method"), max_length=8, choices=Channel.choices)
    reason = models.CharField(_("reason"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RefundQuerySet.as_manager()

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-paid_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]

    def __str__(self):
        return self.number


register_choices(Channel)
