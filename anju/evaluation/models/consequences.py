"""What follows a published grade (激励约束): one `Consequence` per rule that fired,
carried through its own states to done.

- A termination proposal starts PROPOSED: the authority confirms it (IN_EFFECT, then
  DONE when the contract ends) or rejects it (CANCELLED).
- Everything else starts IN_EFFECT on publication. A standing, title, discount,
  commendation, renewal eligibility or warning lasts until `valid_until`, after which
  a sweep marks it DONE. A rectification order, an interview, a fee adjustment and a
  referral are DONE when someone records that they were carried out; a rectification
  or interview still IN_EFFECT after `due_on` is overdue."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices

from .periods import Evaluation
from .schemes import ConsequenceKind, ConsequenceRule


class ConsequenceState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    IN_EFFECT = "in_effect", _("In effect")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_CONSEQUENCES = (ConsequenceState.PROPOSED, ConsequenceState.IN_EFFECT)


class ConsequenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        from anju.evaluation.scoping import evaluation_q

        return self.filter(evaluation_q(user, "evaluation"))

    def overdue(self, today):
        return self.filter(state=ConsequenceState.IN_EFFECT, due_on__lt=today)

    def in_effect_on(self, day):
        """Standing consequences that hold on `day`."""
        return self.filter(state=ConsequenceState.IN_EFFECT, valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class Consequence(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, models.CASCADE, related_name="consequences", verbose_name=_("evaluation")
    )
    rule = models.ForeignKey(
        ConsequenceRule, models.PROTECT, related_name="+", verbose_name=_("rule")
    )
    kind = models.CharField(_("consequence"), max_length=20, choices=ConsequenceKind.choices)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ConsequenceState.choices,
        default=ConsequenceState.IN_EFFECT,
    )
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_until = models.DateField(_("until"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ConsequenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("consequence")
        verbose_name_plural = _("consequences")
        ordering = ["state", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "rule"], name="uniq_consequence_rule_hit")
        ]
        indexes = [
            models.Index(fields=["kind", "state", "due_on"]),
            models.Index(fields=["state", "valid_until"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.evaluation.party}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return bool(
            self.state == ConsequenceState.IN_EFFECT and self.due_on and self.due_on < today
        )


register_choices(ConsequenceState)
