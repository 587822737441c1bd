"""Inspections (巡查 / 入户核查): yearly routine plans per estate, tasks (routine, or
raised by a screening flag, a tip or a case), and the visits made on each task. A visit
where no one answers is recorded with its reason; the attempts escalate to an
appointment letter and then to a case for investigation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class InspectionPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))


class InspectionPlan(models.Model):
    """A year's routine visits of one estate, given to one inspector."""

    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("inspector"),
    )
    visits_per_unit = models.PositiveSmallIntegerField(_("visits per unit"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = InspectionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-year", "estate"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "year"], name="uniq_plan_estate_year")
        ]

    def __str__(self):
        return f"{self.estate} {self.year}"


class TaskKind(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    FLAG = "flag", _("Screening flag")
    TIP = "tip", _("Tip")
    CASE = "case", _("Case investigation")


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task", "Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Finding(models.TextChoices):
    NO_ISSUE = "no_issue", _("No issue found")
    VIOLATION = "violation", _("Violation found: case opened")
    UNREACHABLE = "unreachable", _("Unreachable: case opened for investigation")


class InspectionTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))


class InspectionTask(models.Model):
    number = models.CharField(_("task no."), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=TaskKind.choices)
    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "housing.Unit", models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    household = models.ForeignKey(
        "households.Household",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household"),
    )
    plan = models.ForeignKey(
        InspectionPlan, models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    flag = models.ForeignKey(
        "supervision.ScreeningFlag",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    tip = models.ForeignKey(
        "supervision.Tip", models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspector"),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    # Visits where no one answered or entry was refused, in a row.
    failed_attempts = models.PositiveSmallIntegerField(_("unanswered visits"), default=0)
    next_visit_on = models.DateField(_("next visit"), null=True, blank=True)
    appointment_letter = models.FileField(
        _("appointment letter"), upload_to="inspections/letters/%Y/", blank=True
    )
    finding = models.CharField(_("finding"), max_length=12, choices=Finding.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = InspectionTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection task")
        verbose_name_plural = _("inspection tasks")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["status", "estate", "due_on"], name="task_queue"),
            models.Index(fields=["assigned_to", "status", "due_on"], name="task_inspector"),
        ]
        constraints = [
            # A lead is inspected once at a time: a second open task for the same flag
            # or tip is refused by the database, whoever raises it.
            models.UniqueConstraint(
                fields=["flag"], condition=Q(status="open"), name="uniq_open_task_per_flag"
            ),
            models.UniqueConstraint(
                fields=["tip"], condition=Q(status="open"), name="uniq_open_task_per_tip"
            ),
        ]

    def __str__(self):
        return self.number


class VisitOutcome(models.TextChoices):
    COMPLETED = "completed", _("Visited")
    NO_ANSWER = "no_answer", _("No answer")
    REFUSED = "refused", _("Entry refused")
    SIGNS_OF_SUBLET = "signs_of_sublet", _("No answer, signs of subletting")
    ABANDONED = "abandoned", _("No answer, looks abandoned")


class CheckResult(models.TextChoices):
    OK = "ok", _("In order")
    ISSUE = "issue", _("Issue found")
    NOT_SEEN = "not_seen", _("Not checked")


class InspectionVisit(models.Model):
    task = models.ForeignKey(InspectionTask, models.PROTECT, related_name="visits")
    visited_at = models.DateTimeField(_("visited at"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices)
    # {"use": {"result": "ok", "note": ""}, "condition": …, "alterations": …, "safety": …}
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    follow_ups = models.JSONField(_("follow-up actions"), default=list, blank=True)
    signature = models.FileField(_("signature"), upload_to="inspections/signatures/%Y/", blank=True)
    signature_refused = models.BooleanField(_("refused to sign"), default=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("inspection visit")
        verbose_name_plural = _("inspection visits")
        ordering = ["visited_at", "id"]

    def __str__(self):
        return f"{self.task} {self.visited_at:%Y-%m-%d}"


class PresentPerson(models.Model):
    """Someone found in the unit; a registered member when the ID number matches."""

    visit = models.ForeignKey(InspectionVisit, models.CASCADE, related_name="people")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=40)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    member = models.ForeignKey(
        "households.Member", models.PROTECT, null=True, blank=True, related_name="+"
    )
    id_sighted = models.BooleanField(_("identity document sighted"), default=False)
    says = models.CharField(_("says they are"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("person present")
        verbose_name_plural = _("people present")

    def __str__(self):
        return self.name

    @property
    def registered(self) -> bool:
        return self.member_id is not None


class VisitPhoto(models.Model):
    visit = models.ForeignKey(InspectionVisit, models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to="inspections/photos/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self):
        return self.caption or self.file.name


register_choices(TaskKind, TaskStatus, Finding, VisitOutcome, CheckResult)
