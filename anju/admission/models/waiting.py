"""The waiting list (轮候). Positions are computed from the rule set, never typed, and
each change of position is kept with its reason."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import community_q
from anju.households.models import Category


class WaitingStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    SUSPENDED = "suspended", _("Suspended")
    ALLOCATED = "allocated", _("Allocated")
    REMOVED = "removed", _("Removed")


class WaitingEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(community_q(user, "application__community"))


class WaitingEntry(models.Model):
    application = models.OneToOneField(
        "admission.Application",
        models.PROTECT,
        related_name="waiting_entry",
        verbose_name=_("application"),
    )
    household = models.OneToOneField(
        "households.Household",
        models.PROTECT,
        related_name="waiting_entry",
        verbose_name=_("household"),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    size = models.PositiveSmallIntegerField(_("household size"))
    priority_group = models.PositiveSmallIntegerField(_("priority group"))
    points = models.PositiveSmallIntegerField(_("points"), default=0)
    approved_on = models.DateField(_("approved on"))
    joined_on = models.DateField(_("joined the list"))
    needs_accessible = models.BooleanField(_("needs a barrier-free unit"), default=False)
    # Set when too many refusals moved the household to the back; it then queues after
    # every household not moved back, in the order they were moved.
    moved_back_at = models.DateTimeField(_("moved to the back"), null=True, blank=True)
    refusals = models.PositiveSmallIntegerField(_("refusals without a valid reason"), default=0)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WaitingStatus.choices,
        default=WaitingStatus.WAITING,
        db_index=True,
    )
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), null=True, blank=True)
    position_at = models.DateTimeField(_("position computed"), null=True, blank=True)

    objects = WaitingEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["status", "position"])]

    def __str__(self):
        return f"{self.household} #{self.position}"


class PositionChange(models.Model):
    """A household's position before and after one recomputation, and why it moved."""

    entry = models.ForeignKey(
        WaitingEntry, models.CASCADE, related_name="position_history", verbose_name=_("entry")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    old = models.PositiveIntegerField(_("was"), null=True, blank=True)
    new = models.PositiveIntegerField(_("now"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=40)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("position change")
        verbose_name_plural = _("position changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entry", "at"])]

    def __str__(self):
        return f"{self.entry_id}: {self.old} → {self.new}"


class ContactRefresh(models.Model):
    """The yearly request to every waiting household to confirm it still wants housing
    and still qualifies."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    due_on = models.DateField(_("answer by"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("sent by")
    )

    class Meta:
        verbose_name = _("contact refresh")
        verbose_name_plural = _("contact refreshes")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class ContactRefreshAnswer(models.Model):
    refresh = models.ForeignKey(
        ContactRefresh, models.CASCADE, related_name="answers", verbose_name=_("refresh")
    )
    entry = models.ForeignKey(
        WaitingEntry, models.CASCADE, related_name="refresh_answers", verbose_name=_("entry")
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    still_wants = models.BooleanField(_("still wants housing"), null=True)
    still_qualifies = models.BooleanField(_("still qualifies"), null=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("contact refresh answer")
        verbose_name_plural = _("contact refresh answers")
        constraints = [
            models.UniqueConstraint(fields=["refresh", "entry"], name="uniq_refresh_answer"),
        ]

    def __str__(self):
        return f"{self.refresh} {self.entry_id}"


register_choices(WaitingStatus)
