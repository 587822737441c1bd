"""Work orders (报修工单): a repair or service request to the estate's property company,
from the portal, the phone, the counter, an inspection or a move-out handover.

The workflow is one table (`TRANSITIONS`) that the services enforce. The two deadlines
are computed when the order is reported (or reopened) from the deadline table; while
an order is deferred its clock stands still, and the deadlines move on by the time it
was paused when it resumes. `escalation` says how far up an overdue order has gone:
the property company's managers, then the operator."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q

from .classes import RepairClass, SlaUnit, Urgency


class WorkOrderChannel(models.TextChoices):
    PORTAL = "portal", _("Tenant portal")
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("Counter")
    INSPECTION = "inspection", _("Inspection")
    HANDOVER = "handover", _("Move-out handover")


class WorkOrderStatus(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("work order", "Reported")
    ASSIGNED = "assigned", pgettext_lazy("work order", "Assigned")
    IN_PROGRESS = "in_progress", pgettext_lazy("work order", "In progress")
    DEFERRED = "deferred", pgettext_lazy("work order", "Deferred")
    DONE = "done", pgettext_lazy("work order", "Done, awaiting confirmation")
    CLOSED = "closed", pgettext_lazy("work order", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("work order", "Cancelled")


S = WorkOrderStatus
# The allowed moves; every service that changes `status` checks this table first.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REPORTED: frozenset({S.ASSIGNED, S.DEFERRED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.DEFERRED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.DONE, S.DEFERRED, S.ASSIGNED}),
    # A deferred order goes back to where it was when its date comes (or earlier).
    S.DEFERRED: frozenset({S.REPORTED, S.ASSIGNED, S.IN_PROGRESS, S.CANCELLED}),
    # Confirmed by the tenant, closed on its own after the quiet days, or reopened.
    S.DONE: frozenset({S.CLOSED, S.ASSIGNED}),
    S.CLOSED: frozenset({S.ASSIGNED}),  # reopened within the reopen window
    S.CANCELLED: frozenset(),
}
OPEN_STATUSES = frozenset({S.REPORTED, S.ASSIGNED, S.IN_PROGRESS, S.DEFERRED})
# Statuses in which the response and completion clocks run.
CLOCK_RUNS = frozenset({S.REPORTED, S.ASSIGNED, S.IN_PROGRESS})


class Escalation(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    MANAGER = 1, _("Escalated to the property company's managers")
    OPERATOR = 2, _("Escalated to the operator")


class WorkOrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        """Orders whose running clock has passed a deadline: not responded to by the
        response deadline, or not done by the completion deadline."""
        now = now or timezone.now()
        return self.filter(status__in=CLOCK_RUNS).filter(
            Q(responded_at__isnull=True, respond_by__lt=now) | Q(complete_by__lt=now)
        )


class WorkOrder(models.Model):
    number = models.CharField(_("work order no."), max_length=24, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=WorkOrderChannel.choices)
    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, related_name="work_orders", verbose_name=_("estate")
    )
    # A repair inside a home names the unit and its household; one in a public area
    # names the building or only the estate, and `place` says where.
    unit = models.ForeignKey(
        "housing.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("unit"),
    )
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("household"),
    )
    place = models.CharField(_("where"), max_length=200, blank=True)
    repair_class = models.ForeignKey(
        RepairClass, models.PROTECT, related_name="work_orders", verbose_name=_("classification")
    )
    description = models.TextField(_("description"))
    emergency = models.BooleanField(_("emergency"), default=False)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    # Who reported it: the tenant's account, or the staff member who took the call;
    # the contact is the person to call back (kept like a member's phone).
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(_("contact"), max_length=40, blank=True)
    contact_enc = models.TextField(blank=True, editable=False)
    contact_masked = models.CharField(_("contact phone"), max_length=16, blank=True)
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    # Raised by an inspection or a move-out handover.
    inspection = models.ForeignKey(
        "supervision.InspectionTask",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("inspection"),
    )
    handover = models.ForeignKey(
        "exits.UnitHandover",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("handover"),
    )

    status = models.CharField(
        _("status"), max_length=12, choices=WorkOrderStatus.choices, default=S.REPORTED
    )
    property_company = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        related_name="work_orders",
        verbose_name=_("property company"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders_assigned",
        verbose_name=_("repairer"),
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    # The clock: deadlines from the table, the first response (assignment), pauses.
    respond_by = models.DateTimeField(_("respond by"))
    complete_by = models.DateTimeField(_("complete by"))
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    sla_rule = models.ForeignKey(
        "helpdesk.SlaRule", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The units the deadlines were counted in, kept with the order: a pause moves a
    # deadline in the same unit, even after the table changes.
    respond_unit = models.CharField(max_length=12, choices=SlaUnit.choices)
    complete_unit = models.CharField(max_length=12, choices=SlaUnit.choices)
    deferred_at = models.DateTimeField(_("deferred"), null=True, blank=True)
    defer_until = models.DateField(_("deferred until"), null=True, blank=True)
    defer_reason = models.CharField(_("reason deferred"), max_length=300, blank=True)
    resume_status = models.CharField(max_length=12, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    escalation = models.PositiveSmallIntegerField(
        _("escalation"), choices=Escalation.choices, default=Escalation.NONE
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_note = models.TextField(_("work done"), blank=True)
    # [[material, quantity, unit], ...] as the repairer wrote them.
    materials = models.JSONField(_("materials used"), default=list, blank=True)
    charge = models.DecimalField(
        _("charge to the tenant"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    bill = models.ForeignKey(
        "tenancy.Bill", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the tenant said: 1 to 5 stars; a done order nobody rates closes by itself.
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_automatically = models.BooleanField(_("closed without a rating"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    cancelled_reason = models.CharField(_("reason cancelled"), max_length=300, blank=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["status", "complete_by"], name="workorder_clock"),
            models.Index(fields=["estate", "reported_at"], name="workorder_estate"),
            models.Index(fields=["assigned_to", "status"], name="workorder_repairer"),
            models.Index(fields=["property_company", "reported_at"], name="workorder_company"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="workorder_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(charge__isnull=True) | Q(charge__gt=0),
                name="workorder_charge_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "in_progress"]) | Q(assigned_to__isnull=False),
                name="workorder_assigned_has_repairer",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        if self.status not in CLOCK_RUNS:
            return False
        late_response = self.responded_at is None and self.respond_by < now
        return late_response or self.complete_by < now


class PhotoStage(models.TextChoices):
    REPORTED = "reported", _("As reported")
    DONE = "done", _("After the repair")


class WorkOrderPhoto(models.Model):
    order = models.ForeignKey(WorkOrder, models.CASCADE, related_name="photos")
    stage = models.CharField(_("stage"), max_length=10, choices=PhotoStage.choices)
    file = models.FileField(_("photo"), upload_to="workorders/%Y/%m/")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")
        ordering = ["id"]

    def __str__(self):
        return self.file.name


class StepKind(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("work order step", "Reported")
    ASSIGNED = "assigned", pgettext_lazy("work order step", "Assigned")
    STARTED = "started", pgettext_lazy("work order step", "Work started")
    DEFERRED = "deferred", pgettext_lazy("work order step", "Deferred")
    RESUMED = "resumed", pgettext_lazy("work order step", "Resumed")
    DONE = "done", pgettext_lazy("work order step", "Work done")
    CONFIRMED = "confirmed", pgettext_lazy("work order step", "Confirmed by the tenant")
    CLOSED = "closed", pgettext_lazy("work order step", "Closed without a rating")
    REOPENED = "reopened", pgettext_lazy("work order step", "Reopened")
    CANCELLED = "cancelled", pgettext_lazy("work order step", "Cancelled")
    URGENCY = "urgency", pgettext_lazy("work order step", "Urgency changed")
    ESCALATED = "escalated", pgettext_lazy("work order step", "Escalated")
    BILLED = "billed", pgettext_lazy("work order step", "Charge billed")
    CHECKED = "checked", pgettext_lazy("work order step", "Quality checked")


class WorkOrderStep(models.Model):
    """The order's trail, shown to the tenant as it happens: who did what, when, and
    the deadline that followed."""

    order = models.ForeignKey(WorkOrder, models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=10, choices=StepKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("work order step")
        verbose_name_plural = _("work order steps")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="workorderstep_order")]

    def __str__(self):
        return f"{self.order_id} {self.kind}"


class CheckResult(models.TextChoices):
    PASSED = "passed", pgettext_lazy("quality check", "Passed")
    FAILED = "failed", pgettext_lazy("quality check", "Failed")


class CheckMethod(models.TextChoices):
    PHONE = "phone", _("Call to the tenant")
    VISIT = "visit", _("Visit on site")


class QualityCheck(models.Model):
    """Staff check a sample of finished orders: who, when, how and what they found."""

    order = models.ForeignKey(WorkOrder, models.CASCADE, related_name="quality_checks")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    method = models.CharField(_("method"), max_length=8, choices=CheckMethod.choices)
    result = models.CharField(_("result"), max_length=8, choices=CheckResult.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")
        ordering = ["-checked_at", "-id"]

    def __str__(self):
        return f"{self.order_id} {self.result}"


register_choices(WorkOrderChannel, WorkOrderStatus, PhotoStage, StepKind, CheckResult, CheckMethod)
