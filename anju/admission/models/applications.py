"""Applications (申请): what a family declares, what the pre-check found, what each
review level decided, and what the duplicate and ban checks flagged."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import pii
from anju.core.labels import register_choices
from anju.core.scoping import community_q
from anju.households.models import Category, Disability, DocumentType, Relation, Sex


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMMUNITY_REVIEW = "community_review", _("Community review")
    STREET_REVIEW = "street_review", _("Street review")
    AUTHORITY_REVIEW = "authority_review", _("Authority review")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved")
    IN_NOTICE = "in_notice", _("In public notice")
    WAITING = "waiting", _("On the waiting list")
    HOUSED = "housed", _("Housed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The only allowed moves; `application_set_status` in the services enforces it.
APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.DRAFT: frozenset(
        {ApplicationStatus.COMMUNITY_REVIEW, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.COMMUNITY_REVIEW: frozenset(
        {
            ApplicationStatus.STREET_REVIEW,
            ApplicationStatus.RETURNED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.STREET_REVIEW: frozenset(
        {
            ApplicationStatus.AUTHORITY_REVIEW,
            ApplicationStatus.RETURNED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.AUTHORITY_REVIEW: frozenset(
        {
            ApplicationStatus.APPROVED,
            ApplicationStatus.RETURNED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.RETURNED: frozenset(
        {
            ApplicationStatus.COMMUNITY_REVIEW,
            ApplicationStatus.STREET_REVIEW,
            ApplicationStatus.AUTHORITY_REVIEW,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    # An upheld objection during the notice sends the application back to the authority.
    ApplicationStatus.APPROVED: frozenset(
        {ApplicationStatus.IN_NOTICE, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.IN_NOTICE: frozenset(
        {
            ApplicationStatus.WAITING,
            ApplicationStatus.AUTHORITY_REVIEW,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.WAITING: frozenset({ApplicationStatus.HOUSED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.HOUSED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset(),
}

# An application in one of these statuses is "active": its members cannot apply again.
ACTIVE_STATUSES = frozenset(
    {
        ApplicationStatus.DRAFT,
        ApplicationStatus.COMMUNITY_REVIEW,
        ApplicationStatus.STREET_REVIEW,
        ApplicationStatus.AUTHORITY_REVIEW,
        ApplicationStatus.RETURNED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.IN_NOTICE,
        ApplicationStatus.WAITING,
    }
)


class ReviewLevel(models.TextChoices):
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street office")
    AUTHORITY = "authority", _("Authority")


# Which level reviews an application in each review status.
LEVEL_OF_STATUS: dict[str, str] = {
    ApplicationStatus.COMMUNITY_REVIEW: ReviewLevel.COMMUNITY,
    ApplicationStatus.STREET_REVIEW: ReviewLevel.STREET,
    ApplicationStatus.AUTHORITY_REVIEW: ReviewLevel.AUTHORITY,
}
STATUS_OF_LEVEL: dict[str, str] = {level: status for status, level in LEVEL_OF_STATUS.items()}


class Channel(models.TextChoices):
    PORTAL = "portal", _("Online (tenant portal)")
    COUNTER = "counter", _("Community counter")


class CurrentHousing(models.TextChoices):
    NONE = "none", _("No housing of its own")
    PRIVATE_RENT = "private_rent", _("Renting privately")
    RELATIVES = "relatives", _("Living with relatives")
    OWN = "own", _("Owns housing")
    EMPLOYER = "employer", _("Employer dormitory")


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Applications belong to the community that receives them; street reviewers
        see their communities', the district-wide roles all."""
        return self.filter(community_q(user, "community"))

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)


class Application(models.Model):
    number = models.CharField(_("application no."), max_length=24, unique=True)
    ruleset = models.ForeignKey(
        "admission.RuleSet", models.PROTECT, related_name="applications", verbose_name=_("rules")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    community = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        related_name="applications",
        limit_choices_to={"kind": "community"},
        verbose_name=_("community"),
    )
    # The archive this application's story is written to; created with the application.
    household = models.OneToOneField(
        "households.Household",
        models.PROTECT,
        related_name="application",
        verbose_name=_("household"),
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("applicant's account"),
    )
    # What the family declares.
    current_housing = models.CharField(
        _("current housing"), max_length=16, choices=CurrentHousing.choices, blank=True
    )
    housing_area_m2 = models.DecimalField(
        _("housing area owned (m²)"), max_digits=7, decimal_places=2, default=0
    )
    address = models.CharField(_("current address"), max_length=200, blank=True)
    vehicles = models.PositiveSmallIntegerField(_("vehicles owned"), default=0)
    deposits = models.DecimalField(
        _("household deposits (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    owns_business = models.BooleanField(_("owns or runs a business"), default=False)
    residence_years = models.PositiveSmallIntegerField(
        _("years of local residence or hukou"), default=0
    )
    insurance_months = models.PositiveSmallIntegerField(
        _("months of local social insurance"), default=0
    )
    needs_accessible = models.BooleanField(_("needs a barrier-free unit"), default=False)
    consent_at = models.DateTimeField(_("consented to data checks"), null=True, blank=True)
    # Kept up to date by the services.
    returned_level = models.CharField(
        _("returned by"), max_length=10, choices=ReviewLevel.choices, blank=True
    )
    returned_items = models.JSONField(_("items to correct"), default=list, blank=True)
    due_on = models.DateField(_("review due"), null=True, blank=True, db_index=True)
    precheck_met = models.BooleanField(_("pre-check met"), null=True)
    priority_group = models.PositiveSmallIntegerField(_("priority group"), null=True, blank=True)
    points = models.PositiveSmallIntegerField(_("points"), default=0)
    false_declaration = models.BooleanField(_("false declaration found"), default=False)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(housing_area_m2__gte=0) & Q(deposits__gte=0),
                name="application_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def review_level(self) -> str | None:
        return LEVEL_OF_STATUS.get(self.status)


class ApplicationMember(models.Model):
    application = models.ForeignKey(
        Application, models.CASCADE, related_name="members", verbose_name=_("application")
    )
    name = models.CharField(_("name"), max_length=40)
    # Name without spaces, full-width forms folded: the likely-duplicate check compares it.
    name_key = models.CharField(max_length=40, db_index=True, editable=False)
    relation = models.CharField(_("relation to applicant"), max_length=12, choices=Relation.choices)
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=16, blank=True)
    monthly_income = models.DecimalField(
        _("monthly income (yuan)"), max_digits=10, decimal_places=2, default=0
    )
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    hukou = models.CharField(_("household registration (hukou)"), max_length=100, blank=True)
    disability = models.CharField(
        _("disability level"), max_length=1, blank=True, choices=Disability.choices, default=""
    )
    # Priority grounds the member claims besides age and disability (PriorityGround codes).
    grounds = models.JSONField(_("priority grounds"), default=list, blank=True)

    class Meta:
        verbose_name = _("applicant member")
        verbose_name_plural = _("applicant members")
        ordering = ["application", "id"]
        indexes = [models.Index(fields=["name_key", "birth_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "id_number_hash"], name="uniq_member_per_application"
            ),
            models.CheckConstraint(
                condition=Q(monthly_income__gte=0), name="application_income_not_negative"
            ),
        ]

    def __str__(self):
        return self.name

    def reveal_id_number(self) -> str:
        return pii.decrypt(self.id_number_enc)


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        Application, models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    doc_type = models.CharField(_("type"), max_length=16, choices=DocumentType.choices)
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to="applications/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["doc_type", "id"]

    def __str__(self):
        return self.title


class Outcome(models.TextChoices):
    MET = "met", _("met")
    NOT_MET = "not_met", _("not met")
    UNKNOWN = "unknown", _("not yet known")
    NOT_APPLICABLE = "n_a", _("does not apply")


class CriterionResult(models.Model):
    """One criterion of the pre-check for one application, e.g. code `income` with
    actual 1480.00, limit 1600.00, met. The sentence is rendered from the code."""

    application = models.ForeignKey(
        Application, models.CASCADE, related_name="criteria", verbose_name=_("application")
    )
    code = models.CharField(_("criterion"), max_length=32)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    actual = models.CharField(_("declared"), max_length=40, blank=True)
    limit = models.CharField(_("limit"), max_length=40, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated"), default=timezone.now)

    class Meta:
        verbose_name = _("criterion result")
        verbose_name_plural = _("criterion results")
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="uniq_criterion_result"),
        ]

    def __str__(self):
        return f"{self.code}: {self.outcome}"


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for correction")
    REJECT = "reject", _("Reject")


class Review(models.Model):
    application = models.ForeignKey(
        Application, models.CASCADE, related_name="reviews", verbose_name=_("application")
    )
    level = models.CharField(_("level"), max_length=10, choices=ReviewLevel.choices)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    items = models.JSONField(_("items to correct"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    false_declaration = models.BooleanField(_("false declaration"), default=False)
    due_on = models.DateField(_("due"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["application", "at", "id"]

    def __str__(self):
        return f"{self.application} {self.level} {self.decision}"


class FlagKind(models.TextChoices):
    OTHER_APPLICATION = "other_application", _("ID number in another active application")
    CURRENT_HOUSEHOLD = "current_household", _("ID number in a current household")
    BANNED = "banned", _("Under a bad-conduct ban")
    LIKELY_DUPLICATE = "likely_duplicate", _("Same name and date of birth as another person")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared")
    UPHELD = "upheld", _("Upheld")


class Flag(models.Model):
    """A duplicate or ban found for one member; staff clear or uphold it, and the
    decision is recorded with its author."""

    application = models.ForeignKey(
        Application, models.CASCADE, related_name="flags", verbose_name=_("application")
    )
    member = models.ForeignKey(
        ApplicationMember, models.CASCADE, related_name="flags", verbose_name=_("member")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FlagKind.choices)
    other_application = models.ForeignKey(
        Application,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other application"),
    )
    other_household = models.ForeignKey(
        "households.Household",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other household"),
    )
    ban = models.ForeignKey(
        "households.BadConductRecord",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bad-conduct record"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    resolution = models.CharField(_("decision"), max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    resolved_at = models.DateTimeField(_("decided"), null=True, blank=True)
    found_at = models.DateTimeField(_("found"), default=timezone.now)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["application", "id"]

    def __str__(self):
        return f"{self.application} {self.kind}"


register_choices(
    ApplicationStatus, ReviewLevel, Channel, CurrentHousing, Outcome, Decision, FlagKind, FlagStatus
)
