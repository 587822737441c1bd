import hashlib
import json

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import ROLE_PERMISSIONS, Role


class OrgKind(models.TextChoices):
    AUTHORITY = "authority", _("Housing-security authority")
    STREET = "street", _("Street office")
    COMMUNITY = "community", _("Community")
    OPERATOR = "operator", _("Operator")
    PROPERTY = "property", _("Property company")
    AGENCY = "agency", _("Partner agency")


class AgencyFunction(models.TextChoices):
    """What a partner agency can verify (协查部门)."""

    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    PUBLIC_SECURITY = "public_security", _("Public security (household registration)")
    REAL_ESTATE = "real_estate", _("Real-estate registry")
    MARKET_REGULATION = "market_regulation", _("Market regulation")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    PROVIDENT_FUND = "provident_fund", _("Housing provident fund")
    VEHICLE_REGISTRY = "vehicle_registry", _("Vehicle registry")


class Organisation(models.Model):
    """One node of the district's organisation tree. Communities hang under their
    street; streets, operators, property companies and agencies under the authority."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    agency_function = models.CharField(
        _("agency function"),
        max_length=20,
        choices=AgencyFunction.choices,
        blank=True,
        help_text=_("For partner agencies: what they verify."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "code"]
        indexes = [models.Index(fields=["kind", "parent"])]

    def __str__(self):
        return self.name


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organisation"),
    )
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    # A tenant account belongs to one household; portal lookups start from it.
    household = models.ForeignKey(
        "households.Household",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("household"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def role_set(self) -> frozenset[str]:
        if not hasattr(self, "_role_set"):
            self._role_set = frozenset(r.role for r in self.roles.all())
        return self._role_set

    @property
    def permission_set(self) -> frozenset[str]:
        perms: set[str] = set()
        for role in self.role_set:
            perms |= ROLE_PERMISSIONS.get(role, frozenset())
        return frozenset(perms)

    def can(self, perm: str) -> bool:
        return self.is_active and perm in self.permission_set

    @property
    def is_staff_user(self) -> bool:
        return bool(self.role_set - {Role.TENANT})


class UserRole(models.Model):
    user = models.ForeignKey(User, models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class AuditKind(models.TextChoices):
    CHANGE = "change", _("Change")
    ACCESS = "access", _("Personal-data access")
    SECURITY = "security", _("Security event")


class AuditEntry(models.Model):
    """One line of the tamper-evident log. Each entry's hash covers its content and
    the previous entry's hash, so editing or deleting any entry breaks the chain from
    there on; `anju audit-verify` finds the first broken link."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AuditKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=40)
    target_type = models.CharField(_("record type"), max_length=60, db_index=True)
    target_id = models.CharField(_("record id"), max_length=40, blank=True)
    target_label = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["actor", "at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def compute_hash(self) -> str:
        body = json.dumps(
            [
                self.prev_hash,
                self.at.isoformat(),
                self.kind,
                self.actor_id,
                self.actor_label,
                self.ip,
                self.action,
                self.target_type,
                self.target_id,
                self.target_label,
                self.changes,
            ],
            ensure_ascii=False,
            sort_keys=True,
            default=str,
            separators=(",", ":"),
        )
        return hashlib.sha256(body.encode()).hexdigest()


class AuditHead(models.Model):
    """A single row locked while an entry is appended, so concurrent writers extend
    one chain instead of forking it."""

    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return self.last_hash


class TimelineEntry(models.Model):
    """One event in the life of a household or a unit, written by the services. The
    text is rendered from `verb` and `data` at display time, in the reader's language."""

    at = models.DateTimeField(default=timezone.now)
    household = models.ForeignKey(
        "households.Household", models.CASCADE, null=True, blank=True, related_name="timeline"
    )
    unit = models.ForeignKey(
        "housing.Unit", models.CASCADE, null=True, blank=True, related_name="timeline"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household", "at"]), models.Index(fields=["unit", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.verb}"

    def save_and_return(self):
        self.save()
        return self


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobRun(models.Model):
    """Progress and result of one background task (huey has no progress API)."""

    kind = models.CharField(_("kind"), max_length=40)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    input_file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class ApiKey(models.Model):
    """A machine client's key (device gateway, partner agency). Only a hash is kept;
    the key itself is shown once when issued."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="api_keys", verbose_name=_("organisation")
    )
    estates = models.ManyToManyField(
        "housing.Estate",
        blank=True,
        related_name="api_keys",
        verbose_name=_("estates"),
        help_text=_("The estates this key may read or post for; empty means none."),
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Letter")
    PORTAL = "portal", _("Portal message")
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In-app message to staff")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class MessageTemplate(models.Model):
    """The authority's wording of one message, overriding the default in the code
    (`anju.core.notify.TEMPLATES`). Placeholders are written {name}."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    body_zh = models.TextField(_("text (Chinese)"))
    body_en = models.TextField(_("text (English)"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code"]

    def __str__(self):
        return self.code


class MessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Households' messages in the user's estates; a message addressed to a person
        (a staff member's in-app message) only to that person."""
        from .scoping import estate_q

        mine = Q(user__isnull=True) | Q(user_id=getattr(user, "pk", None))
        return self.filter(estate_q(user, "household__estate")).filter(mine)


class Message(models.Model):
    """The notification outbox: one rendered message to one household, or to one staff
    member (`user`: an escalation, say). Services queue messages; pluggable senders
    (settings.ANJU_MESSAGE_SENDERS, one per channel) deliver them. The default senders
    leave SMS and letters here, where the household's archive and the portal show them.
    `key` makes queueing idempotent: the same reminder is never queued twice."""

    key = models.CharField(max_length=120, unique=True)
    household = models.ForeignKey(
        "households.Household",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("household"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("addressed to"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=MessageChannel.choices)
    template = models.CharField(_("template"), max_length=60)
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["household", "created_at"]),
            models.Index(fields=["user", "read_at"], name="message_inbox"),
        ]

    def __str__(self):
        return f"{self.channel} {self.template} → {self.recipient}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .scoping import estate_q

        return self.filter(estate_q(user, "household__estate"))


class Task(models.Model):
    """A follow-up for a person to do (待办): visit a household that did not declare,
    call one in arrears. Raised by services, done by staff of `organisation`. `key`
    keeps a service from raising the same task twice."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    household = models.ForeignKey(
        "households.Household",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("household"),
    )
    organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("responsible"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["status", "due_on", "id"]
        indexes = [models.Index(fields=["organisation", "status", "due_on"])]

    def __str__(self):
        return self.title
