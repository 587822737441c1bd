"""Feedback (诉求): complaints, suggestions, questions and praise, from the portal, the
public page (anonymous allowed) or staff entry. Each is routed by topic and estate to
the organisation that answers it; a wrong route is passed on, and every step is kept
in `FeedbackStep`, which the submitter sees. Two deadlines, to acknowledge and to
answer, count in working days; each one missed moves the feedback one level up (a
property company or an operator to the authority, a community to its street, a street
to the authority)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q, sees_whole_district


class FeedbackKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    QUESTION = "question", _("Question")
    PRAISE = "praise", _("Praise")


class FeedbackTopic(models.TextChoices):
    REPAIRS = "repairs", _("Repairs and maintenance")
    PROPERTY = "property", _("Cleaning, security and public areas")
    NEIGHBOURS = "neighbours", _("Neighbours and noise")
    RENT = "rent", _("Rent, bills and deposits")
    LEASE = "lease", _("Lease, renewal and recertification")
    EXCHANGE = "exchange", _("Exchanges and transfers")
    ACCESSIBILITY = "accessibility", _("Ageing and accessibility")
    SAFETY = "safety", _("Safety and fire")
    COMMUNITY = "community", _("Community services and activities")
    POLICY = "policy", _("Policy and eligibility")
    STAFF = "staff", _("Staff conduct")
    OTHER = "other", _("Other")


class FeedbackChannel(models.TextChoices):
    PORTAL = "portal", _("Tenant portal")
    PUBLIC = "public", _("Public page")
    STAFF = "staff", _("Staff entry")


class FeedbackStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("feedback", "Received")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("feedback", "Acknowledged")
    ANSWERED = "answered", pgettext_lazy("feedback", "Answered")
    CLOSED = "closed", pgettext_lazy("feedback", "Closed")


F = FeedbackStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    F.RECEIVED: frozenset({F.ACKNOWLEDGED, F.ANSWERED}),
    F.ACKNOWLEDGED: frozenset({F.ANSWERED}),
    # Rated (or left unrated for the quiet days): closed. A low rating reopens it once.
    F.ANSWERED: frozenset({F.CLOSED, F.ACKNOWLEDGED}),
    F.CLOSED: frozenset(),
}
OPEN_FEEDBACK = frozenset({F.RECEIVED, F.ACKNOWLEDGED})


class FeedbackQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Feedback that names no estate (from the public page) is the authority's.
        if sees_whole_district(user):
            return self.all()
        return self.filter(Q(estate__isnull=False) & estate_q(user, "estate"))


class Feedback(models.Model):
    number = models.CharField(_("feedback no."), max_length=24, unique=True)
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=FeedbackKind.choices)
    topic = models.CharField(_("topic"), max_length=16, choices=FeedbackTopic.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=FeedbackChannel.choices)
    estate = models.ForeignKey(
        "housing.Estate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
        verbose_name=_("estate"),
    )
    household = models.ForeignKey(
        "households.Household",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
        verbose_name=_("household"),
    )
    text = models.TextField(_("what it is about"))
    anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=40, blank=True)
    contact_enc = models.TextField(blank=True, editable=False)
    contact_masked = models.CharField(_("contact phone"), max_length=16, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    status = models.CharField(
        _("status"), max_length=12, choices=FeedbackStatus.choices, default=F.RECEIVED
    )
    # Who answers it now; `level` counts the escalations that put it there.
    organisation = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        related_name="feedback",
        verbose_name=_("responsible organisation"),
    )
    level = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    answer_by = models.DateTimeField(_("answer by"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    reopened = models.BooleanField(_("reopened"), default=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # What it is linked to.
    work_order = models.ForeignKey(
        "helpdesk.WorkOrder",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
        verbose_name=_("work order"),
    )
    violation = models.ForeignKey(
        "supervision.ViolationCase",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("violation case"),
    )
    tip = models.ForeignKey(
        "supervision.Tip",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tip"),
    )

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "answer_by"], name="feedback_clock"),
            models.Index(fields=["organisation", "status"], name="feedback_queue"),
            models.Index(fields=["estate", "topic", "received_at"], name="feedback_trend"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(contact_name="", contact_masked=""),
                name="feedback_anonymous_keeps_no_contact",
            ),
        ]

    def __str__(self):
        return self.number


class FeedbackStepKind(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("feedback step", "Received and routed")
    PASSED_ON = "passed_on", pgettext_lazy("feedback step", "Passed on")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("feedback step", "Acknowledged")
    ANSWERED = "answered", pgettext_lazy("feedback step", "Answered")
    ESCALATED = "escalated", pgettext_lazy("feedback step", "Escalated")
    RATED = "rated", pgettext_lazy("feedback step", "Rated")
    REOPENED = "reopened", pgettext_lazy("feedback step", "Reopened")
    CLOSED = "closed", pgettext_lazy("feedback step", "Closed")
    LINKED = "linked", pgettext_lazy("feedback step", "Linked")


class FeedbackStep(models.Model):
    """The trail: every route, pass-on, acknowledgement, answer and escalation, with the
    organisation it left and the one it reached."""

    feedback = models.ForeignKey(Feedback, models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=12, choices=FeedbackStepKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_org = models.ForeignKey(
        "core.Organisation", models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_org = models.ForeignKey(
        "core.Organisation", models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("feedback step")
        verbose_name_plural = _("feedback steps")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["feedback", "at"], name="feedbackstep_feedback")]

    def __str__(self):
        return f"{self.feedback_id} {self.kind}"


class RouteTarget(models.TextChoices):
    """Which of the estate's organisations answers a topic."""

    PROPERTY = "property", _("The estate's property company")
    OPERATOR = "operator", _("The estate's operator")
    COMMUNITY = "community", _("The estate's community")
    STREET = "street", _("The community's street office")
    AUTHORITY = "authority", _("The authority")


class FeedbackRoute(models.Model):
    """The routing table: a topic (in one estate, or any) goes to one of the estate's
    organisations. The authority edits it; the defaults come with the migration."""

    topic = models.CharField(_("topic"), max_length=16, choices=FeedbackTopic.choices)
    estate = models.ForeignKey(
        "housing.Estate",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("estate"),
    )
    target = models.CharField(_("routed to"), max_length=10, choices=RouteTarget.choices)

    class Meta:
        verbose_name = _("feedback route")
        verbose_name_plural = _("feedback routes")
        ordering = ["topic", "estate_id"]

    def __str__(self):
        return f"{self.topic} → {self.target}"


register_choices(
    FeedbackKind,
    FeedbackTopic,
    FeedbackChannel,
    FeedbackStatus,
    FeedbackStepKind,
    RouteTarget,
)
