from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core import pii
from anju.core.labels import register_choices
from anju.core.scoping import community_q, estate_q


class Category(models.TextChoices):
    LOW_INCOME = "low_income", _("Low income")
    LOWER_MIDDLE = "lower_middle", _("Lower-middle income")
    NEW_EMPLOYEE = "new_employee", _("Newly employed")
    MIGRANT_WORKER = "migrant_worker", _("Migrant worker")
    SPECIAL = "special", _("Special groups")


class HouseholdStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    WAITING = "waiting", _("Waiting")
    TENANT = "tenant", pgettext_lazy("household status", "Tenant")
    EXITED = "exited", _("Exited")


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user):
        estates = estate_q(user, "estate")
        if not estates:  # an empty Q means the whole district
            return self.all()
        return self.filter(estates | (Q(estate__isnull=True) & community_q(user, "community")))


class Household(models.Model):
    number = models.CharField(_("household no."), max_length=24, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=HouseholdStatus.choices,
        default=HouseholdStatus.TENANT,
        db_index=True,
    )
    head = models.ForeignKey(
        "Member",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of household"),
    )
    # Where the household lives now (kept in step with its active lease), or, before
    # it is housed, the community that registered it. Scoping reads these two.
    unit = models.OneToOneField(
        "housing.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="household",
        verbose_name=_("current unit"),
    )
    estate = models.ForeignKey(
        "housing.Estate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("estate"),
    )
    community = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("community"),
    )
    notes = models.JSONField(_("notes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    closed_at = models.DateTimeField(_("archive closed"), null=True, blank=True)
    closed_reason = models.CharField(_("reason closed"), max_length=200, blank=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        indexes = [
            models.Index(fields=["estate", "category"]),
            # The dashboard counts housed households by category.
            models.Index(fields=["status", "category"]),
        ]

    def __str__(self):
        return self.number


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER = "other", _("Other relative")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Disability(models.TextChoices):
    NONE = "", _("None")
    GRADE_1 = "1", _("Grade 1")
    GRADE_2 = "2", _("Grade 2")
    GRADE_3 = "3", _("Grade 3")
    GRADE_4 = "4", _("Grade 4")


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        estates = estate_q(user, "household__estate")
        if not estates:  # an empty Q means the whole district
            return self.all()
        return self.filter(
            estates
            | (Q(household__estate__isnull=True) & community_q(user, "household__community"))
        )

    def current(self):
        return self.filter(left_at__isnull=True)


class Member(models.Model):
    household = models.ForeignKey(
        Household, models.PROTECT, related_name="members", verbose_name=_("household")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=40)
    name_pinyin = models.CharField(max_length=120, db_index=True)
    name_initials = models.CharField(max_length=20, db_index=True)
    relation = models.CharField(_("relation to head"), max_length=12, choices=Relation.choices)
    # Protected: ciphertext, keyed hash for lookup, masked form for display and search.
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, db_index=True)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=16, blank=True, db_index=True)
    hukou = models.CharField(_("household registration (hukou)"), max_length=100, blank=True)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    monthly_income = models.DecimalField(
        _("monthly income (yuan)"), max_digits=10, decimal_places=2, default=0
    )
    disability = models.CharField(
        _("disability level"), max_length=1, blank=True, choices=Disability.choices, default=""
    )
    special_care = models.CharField(
        _("special-care flags"),
        max_length=100,
        blank=True,
        help_text=_("e.g. veteran, serious illness, elderly alone"),
    )
    joined_at = models.DateField(_("joined"), default=timezone.localdate)
    left_at = models.DateField(_("left"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household", "id"]
        constraints = [
            # One person is a current member of at most one household.
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(left_at__isnull=True),
                name="uniq_current_member_person",
            ),
        ]

    def __str__(self):
        return self.name

    def reveal_id_number(self) -> str:
        return pii.decrypt(self.id_number_enc)

    def reveal_phone(self) -> str:
        return pii.decrypt(self.phone_enc)


class CredentialKind(models.TextChoices):
    FACE = "face", _("Face")
    CARD = "card", _("Card")
    FINGERPRINT = "fingerprint", _("Fingerprint")
    PASSWORD = "password", _("Password")


class Credential(models.Model):
    """A reference enrolled in the door systems (a face template id, a card number…).
    Supervision matches access events against these."""

    member = models.ForeignKey(
        Member, models.CASCADE, related_name="credentials", verbose_name=_("member")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CredentialKind.choices)
    ref = models.CharField(_("reference"), max_length=64)
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "ref"],
                condition=Q(revoked_at__isnull=True),
                name="uniq_active_credential",
            ),
        ]

    def __str__(self):
        return f"{self.kind}:{self.ref}"


class LeaseStatus(models.TextChoices):
    UPCOMING = "upcoming", _("Signed, not yet started")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    TERMINATED = "terminated", _("Terminated")


class LeaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "unit__estate"))


class Lease(models.Model):
    """A household's lease of one unit. The rent in force is `monthly_rent`, computed as
    area × the estate's standard × the relief tier × the tier multiplier, plus any
    surcharge; every change of it is a `LeaseRent` row (the rent history), which is
    what the bill run reads. Leases imported from the paper ledger know only their
    rent: their terms are empty and their history has one row."""

    number = models.CharField(_("lease no."), max_length=48, unique=True)
    household = models.ForeignKey(
        Household, models.PROTECT, related_name="leases", verbose_name=_("household")
    )
    unit = models.ForeignKey(
        "housing.Unit", models.PROTECT, related_name="leases", verbose_name=_("unit")
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        help_text=_(
            "The tenancy's last day, when it ends other than at its term: the day the keys "
            "came back, or the end of a moving period."
        ),
    )
    monthly_rent = models.DecimalField(_("monthly rent (yuan)"), max_digits=10, decimal_places=2)
    area_m2 = models.DecimalField(
        _("area (m²)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    price_per_m2 = models.DecimalField(
        _("rent standard (yuan per m² per month)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
    )
    relief_tier = models.DecimalField(
        _("rent relief tier"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    rent_multiplier = models.DecimalField(
        _("tiered-rent multiplier"),
        max_digits=4,
        decimal_places=2,
        default=1,
        help_text=_("1.00 normally; 1.5 or 2 for an over-income household."),
    )
    surcharge = models.DecimalField(
        _("monthly surcharge (yuan)"), max_digits=10, decimal_places=2, default=0
    )
    deposit = models.DecimalField(_("deposit (yuan)"), max_digits=10, decimal_places=2, default=0)
    billing_day = models.PositiveSmallIntegerField(
        _("billing day"), default=1, help_text=_("Day of the month the rent falls due (1–28).")
    )
    signed_document = models.ForeignKey(
        "households.ArchiveDocument",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed contract"),
    )
    previous = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal",
        verbose_name=_("renews lease"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=LeaseStatus.choices, default=LeaseStatus.ACTIVE
    )

    objects = LeaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="active"), name="uniq_active_lease_per_unit"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="active"),
                name="uniq_active_lease_per_household",
            ),
            # The ledger matches leases on this; one household's lease of one unit from
            # one day is one lease.
            models.UniqueConstraint(
                fields=["household", "unit", "start"], name="uniq_lease_household_unit_start"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="lease_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(monthly_rent__gte=0), name="lease_rent_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(billing_day__gte=1) & Q(billing_day__lte=28),
                name="lease_billing_day_1_28",
            ),
            models.CheckConstraint(condition=Q(deposit__gte=0), name="lease_deposit_not_negative"),
        ]

    def __str__(self):
        return self.number

    @property
    def last_day(self):
        """The last day billed: the end of the term, or the day it ended early."""
        return min(self.end, self.ended_on) if self.ended_on else self.end


class RentReason(models.TextChoices):
    START = "start", _("Lease signed")
    STANDARD = "standard", _("New rent standard")
    TIER = "tier", _("Change of rent tier")
    RECERTIFICATION = "recertification", _("Yearly recertification")
    AMENDMENT = "amendment", _("Lease amendment")
    CORRECTION = "correction", _("Correction")


class LeaseRentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "lease__unit__estate"))


class LeaseRent(models.Model):
    """The rent in force on a lease from `effective_from` until `effective_until`
    (inclusive; empty while it is the current rent). The rows of one lease tile its
    term without gaps or overlaps; the bill run prorates across them."""

    lease = models.ForeignKey(Lease, models.CASCADE, related_name="rents", verbose_name=_("lease"))
    effective_from = models.DateField(_("from"))
    effective_until = models.DateField(_("until"), null=True, blank=True)
    monthly_rent = models.DecimalField(_("monthly rent (yuan)"), max_digits=10, decimal_places=2)
    price_per_m2 = models.DecimalField(
        _("rent standard (yuan per m² per month)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
    )
    relief_tier = models.DecimalField(
        _("rent relief tier"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    rent_multiplier = models.DecimalField(
        _("tiered-rent multiplier"), max_digits=4, decimal_places=2, default=1
    )
    surcharge = models.DecimalField(
        _("monthly surcharge (yuan)"), max_digits=10, decimal_places=2, default=0
    )
    reason = models.CharField(_("reason"), max_length=16, choices=RentReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = LeaseRentQuerySet.as_manager()

    class Meta:
        verbose_name = _("rent in force")
        verbose_name_plural = _("rent history")
        ordering = ["lease", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["lease", "effective_from"], name="uniq_lease_rent_from"
            ),
            models.CheckConstraint(
                condition=Q(monthly_rent__gte=0), name="lease_rent_row_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=models.F("effective_from")),
                name="lease_rent_until_after_from",
            ),
        ]

    def __str__(self):
        return f"{self.lease.number} ¥{self.monthly_rent} ({self.effective_from})"


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    HUKOU = "hukou", _("Household register (hukou book)")
    INCOME = "income", _("Income certificate")
    MARRIAGE = "marriage", _("Marriage certificate")
    DISABILITY = "disability", _("Disability certificate")
    LEASE = "lease", _("Signed lease")
    HANDOVER = "handover", _("Handover record")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class ArchiveDocument(models.Model):
    household = models.ForeignKey(
        Household, models.PROTECT, related_name="documents", verbose_name=_("household")
    )
    doc_type = models.CharField(_("type"), max_length=16, choices=DocumentType.choices)
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to="archive/%Y/%m/")
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("archive document")
        verbose_name_plural = _("archive documents")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.title


class PaperFile(models.Model):
    """Where a household's paper file is kept."""

    household = models.OneToOneField(
        Household, models.PROTECT, related_name="paper_file", verbose_name=_("household")
    )
    room = models.CharField(_("room"), max_length=40)
    cabinet = models.CharField(_("cabinet"), max_length=20)
    box = models.CharField(_("box"), max_length=20)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("paper file")
        verbose_name_plural = _("paper files")

    def __str__(self):
        return f"{self.room} / {self.cabinet} / {self.box}"


class PaperFileLoan(models.Model):
    paper_file = models.ForeignKey(
        PaperFile, models.PROTECT, related_name="loans", verbose_name=_("paper file")
    )
    borrower = models.CharField(_("borrower"), max_length=60)
    purpose = models.CharField(_("purpose"), max_length=120, blank=True)
    lent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("lent by")
    )
    lent_at = models.DateTimeField(_("lent"), default=timezone.now)
    due_on = models.DateField(_("due back"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)

    class Meta:
        verbose_name = _("paper-file loan")
        verbose_name_plural = _("paper-file loans")
        ordering = ["-lent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper_file"],
                condition=Q(returned_at__isnull=True),
                name="one_open_loan_per_paper_file",
            ),
        ]

    def __str__(self):
        return f"{self.paper_file} → {self.borrower}"


class ConductReason(models.TextChoices):
    FALSE_DECLARATION = "false_declaration", _("False declaration (art. 35)")
    SUBLET = "sublet", _("Sublet, lent or swapped without permission (art. 27)")
    CHANGE_OF_USE = "change_of_use", _("Used for another purpose (art. 27)")
    DAMAGE = "damage", _("Damaged or altered without permission (art. 27)")
    ILLEGAL_USE = "illegal_use", _("Used for illegal activities (art. 27)")
    IDLE = "idle", _("Left idle for 6 months or more (art. 27)")
    OTHER = "other", _("Other")


class BadConductRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(household__in=Household.objects.visible_to(user))

    def in_force(self, on):
        return self.filter(banned_until__gte=on)


class BadConductRecord(models.Model):
    """A bad-conduct record (不良记录) in a household's archive. It names the person by
    their ID number's keyed hash, so the ban follows them into any later application."""

    household = models.ForeignKey(
        Household, models.PROTECT, related_name="conduct_records", verbose_name=_("household")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=40)
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    reason = models.CharField(_("reason"), max_length=20, choices=ConductReason.choices)
    details = models.CharField(_("details"), max_length=300, blank=True)
    occurred_on = models.DateField(_("occurred on"))
    banned_until = models.DateField(_("barred from applying until"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = BadConductRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("bad-conduct record")
        verbose_name_plural = _("bad-conduct records")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(banned_until__gte=models.F("occurred_on")),
                name="ban_ends_after_conduct",
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.get_reason_display()}"


register_choices(Category, Relation, HouseholdStatus, DocumentType, ConductReason, RentReason)
