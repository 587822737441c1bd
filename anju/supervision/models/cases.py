"""Violation cases (违规案件): opened with evidence, a rectification order or notice,
the tenant's statement, an authority officer's decision, and an outcome (rectified,
a penalty, or recovery of the unit, which the exits issue carries out)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class CaseType(models.TextChoices):
    SUBLET = "sublet", _("Sublet or lent (转租转借)")
    CHANGE_OF_USE = "change_of_use", _("Change of use")
    DAMAGE = "damage", _("Damage or unauthorised alteration")
    ILLEGAL_ACTIVITY = "illegal_activity", _("Illegal activity")
    IDLE = "idle", _("Left idle 6 months or more")
    ARREARS = "arrears", _("Rent arrears 6 months or more")
    FALSE_DECLARATION = "false_declaration", _("False declaration")
    MINOR = "minor", _("Minor misconduct (tenant points)")


# The article of Order No. 11 (2012), or the points scheme, each type rests on.
LEGAL_BASIS = {
    CaseType.SUBLET: _("Art. 27 (1): lent, sublet or swapped without permission; art. 36."),
    CaseType.CHANGE_OF_USE: _("Art. 27 (2): used for another purpose; art. 36."),
    CaseType.DAMAGE: _("Art. 27 (3): damaged or altered without permission; art. 36."),
    CaseType.ILLEGAL_ACTIVITY: _("Art. 27 (4): used for illegal activities; art. 36."),
    CaseType.IDLE: _("Art. 27 (5): left idle 6 consecutive months without good reason; art. 36."),
    CaseType.ARREARS: _("Art. 29: rent arrears adding up to 6 months or more."),
    CaseType.FALSE_DECLARATION: _("Art. 35: concealment, false documents or deception."),
    CaseType.MINOR: _("The district's tenant points scheme (after the Hong Kong marking scheme)."),
}

# The types under art. 27, which art. 36 penalises (back rent, fine, 5-year ban).
ARTICLE_27 = frozenset(
    {
        CaseType.SUBLET,
        CaseType.CHANGE_OF_USE,
        CaseType.DAMAGE,
        CaseType.ILLEGAL_ACTIVITY,
        CaseType.IDLE,
    }
)


class CaseSource(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    TIP = "tip", _("Tip")
    FLAG = "flag", _("Screening flag")
    RECERTIFICATION = "recertification", _("Recertification")
    STAFF = "staff", _("Staff")


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("case status", "Open")
    NOTICE_ISSUED = "notice_issued", _("Notice issued")
    STATEMENT = "statement", _("Statement received")
    DECIDED = "decided", pgettext_lazy("case status", "Decided")
    CLOSED = "closed", _("Closed")


# The one table of allowed moves. The tenant may stay silent: the officer may decide
# once the notice's deadline has passed, with or without a statement. A decision may be
# corrected (decided → decided) until the case is closed; a case opened in error is
# closed (withdrawn) before any decision, with the reason.
TRANSITIONS = {
    CaseStatus.OPEN: {CaseStatus.NOTICE_ISSUED, CaseStatus.CLOSED},
    CaseStatus.NOTICE_ISSUED: {CaseStatus.STATEMENT, CaseStatus.DECIDED, CaseStatus.CLOSED},
    CaseStatus.STATEMENT: {CaseStatus.DECIDED, CaseStatus.CLOSED},
    CaseStatus.DECIDED: {CaseStatus.DECIDED, CaseStatus.CLOSED},
    CaseStatus.CLOSED: set(),
}


class NoticeKind(models.TextChoices):
    RECTIFICATION = "rectification", _("Rectification order (整改通知书)")
    NOTICE = "notice", _("Notice of violation (违规告知书)")


class CaseOutcome(models.TextChoices):
    RECTIFIED = "rectified", _("Rectified and closed")
    PENALTY = "penalty", _("Penalty")
    RECOVERY = "recovery", _("Recovery of the unit")


class ViolationCaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))

    def open(self):
        return self.exclude(status=CaseStatus.CLOSED)


class ViolationCase(models.Model):
    number = models.CharField(_("case no."), max_length=24, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=CaseType.choices)
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="violation_cases",
        verbose_name=_("household"),
    )
    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "housing.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    status = models.CharField(
        _("status"), max_length=14, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    source = models.CharField(_("opened from"), max_length=16, choices=CaseSource.choices)
    inspection = models.ForeignKey(
        "supervision.InspectionTask", models.PROTECT, null=True, blank=True, related_name="cases"
    )
    tip = models.ForeignKey(
        "supervision.Tip", models.PROTECT, null=True, blank=True, related_name="cases"
    )
    flag = models.ForeignKey(
        "supervision.ScreeningFlag", models.PROTECT, null=True, blank=True, related_name="cases"
    )
    # [[label, value], ...]: facts a reviewer can check, in the order shown.
    evidence = models.JSONField(_("evidence"), default=list)
    summary = models.TextField(_("summary"))
    breach_began_on = models.DateField(_("breach began"), null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)

    notice_kind = models.CharField(
        _("notice"), max_length=14, choices=NoticeKind.choices, blank=True
    )
    notice_issued_on = models.DateField(_("notice issued"), null=True, blank=True)
    respond_by = models.DateField(_("statement or rectification due"), null=True, blank=True)
    notice_document = models.FileField(_("notice"), upload_to="cases/notices/%Y/", blank=True)

    statement = models.TextField(_("tenant's statement"), blank=True)
    statement_received_on = models.DateField(_("statement received"), null=True, blank=True)
    statement_document = models.FileField(
        _("statement document"), upload_to="cases/statements/%Y/", blank=True
    )

    outcome = models.CharField(_("outcome"), max_length=10, choices=CaseOutcome.choices, blank=True)
    decision = models.TextField(_("decision and reasons"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    illegal_income = models.DecimalField(
        _("illegal income (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    back_rent = models.DecimalField(
        _("back rent at market price (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    fine = models.DecimalField(_("fine (yuan)"), max_digits=12, decimal_places=2, default=0)
    # How the penalty was computed, line by line, for the decision page and the notice.
    penalty_workings = models.JSONField(_("penalty workings"), default=list, blank=True)
    # Recovery (art. 27 / 29 / 35): the day the household was handed to the exits issue,
    # which turns it into an exit case. Empty for every other outcome.
    exit_handoff_on = models.DateField(_("handed to exits for recovery"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_reason = models.CharField(_("reason closed"), max_length=300, blank=True)

    objects = ViolationCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("violation case")
        verbose_name_plural = _("violation cases")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fine__gte=0) & Q(back_rent__gte=0), name="case_penalty_not_negative"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def legal_basis(self):
        return LEGAL_BASIS[CaseType(self.type)]


register_choices(CaseType, CaseSource, CaseStatus, NoticeKind, CaseOutcome)
