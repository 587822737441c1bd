"""Exit cases (退出): the end of a household's tenancy, for any reason, carried from the
decision through the vacate notice and the moving period (搬迁期) to the move-out
handover and the deposit settlement. A household that stays past its moving period
either pays market rent month by month or is taken to court; the court's steps are
`LegalStep` rows, each with its deadline.

Every case keeps `due_on`, the deadline of the step it waits for, so the dashboard
finds overdue steps with one indexed comparison."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class ExitReason(models.TextChoices):
    VOLUNTARY = "voluntary", _("Voluntary exit")
    LEASE_EXPIRED = "lease_expired", _("Lease expired without renewal")
    RENEWAL_REFUSED = "renewal_refused", _("Renewal refused")
    OTHER_HOUSING = "other_housing", _("Other housing acquired")
    RECERTIFICATION = "recertification", _("No longer qualifies at recertification")
    RECOVERY = "recovery", _("Recovery after a violation case")
    ARREARS = "arrears", _("Rent arrears of 6 months or more")
    FALSE_DECLARATION = "false_declaration", _("False declaration")
    DISSOLVED = "dissolved", _("Death or dissolution of the household")
    REDEVELOPMENT = "redevelopment", _("Authority-initiated move (redevelopment)")


# The legal basis shown on the case and printed on the notice (Order No. 11, 2012).
LEGAL_BASIS = {
    ExitReason.VOLUNTARY: _(
        "The lessee's own request to end the lease early (lease contract; art. 31 for "
        "the moving period)."
    ),
    ExitReason.LEASE_EXPIRED: _(
        "Art. 30: no renewal applied for 3 months before the lease ended; the household "
        "vacates when the lease ends."
    ),
    ExitReason.RENEWAL_REFUSED: _("Art. 31 (1): the household failed review at renewal."),
    ExitReason.OTHER_HOUSING: _(
        "Art. 31 (2) and (3): other housing acquired by purchase, gift or inheritance, or "
        "other subsidised housing rented or bought."
    ),
    ExitReason.RECERTIFICATION: _(
        "Art. 31: the household no longer qualifies at the yearly recertification."
    ),
    ExitReason.RECOVERY: _(
        "Art. 27: the unit is recovered after a confirmed breach; if the lessee refuses, "
        "the authority orders return within a deadline and may apply to the court for "
        "enforcement."
    ),
    ExitReason.ARREARS: _(
        "Art. 29: rent arrears adding up to 6 months or more; if the lessee refuses to "
        "vacate, the owner or operator may sue."
    ),
    ExitReason.FALSE_DECLARATION: _(
        "Art. 35: a unit obtained by deception is returned, with back rent at market price."
    ),
    ExitReason.DISSOLVED: _(
        "The lease ends with the household: its last member has died or the household "
        "has dissolved (lease contract)."
    ),
    ExitReason.REDEVELOPMENT: _(
        "The owner's right to take the unit back for redevelopment or major repair, with "
        "another unit or compensation offered (lease contract)."
    ),
}


class Track(models.TextChoices):
    """What follows an overstay (art. 31): market rent for a household that truly has
    no other housing; the court for one that has, and for recoveries (art. 27), deceit
    (art. 35) and arrears (art. 29)."""

    MARKET_RENT = "market_rent", _("Market rent, billed monthly")
    LITIGATION = "litigation", _("Litigation or enforcement")


# Reasons whose overstay always goes to court, whatever the household's housing.
COURT_REASONS = frozenset(
    {
        ExitReason.RECOVERY,
        ExitReason.FALSE_DECLARATION,
        ExitReason.ARREARS,
        ExitReason.OTHER_HOUSING,
        ExitReason.DISSOLVED,
        ExitReason.REDEVELOPMENT,
    }
)


class ExitChannel(models.TextChoices):
    PORTAL = "portal", _("Tenant portal")
    COUNTER = "counter", _("Counter")
    LISTING = "listing", _("“Must vacate” list")
    VIOLATION = "violation", _("Violation case")
    STAFF = "staff", _("Staff")


class Stage(models.TextChoices):
    OPEN = "open", pgettext_lazy("exit stage", "Awaiting decision")
    DECIDED = "decided", pgettext_lazy("exit stage", "Decided, notice to issue")
    MOVING = "moving", _("Moving period")
    OVERSTAY = "overstay", _("Overstaying, market rent")
    LITIGATION = "litigation", _("Litigation or enforcement")
    HANDED_OVER = "handed_over", _("Handed over, deposit to settle")
    CLOSED = "closed", pgettext_lazy("exit stage", "Closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("exit stage", "Withdrawn")


# The one table of allowed moves; `services.cases` enforces it. A case is withdrawn
# (a decision reversed, the arrears paid) only while the household is still there.
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.OPEN: frozenset({Stage.DECIDED, Stage.WITHDRAWN}),
    Stage.DECIDED: frozenset({Stage.MOVING, Stage.WITHDRAWN}),
    Stage.MOVING: frozenset({Stage.OVERSTAY, Stage.LITIGATION, Stage.HANDED_OVER, Stage.WITHDRAWN}),
    Stage.OVERSTAY: frozenset({Stage.LITIGATION, Stage.HANDED_OVER, Stage.WITHDRAWN}),
    Stage.LITIGATION: frozenset({Stage.HANDED_OVER, Stage.WITHDRAWN}),
    Stage.HANDED_OVER: frozenset({Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
    Stage.WITHDRAWN: frozenset(),
}
# The stages in which the household still lives in the unit.
IN_UNIT = frozenset({Stage.OPEN, Stage.DECIDED, Stage.MOVING, Stage.OVERSTAY, Stage.LITIGATION})
FINISHED = frozenset({Stage.CLOSED, Stage.WITHDRAWN})


class ExitCaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))

    def live(self):
        return self.exclude(stage__in=FINISHED)


class ExitCase(models.Model):
    number = models.CharField(_("case no."), max_length=24, unique=True)
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        related_name="exit_cases",
        verbose_name=_("household"),
    )
    lease = models.ForeignKey(
        "households.Lease", models.PROTECT, related_name="exit_cases", verbose_name=_("lease")
    )
    unit = models.ForeignKey(
        "housing.Unit", models.PROTECT, related_name="exit_cases", verbose_name=_("unit")
    )
    # Kept for scoping and the per-estate report.
    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ExitReason.choices)
    channel = models.CharField(_("opened from"), max_length=10, choices=ExitChannel.choices)
    listing = models.ForeignKey(
        "tenancy.VacateListing",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="exit_cases",
        verbose_name=_("“must vacate” listing"),
    )
    violation = models.ForeignKey(
        "supervision.ViolationCase",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="exit_cases",
        verbose_name=_("violation case"),
    )
    # [[label, value], ...]: facts a reviewer can check, copied from the listing or the
    # violation case that led here, in the order shown.
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    # For a voluntary exit: the day the household would like to hand the keys back.
    requested_move_out = models.DateField(_("wishes to move out on"), null=True, blank=True)
    # Whether the household has other housing (art. 31): decides the overstay track.
    has_other_housing = models.BooleanField(_("has other housing"), default=False)
    track = models.CharField(
        _("after the moving period"), max_length=12, choices=Track.choices, blank=True
    )

    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.OPEN, db_index=True
    )
    # The deadline of the step the case waits for; empty when none (overstaying at
    # market rent, closed).
    due_on = models.DateField(_("next deadline"), null=True, blank=True, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_on = models.DateField(_("opened"), default=timezone.localdate)

    decided_on = models.DateField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.TextField(_("decision and reasons"), blank=True)

    notice_number = models.CharField(_("notice no."), max_length=24, blank=True)
    notice_issued_on = models.DateField(_("vacate notice issued"), null=True, blank=True)
    vacate_by = models.DateField(_("vacate by"), null=True, blank=True)
    notice_document = models.FileField(
        _("vacate notice"), upload_to="exits/notices/%Y/", blank=True
    )
    # The rents the notice states, in yuan a month: the contract rent of the moving
    # period and the market rent of an overstay.
    moving_rent = models.DecimalField(
        _("rent in the moving period"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    market_rent = models.DecimalField(
        _("market rent after it"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    overstay_from = models.DateField(_("overstaying since"), null=True, blank=True)

    handed_over_on = models.DateField(_("keys returned"), null=True, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.CharField(_("reason withdrawn"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ExitCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("exit case")
        verbose_name_plural = _("exit cases")
        ordering = ["-opened_on", "-id"]
        constraints = [
            # One live exit per household: a second reason joins the first case's file.
            models.UniqueConstraint(
                fields=["household"],
                condition=~Q(stage__in=["closed", "withdrawn"]),
                name="uniq_live_exit_per_household",
            ),
        ]
        indexes = [models.Index(fields=["estate", "stage"])]

    def __str__(self):
        return self.number

    @property
    def legal_basis(self) -> str:
        return str(LEGAL_BASIS[ExitReason(self.reason)])

    @property
    def facts(self) -> dict[str, str]:
        return {label: value for label, value in self.evidence}

    @property
    def in_unit(self) -> bool:
        return self.stage in IN_UNIT


class LegalStepKind(models.TextChoices):
    FILED = "filed", _("Suit filed (起诉)")
    ENFORCEMENT_APPLIED = "enforcement_applied", _("Enforcement applied for (申请强制执行)")
    HEARING = "hearing", _("Hearing (开庭)")
    JUDGMENT = "judgment", _("Judgment or ruling (判决/裁定)")
    ENFORCED = "enforced", _("Enforced (执行完毕)")
    OTHER = "other", _("Other step")


class LegalStepQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "case__estate"))


class LegalStep(models.Model):
    """One step of a case in court: filing, a hearing, the judgment, enforcement. Each
    carries the deadline of what must happen next (the hearing's day, the date the
    judgment orders the household out by)."""

    case = models.ForeignKey(
        ExitCase, models.PROTECT, related_name="legal_steps", verbose_name=_("exit case")
    )
    kind = models.CharField(_("step"), max_length=20, choices=LegalStepKind.choices)
    court = models.CharField(_("court"), max_length=100)
    court_case_number = models.CharField(_("court case no."), max_length=60, blank=True)
    on = models.DateField(_("date"))
    due_on = models.DateField(_("next deadline"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    # A judgment's award (occupation fees, costs), billed to the household.
    award = models.DecimalField(
        _("amount awarded (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    document = models.FileField(_("document"), upload_to="exits/court/%Y/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = LegalStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("court step")
        verbose_name_plural = _("court steps")
        ordering = ["case", "on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(award__isnull=True) | Q(award__gte=0), name="legal_award_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.case.number} {self.get_kind_display()} {self.on}"


register_choices(ExitReason, Track, ExitChannel, Stage, LegalStepKind)
