"""Arrears: the rule table that recommends the next step, the steps taken, repayment
agreements and holds (a case in court)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class ArrearsAction(models.TextChoices):
    SMS = "sms", _("SMS reminder")
    LETTER_1 = "letter_1", _("First reminder letter")
    LETTER_2 = "letter_2", _("Second reminder letter")
    VISIT = "visit", _("Home visit")
    FINAL_NOTICE = "final_notice", _("Final notice")
    MUST_VACATE = "must_vacate", _("“Must vacate” list")


class ArrearsStep(models.Model):
    """One line of the arrears rule table: once a household owes at least `min_months`
    months of rent and `wait_days` have passed since its previous step, `action` is the
    step recommended. Steps run in `order`; each is taken once per spell of arrears."""

    action = models.CharField(
        _("action"), max_length=16, choices=ArrearsAction.choices, unique=True
    )
    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    min_months = models.PositiveSmallIntegerField(_("months owed at least"))
    wait_days = models.PositiveSmallIntegerField(_("days after the previous step"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("arrears step")
        verbose_name_plural = _("arrears steps")
        ordering = ["order"]

    def __str__(self):
        return self.get_action_display()


class ArrearsNoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "household__estate"))


class ArrearsNotice(models.Model):
    """A step taken against a household in arrears, with what it owed then and why the
    step was chosen. A spell of arrears ends when the household owes nothing overdue;
    `spell` (the date the spell began) groups the steps of one spell."""

    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="arrears_notices",
        verbose_name=_("household"),
    )
    spell = models.DateField(_("arrears since"))
    action = models.CharField(_("action"), max_length=16, choices=ArrearsAction.choices)
    taken_on = models.DateField(_("taken on"))
    months_owed = models.PositiveSmallIntegerField(_("months owed"))
    amount_owed = models.DecimalField(_("amount owed (yuan)"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("why"), max_length=300)
    message = models.ForeignKey(
        "core.Message", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ArrearsNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("arrears step taken")
        verbose_name_plural = _("arrears steps taken")
        ordering = ["-taken_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "spell", "action"], name="uniq_arrears_step_per_spell"
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.taken_on}"


class HoldKind(models.TextChoices):
    COURT = "court", _("Case in court")


class ArrearsHoldQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "household__estate"))

    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(until__isnull=True) | Q(until__gte=on), since__lte=on)


class ArrearsHold(models.Model):
    """While a hold is current, no arrears step is recommended for the household."""

    household = models.ForeignKey(
        "households.Household", models.PROTECT, related_name="arrears_holds"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=HoldKind.choices)
    reference = models.CharField(_("reference"), max_length=120)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ArrearsHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("arrears hold")
        verbose_name_plural = _("arrears holds")
        ordering = ["-since"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference}"


class AgreementStatus(models.TextChoices):
    ACTIVE = "active", _("Being kept")
    COMPLETED = "completed", _("Completed")
    MISSED = "missed", _("Instalment missed")
    CANCELLED = "cancelled", _("Cancelled")


class RepaymentAgreementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "household__estate"))


class RepaymentAgreement(models.Model):
    """The household repays what it owes in instalments. While it keeps to them no
    arrears step is recommended; a missed instalment ends the agreement and the
    arrears steps resume."""

    number = models.CharField(_("agreement no."), max_length=24, unique=True)
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="repayment_agreements",
        verbose_name=_("household"),
    )
    signed_on = models.DateField(_("signed"))
    total = models.DecimalField(_("amount to repay (yuan)"), max_digits=12, decimal_places=2)
    # Payments before this count towards the arrears, not the instalments.
    paid_before = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    missed_on = models.DateField(_("missed on"), null=True, blank=True)
    document = models.ForeignKey(
        "households.ArchiveDocument", models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RepaymentAgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("repayment agreement")
        verbose_name_plural = _("repayment agreements")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="active"),
                name="uniq_active_agreement_per_household",
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="agreement_total_positive"),
        ]

    def __str__(self):
        return self.number


class Instalment(models.Model):
    agreement = models.ForeignKey(RepaymentAgreement, models.CASCADE, related_name="instalments")
    due_on = models.DateField(_("due"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["agreement", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "due_on"], name="uniq_instalment_due"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_positive"),
        ]

    def __str__(self):
        return f"{self.due_on} ¥{self.amount}"


register_choices(ArrearsAction, AgreementStatus, HoldKind)
