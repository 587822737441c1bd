"""Screening (异常筛查): runs over a window of days, the flags each run raised, and the
authority's own values for the thresholds (the defaults and their reasons are in
`anju.supervision.thresholds`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class ThresholdValue(models.Model):
    """The authority's value for one threshold, replacing the default in code."""

    key = models.CharField(_("threshold"), max_length=48, unique=True)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=3)
    source = models.CharField(_("source document"), max_length=200, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("threshold")
        verbose_name_plural = _("thresholds")
        ordering = ["key"]

    def __str__(self):
        return f"{self.key} = {self.value}"


class RunTrigger(models.TextChoices):
    MANUAL = "manual", _("Started by staff")
    SCHEDULE = "schedule", _("Nightly schedule")
    COMMAND = "command", _("Command line")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ScreeningRun(models.Model):
    until = models.DateField(_("window ends"))
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    trigger = models.CharField(_("started by"), max_length=10, choices=RunTrigger.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    job = models.ForeignKey("core.JobRun", models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    units = models.PositiveIntegerField(_("units screened"), default=0)
    flags = models.PositiveIntegerField(_("flags raised"), default=0)
    # The threshold values the run used, so a result can be explained later.
    thresholds = models.JSONField(_("thresholds used"), default=dict)

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.until} ({self.window_days})"


class FlagKind(models.TextChoices):
    IDLE = "idle", _("Idle (闲置)")
    SUBLET = "sublet", _("Sublet or lent (转租转借)")
    OVERCROWDING = "overcrowding", _("Overcrowding or group renting (群租)")
    CHANGE_OF_USE = "change_of_use", _("Change of use (改变用途)")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open lead")
    INSPECTING = "inspecting", _("Inspection raised")
    DISMISSED = "dismissed", _("Dismissed")


class ScreeningFlagQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))


class ScreeningFlag(models.Model):
    """A lead, never a verdict: a person confirms it on an inspection."""

    run = models.ForeignKey(ScreeningRun, models.CASCADE, related_name="flag_rows")
    unit = models.ForeignKey("housing.Unit", models.PROTECT, related_name="+")
    estate = models.ForeignKey("housing.Estate", models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "households.Household", models.PROTECT, null=True, blank=True, related_name="+"
    )
    flag = models.CharField(_("flag"), max_length=16, choices=FlagKind.choices)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=3)
    evidence = models.TextField(_("evidence"))
    features = models.JSONField(_("features"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    dismissed_reason = models.CharField(_("reason dismissed"), max_length=300, blank=True)

    objects = ScreeningFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("screening flag")
        verbose_name_plural = _("screening flags")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit", "flag"], name="uniq_flag_per_run"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="flag_score_0_1"
            ),
        ]
        indexes = [models.Index(fields=["run", "flag", "estate"], name="flag_filter")]

    def __str__(self):
        return f"{self.unit_id} {self.flag} {self.score}"


register_choices(RunTrigger, RunStatus, FlagKind, FlagStatus)
