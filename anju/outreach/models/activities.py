"""Community activities (社区活动): a title, a time, a place and a capacity; households
sign up on the portal (or at the community), and the community records who came.
Volunteering hours of those who came become good-conduct credit in the tenant points
ledger."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.labels import register_choices
from anju.core.scoping import estate_q, sees_whole_district


class ActivityStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("activity", "Open for sign-up")
    CLOSED = "closed", pgettext_lazy("activity", "Sign-up closed")
    HELD = "held", pgettext_lazy("activity", "Held, attendance recorded")
    CANCELLED = "cancelled", pgettext_lazy("activity", "Cancelled")


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_district(user):
            return self.all()
        return self.filter(Q(estate__isnull=True) | estate_q(user, "estate"))

    def for_household(self, household):
        estate_id = household.unit.estate_id if household.unit_id else None
        return self.filter(Q(estate__isnull=True) | Q(estate_id=estate_id))


class Activity(models.Model):
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    organiser = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        related_name="activities",
        verbose_name=_("organiser"),
    )
    # Blank: open to the whole district.
    estate = models.ForeignKey(
        "housing.Estate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("estate"),
    )
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    signup_until = models.DateTimeField(_("sign up until"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    volunteering = models.BooleanField(
        _("volunteering"),
        default=False,
        help_text=_("Hours of those who come count as good-conduct credit."),
    )
    hours = models.DecimalField(
        _("hours credited"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(signup_until__lte=models.F("starts_at")),
                name="activity_signup_before_start",
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="activity_has_places"),
            models.CheckConstraint(
                condition=Q(volunteering=False, hours__isnull=True)
                | Q(volunteering=True, hours__gt=0),
                name="activity_hours_for_volunteering",
            ),
        ]

    def __str__(self):
        return self.title


class Signup(models.Model):
    """One household's sign-up: how many people come, and who came."""

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="signups")
    household = models.ForeignKey(
        "households.Household", models.CASCADE, related_name="activity_signups"
    )
    people = models.PositiveSmallIntegerField(_("people"), default=1)
    signed_up_at = models.DateTimeField(_("signed up"), default=timezone.now)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    attended = models.BooleanField(_("came"), null=True, blank=True)
    credit = models.ForeignKey(
        "supervision.GoodConductCredit",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["signed_up_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "household"], name="signup_once_per_household"
            ),
            models.CheckConstraint(condition=Q(people__gte=1), name="signup_people_positive"),
        ]

    def __str__(self):
        return f"{self.activity_id} {self.household_id}"


register_choices(ActivityStatus)
