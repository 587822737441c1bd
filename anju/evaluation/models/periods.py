"""One evaluation period and what it produced: an `Evaluation` (scorecard) per party,
a `Score` per indicator of its scheme, the evidence behind manual scores, and the
parties' objections.

A period moves OPEN → DISCLOSED → PUBLISHED. While open, Anju computes its scores in
the background (again, if the officer reruns it) and evaluators enter the manual
ones. Disclosed, each party sees its draft scores and may object until
`objections_until`. Published, the grades are final, shown to the parties and, for
operators and property companies, ranked on the public site; the consequences that
the schemes attach to the grades are raised."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices

from .schemes import Grade, PartyKind, PeriodKind, Scheme, SchemeLine


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open: scoring")
    DISCLOSED = "disclosed", _("Disclosed: objections")
    PUBLISHED = "published", _("Published")


class Period(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    computed_at = models.DateTimeField(_("last computed"), null=True, blank=True)
    job = models.ForeignKey("core.JobRun", models.SET_NULL, null=True, blank=True, related_name="+")
    disclosed_at = models.DateTimeField(_("disclosed"), null=True, blank=True)
    objections_until = models.DateField(_("objections until"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("evaluation period")
        verbose_name_plural = _("evaluation periods")
        ordering = ["-starts_on", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "starts_on"], name="uniq_period_kind_start"),
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")), name="period_dates_ordered"
            ),
        ]

    def __str__(self):
        return self.name


class EvaluationQuerySet(models.QuerySet):
    def visible_to(self, user):
        from anju.evaluation.scoping import evaluation_q

        return self.filter(evaluation_q(user))


class Evaluation(models.Model):
    """One party's scorecard in one period: an organisation's, or a tenant
    household's. `total` is the weighted mean of its scores (indicators without data
    left out); `grade` and `rank` follow from it (draft until the period is
    published)."""

    period = models.ForeignKey(
        Period, models.CASCADE, related_name="evaluations", verbose_name=_("period")
    )
    party_kind = models.CharField(_("party kind"), max_length=12, choices=PartyKind.choices)
    organisation = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("organisation"),
    )
    household = models.ForeignKey(
        "households.Household",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("household"),
    )
    # The estate a tenant household lived in when scored: scoping reads it.
    estate = models.ForeignKey(
        "housing.Estate", models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheme = models.ForeignKey(
        Scheme, models.PROTECT, related_name="evaluations", verbose_name=_("scheme")
    )
    total = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["period", "party_kind", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "organisation"],
                condition=Q(organisation__isnull=False),
                name="uniq_evaluation_org",
            ),
            models.UniqueConstraint(
                fields=["period", "household"],
                condition=Q(household__isnull=False),
                name="uniq_evaluation_household",
            ),
            models.CheckConstraint(
                condition=Q(party_kind="tenant", household__isnull=False, organisation__isnull=True)
                | (~Q(party_kind="tenant") & Q(household__isnull=True, organisation__isnull=False)),
                name="evaluation_party_by_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "party_kind", "total"]),
            models.Index(fields=["organisation", "period"]),
            models.Index(fields=["household", "period"]),
        ]

    def __str__(self):
        return f"{self.period} · {self.party}"

    @property
    def party(self):
        return self.household if self.party_kind == PartyKind.TENANT else self.organisation


class Score(models.Model):
    """One indicator's value for one party in one period. A computed score keeps the
    counts it came from (`hits` of `count` records, for a rate), so the records can be
    listed and recounted; a manual score keeps who gave it, why, and the evidence.
    `value` is in the indicator's unit and None when there was nothing to measure
    (the indicator is then left out of the total)."""

    evaluation = models.ForeignKey(
        Evaluation, models.CASCADE, related_name="scores", verbose_name=_("evaluation")
    )
    line = models.ForeignKey(
        SchemeLine, models.PROTECT, related_name="scores", verbose_name=_("indicator")
    )
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True, blank=True)
    count = models.PositiveIntegerField(_("records"), null=True, blank=True)
    hits = models.PositiveIntegerField(_("counted"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evaluator"),
    )
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # Set when an upheld objection changed the value; the objection says why.
    adjusted = models.BooleanField(_("adjusted on objection"), default=False)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["evaluation", "line__sort", "line_id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "line"], name="uniq_score_line")
        ]

    def __str__(self):
        return f"{self.line.indicator}: {self.value}"


class ScoreEvidence(models.Model):
    """A document or photo behind a manual score."""

    score = models.ForeignKey(Score, models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to="evaluation/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["score", "id"]

    def __str__(self):
        return self.name


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Objection(models.Model):
    """A party's objection to its draft scores, to one indicator (`score`) or to the
    whole scorecard, and the authority's resolution. Upholding it may set a new value
    for the score."""

    evaluation = models.ForeignKey(
        Evaluation, models.CASCADE, related_name="objections", verbose_name=_("evaluation")
    )
    score = models.ForeignKey(
        Score,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("indicator"),
    )
    reasons = models.TextField(_("reasons"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    resolution = models.TextField(_("resolution"), blank=True)
    new_value = models.DecimalField(
        _("corrected value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    old_value = models.DecimalField(
        _("value before"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["status", "raised_at"])]

    def __str__(self):
        return f"{self.evaluation} · {self.get_status_display()}"


register_choices(PeriodStatus, ObjectionStatus)
