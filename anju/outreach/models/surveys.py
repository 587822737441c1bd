"""Satisfaction surveys (满意度调查). A survey has questions of several types and is
sent to the households of one or more estates; each household answers once, through
its invitation. Answers are stored apart from the invitation, so the analysis cannot
tell who answered what: a response keeps only its estate. The standard yearly survey
asks about property services, the operator, the community, repairs and safety, and is
what the evaluation reads (by `dimension`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q, sees_whole_district


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("survey", "Draft")
    OPEN = "open", pgettext_lazy("survey", "Open")
    CLOSED = "closed", pgettext_lazy("survey", "Closed")


class SurveyKind(models.TextChoices):
    YEARLY = "yearly", _("Standard yearly survey")
    AD_HOC = "ad_hoc", _("Other survey")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    RATING = "rating", _("Rating, 1 to 5")
    TEXT = "text", _("Written answer")


class Dimension(models.TextChoices):
    """What a rating question measures, for the evaluation."""

    PROPERTY = "property", _("Property services")
    OPERATOR = "operator", _("The operator")
    COMMUNITY = "community", _("The community")
    REPAIRS = "repairs", _("Repairs")
    SAFETY = "safety", _("Safety")
    OVERALL = "overall", _("Overall")


class SurveyQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_district(user):
            return self.all()
        return self.filter(estate_q(user, "estates")).distinct()


class Survey(models.Model):
    title = models.CharField(_("title"), max_length=120)
    intro = models.TextField(_("introduction"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=SurveyKind.choices, default=SurveyKind.AD_HOC
    )
    year = models.PositiveSmallIntegerField(_("year"))
    estates = models.ManyToManyField(
        "housing.Estate", related_name="surveys", verbose_name=_("estates")
    )
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    status = models.CharField(
        _("status"), max_length=8, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="survey_closes_after_open"
            ),
        ]

    def __str__(self):
        return self.title


class Question(models.Model):
    survey = models.ForeignKey(Survey, models.CASCADE, related_name="questions")
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("type"), max_length=8, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    # The choices of a one- or several-choice question, in order.
    options = models.JSONField(_("choices"), default=list, blank=True)
    dimension = models.CharField(
        _("measures"), max_length=10, choices=Dimension.choices, blank=True
    )
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["sort", "id"]

    def __str__(self):
        return self.text


class Invitation(models.Model):
    """A household asked to answer; `responded_at` says that it has, not what."""

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="invitations")
    household = models.ForeignKey(
        "households.Household", models.CASCADE, related_name="survey_invitations"
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["survey", "household"], name="invitation_once")
        ]
        indexes = [models.Index(fields=["household", "responded_at"], name="invitation_open")]

    def __str__(self):
        return f"{self.survey_id} {self.household_id}"


class Response(models.Model):
    """One household's answers, kept without the household: only its estate, for
    results by estate."""

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="responses")
    estate = models.ForeignKey("housing.Estate", models.PROTECT, related_name="+")
    # The day only: an exact time could be matched with the invitation's.
    submitted_on = models.DateField(_("submitted"))

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [models.Index(fields=["survey", "estate"], name="response_estate")]

    def __str__(self):
        return f"{self.survey_id} {self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, models.CASCADE, related_name="answers")
    # A rating, or the index of a single choice; several choices as a list; or text.
    value = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once")]
        indexes = [models.Index(fields=["question", "value"], name="answer_value")]

    def __str__(self):
        return f"{self.response_id} {self.question_id}"


register_choices(SurveyStatus, SurveyKind, QuestionKind, Dimension)
