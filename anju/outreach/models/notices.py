"""Notices (公告) and policy publicity (政策宣传): announcements, policy documents and
plain-language explainers with their questions and answers. A notice reaches the whole
district, one estate or one building, between its publish and expiry times. District
notices are also on the public site. An important notice asks each household to
confirm it has read it; staff see the read rate."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q, sees_whole_district


class NoticeKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("Announcement")
    POLICY = "policy", _("Policy document")
    EXPLAINER = "explainer", _("Plain-language explainer")


class Audience(models.TextChoices):
    DISTRICT = "district", _("The whole district")
    ESTATE = "estate", _("One estate")
    BUILDING = "building", _("One building")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("notice", "Draft")
    PUBLISHED = "published", pgettext_lazy("notice", "Published")
    WITHDRAWN = "withdrawn", pgettext_lazy("notice", "Withdrawn")


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see district notices and those of the estates they see."""
        if sees_whole_district(user):
            return self.all()
        return self.filter(Q(audience=Audience.DISTRICT) | estate_q(user, "estate"))

    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(status=NoticeStatus.PUBLISHED, publish_at__lte=now).filter(
            Q(expire_at__isnull=True) | Q(expire_at__gt=now)
        )

    def for_household(self, household):
        """The notices a household is shown: the district's, its estate's and its
        building's."""
        unit = household.unit if household.unit_id else None
        q = Q(audience=Audience.DISTRICT)
        if unit is not None:
            q |= Q(audience=Audience.ESTATE, estate_id=unit.estate_id)
            q |= Q(audience=Audience.BUILDING, building_id=unit.building_id)
        return self.filter(q)


class Notice(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    source = models.CharField(
        _("document no."),
        max_length=120,
        blank=True,
        help_text=_("For example 长住建〔2026〕12号."),
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.DISTRICT
    )
    estate = models.ForeignKey(
        "housing.Estate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("estate"),
    )
    building = models.ForeignKey(
        "housing.Building",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("building"),
    )
    important = models.BooleanField(_("ask households to confirm they have read it"), default=False)
    pinned = models.BooleanField(_("pinned to the top"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    expire_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # When the notice was also pushed to its households through the message outbox.
    pushed_at = models.DateTimeField(_("pushed by message"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-pinned", "-publish_at", "-id"]
        indexes = [models.Index(fields=["status", "publish_at"], name="notice_live")]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience="district", estate__isnull=True, building__isnull=True)
                | Q(audience="estate", estate__isnull=False, building__isnull=True)
                | Q(audience="building", estate__isnull=False, building__isnull=False),
                name="notice_audience_matches_target",
            ),
            models.CheckConstraint(
                condition=Q(expire_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(expire_at__gt=models.F("publish_at")),
                name="notice_expires_after_publishing",
            ),
        ]

    def __str__(self):
        return self.title


class NoticeQuestion(models.Model):
    """A question and its answer under an explainer (常见问题)."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="questions")
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question and answer")
        verbose_name_plural = _("questions and answers")
        ordering = ["sort", "id"]

    def __str__(self):
        return self.question


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to="notices/%Y/")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.title


class NoticeRead(models.Model):
    """A household confirmed it has read an important notice."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="reads")
    household = models.ForeignKey(
        "households.Household", models.CASCADE, related_name="notice_reads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("confirmed"), default=timezone.now)

    class Meta:
        verbose_name = _("read confirmation")
        verbose_name_plural = _("read confirmations")
        constraints = [
            models.UniqueConstraint(fields=["notice", "household"], name="noticeread_once")
        ]

    def __str__(self):
        return f"{self.notice_id} {self.household_id}"


register_choices(NoticeKind, Audience, NoticeStatus)
