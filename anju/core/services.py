"""Writes to organisations, user accounts and API keys."""

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, pii
from .errors import DomainError
from .models import ApiKey, AuditKind, Organisation, OrgKind, User, UserRole
from .roles import SEPARATED_ROLES, Role

ORG_FIELDS = [
    "code",
    "name",
    "kind",
    "parent",
    "phone",
    "address",
    "is_active",
    "agency_function",
]

# Which organisation kinds each role belongs to.
ROLE_ORG_KINDS = {
    Role.AUTHORITY_OFFICER: {OrgKind.AUTHORITY},
    Role.AUDITOR: {OrgKind.AUTHORITY},
    Role.SYSTEM_ADMIN: {OrgKind.AUTHORITY},
    Role.SECURITY_ADMIN: {OrgKind.AUTHORITY},
    Role.STREET_REVIEWER: {OrgKind.STREET},
    Role.COMMUNITY_WORKER: {OrgKind.COMMUNITY},
    Role.OPERATOR_CLERK: {OrgKind.OPERATOR},
    Role.PROPERTY_STAFF: {OrgKind.PROPERTY},
    Role.PROPERTY_MANAGER: {OrgKind.PROPERTY},
    Role.PARTNER_AGENCY: {OrgKind.AGENCY},
    Role.TENANT: set(),
}


def check_roles(roles, organisation) -> list[str]:
    roles = sorted(set(roles))
    if not roles:
        raise DomainError(_("Give the account at least one role."), code="no_role")
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise DomainError(_("Unknown role: %(r)s") % {"r": ", ".join(sorted(unknown))})
    separated = set(roles) & SEPARATED_ROLES
    if len(separated) > 1:
        raise DomainError(
            _(
                "The system administrator, security administrator and auditor roles must be "
                "held by different accounts."
            ),
            code="separation_of_duties",
        )
    for role in roles:
        kinds = ROLE_ORG_KINDS[role]
        if kinds and (organisation is None or organisation.kind not in kinds):
            raise DomainError(
                _("The role “%(role)s” does not fit the organisation.")
                % {"role": Role(role).label},
                code="role_org_mismatch",
            )
    return roles


def user_create(
    *, actor, username: str, full_name: str, organisation, roles, password: str, household=None
) -> User:
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The username %(u)s is taken.") % {"u": username}, code="duplicate")
    roles = check_roles(roles, organisation)
    user = User(
        username=username, full_name=full_name, organisation=organisation, household=household
    )
    _check_password(user, password)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles])
        audit.record(
            actor=actor,
            kind=AuditKind.SECURITY,
            action="user.create",
            target=user,
            changes={"organisation": organisation.pk if organisation else None, "roles": roles},
        )
    return user


def applicant_signup(*, phone: str, password: str, full_name: str) -> User:
    """A tenant-portal account for a family that is about to apply. The applicant logs
    in with the phone number; the username keeps only its keyed hash
    (`pii.phone_username`), so no phone number is stored in the clear."""
    phone = pii.validate_phone(phone)
    full_name = (full_name or "").strip()
    if not full_name:
        raise DomainError(_("Give your full name."), code="name_required")
    username = pii.phone_username(phone)
    if User.objects.filter(username=username).exists():
        raise DomainError(
            _("The phone number %(p)s is already registered. Log in with it instead.")
            % {"p": phone},
            code="phone_registered",
        )
    return user_create(
        actor=None,
        username=username,
        full_name=full_name,
        organisation=None,
        roles=[Role.TENANT],
        password=password,
    )


def _check_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="weak_password") from exc


def user_update(
    user: User,
    *,
    actor,
    full_name: str,
    organisation,
    roles,
    is_active: bool,
    password: str = "",
) -> User:
    """Change an account; with `password`, also reset its password. All of it or none."""
    if user.pk == actor.pk and not is_active:
        raise DomainError(_("You cannot deactivate your own account."), code="self_lockout")
    roles = check_roles(roles, organisation)
    old_roles = sorted(user.role_set)
    if user.pk == getattr(actor, "pk", None) and roles != old_roles:
        raise DomainError(
            _("You cannot change your own roles; ask another security administrator."),
            code="self_grant",
        )
    if password:
        _check_password(user, password)
    before = audit.snapshot(user, ["full_name", "organisation", "is_active"])
    with transaction.atomic():
        if password:
            user_set_password(user, actor=actor, password=password)
        user.full_name, user.organisation, user.is_active = full_name, organisation, is_active
        user.save(update_fields=["full_name", "organisation", "is_active"])
        UserRole.objects.filter(user=user).exclude(role__in=roles).delete()
        UserRole.objects.bulk_create(
            [UserRole(user=user, role=r) for r in roles], ignore_conflicts=True
        )
        changes = audit.diff(
            before, audit.snapshot(user, ["full_name", "organisation", "is_active"])
        )
        if old_roles != roles:
            changes["roles"] = [old_roles, roles]
        audit.record(
            actor=actor, kind=AuditKind.SECURITY, action="user.update", target=user, changes=changes
        )
    user.__dict__.pop("_role_set", None)
    return user


def user_set_password(user: User, *, actor, password: str) -> User:
    _check_password(user, password)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(
            actor=actor, kind=AuditKind.SECURITY, action="user.password_reset", target=user
        )
    return user


def organisation_save(org: Organisation | None, *, actor, **values) -> Organisation:
    creating = org is None
    org = org or Organisation()
    before = {} if creating else audit.snapshot(org, ORG_FIELDS)
    for key, value in values.items():
        setattr(org, key, value)
    parent = org.parent
    parent_kind: dict[str, str] = {OrgKind.COMMUNITY: OrgKind.STREET}
    expected = parent_kind.get(org.kind, OrgKind.AUTHORITY)
    if org.kind == OrgKind.AUTHORITY:
        if parent is not None:
            raise DomainError(_("The authority is the root of the tree."), code="bad_parent")
    elif parent is None or parent.kind != expected:
        raise DomainError(
            _("A %(kind)s must sit under a %(parent)s.")
            % {"kind": OrgKind(org.kind).label, "parent": OrgKind(expected).label},
            code="bad_parent",
        )
    if Organisation.objects.filter(code=org.code).exclude(pk=org.pk).exists():
        raise DomainError(_("The code %(c)s is taken.") % {"c": org.code}, code="duplicate")
    with transaction.atomic():
        org.save()
        audit.record(
            actor=actor,
            action="organisation.create" if creating else "organisation.update",
            target=org,
            changes=audit.diff(before, audit.snapshot(org, ORG_FIELDS)),
        )
    return org


# --- API keys ---------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def apikey_issue(*, actor, name: str, organisation, estates, scopes=()) -> tuple[ApiKey, str]:
    """Return the key row and the key itself, which is shown once and never stored."""
    if not name.strip():
        raise DomainError(_("Name the key after the client that will use it."))
    prefix = secrets.token_hex(4)
    key = f"anju_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        row = ApiKey.objects.create(
            name=name.strip(),
            prefix=prefix,
            key_hash=hash_key(key),
            organisation=organisation,
            scopes=list(scopes),
            created_by=actor,
        )
        row.estates.set(estates)
        audit.record(
            actor=actor,
            kind=AuditKind.SECURITY,
            action="apikey.issue",
            target=row,
            changes={
                "organisation": organisation.pk,
                "estates": sorted(e.pk for e in estates),
                "scopes": list(scopes),
            },
        )
    return row, key


def apikey_revoke(row: ApiKey, *, actor) -> ApiKey:
    if row.revoked_at:
        raise DomainError(_("This key is already revoked."), code="already_revoked")
    with transaction.atomic():
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        audit.record(actor=actor, kind=AuditKind.SECURITY, action="apikey.revoke", target=row)
    return row


def apikey_authenticate(key: str) -> ApiKey | None:
    if not key or not key.startswith("anju_"):
        return None
    row = (
        ApiKey.objects.filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .select_related("organisation")
        .first()
    )
    if row is not None:
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row
