"""Duplicate and ban checks. Any member whose ID number is in another active
application or a current household, or under a bad-conduct ban, is flagged; so is a
likely duplicate (the same name and date of birth under another ID number). Staff
clear or uphold each flag, and the decision is kept with its author."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError
from anju.households.models import BadConductRecord, Member

from ..models import ACTIVE_STATUSES, Application, ApplicationMember, Flag, FlagKind, FlagStatus
from .applications import name_key


def application_flags_check(application: Application) -> list[Flag]:
    """Find what is flagged now and add the flags not yet recorded (running it again
    adds nothing). A handful of queries per application, whatever its size."""
    members = list(application.members.all())
    hashes = {m.id_number_hash: m for m in members}
    today = timezone.localdate()
    found: list[Flag] = []

    others = (
        ApplicationMember.objects.filter(
            id_number_hash__in=hashes, application__status__in=ACTIVE_STATUSES
        )
        .exclude(application=application)
        .select_related("application")
    )
    for other in others:
        found.append(
            Flag(
                application=application,
                member=hashes[other.id_number_hash],
                kind=FlagKind.OTHER_APPLICATION,
                other_application=other.application,
            )
        )
    current = Member.objects.filter(id_number_hash__in=hashes, left_at__isnull=True).exclude(
        household=application.household_id
    )
    for person in current:
        found.append(
            Flag(
                application=application,
                member=hashes[person.id_number_hash],
                kind=FlagKind.CURRENT_HOUSEHOLD,
                other_household_id=person.household_id,
            )
        )
    for ban in BadConductRecord.objects.filter(id_number_hash__in=hashes).in_force(today):
        found.append(
            Flag(
                application=application,
                member=hashes[ban.id_number_hash],
                kind=FlagKind.BANNED,
                ban=ban,
            )
        )
    found += _likely_duplicates(application, members)

    existing = {
        (f.member_id, f.kind, f.other_application_id, f.other_household_id, f.ban_id)
        for f in application.flags.all()
    }
    new = [
        f
        for f in found
        if (f.member_id, f.kind, f.other_application_id, f.other_household_id, f.ban_id)
        not in existing
    ]
    Flag.objects.bulk_create(new)
    return new


def _likely_duplicates(application: Application, members) -> list[Flag]:
    by_birth: dict = {}
    for m in members:
        by_birth.setdefault(m.birth_date, []).append(m)
    if not by_birth:
        return []
    flags = []
    similar = (
        ApplicationMember.objects.filter(
            birth_date__in=by_birth, application__status__in=ACTIVE_STATUSES
        )
        .exclude(application=application)
        .only("name_key", "birth_date", "id_number_hash", "application_id")
    )
    for other in similar:
        for m in by_birth[other.birth_date]:
            if other.name_key == m.name_key and other.id_number_hash != m.id_number_hash:
                flags.append(
                    Flag(
                        application=application,
                        member=m,
                        kind=FlagKind.LIKELY_DUPLICATE,
                        other_application_id=other.application_id,
                    )
                )
    people = Member.objects.filter(birth_date__in=by_birth, left_at__isnull=True).exclude(
        Q(household=application.household_id)
    )
    for person in people.only("name", "birth_date", "id_number_hash", "household_id"):
        for m in by_birth[person.birth_date]:
            if name_key(person.name) == m.name_key and person.id_number_hash != m.id_number_hash:
                flags.append(
                    Flag(
                        application=application,
                        member=m,
                        kind=FlagKind.LIKELY_DUPLICATE,
                        other_household_id=person.household_id,
                    )
                )
    return flags


def flag_resolve(flag: Flag, *, actor, status: str, resolution: str) -> Flag:
    if flag.status != FlagStatus.OPEN:
        raise DomainError(_("This flag has already been decided."), code="decided")
    if status not in (FlagStatus.CLEARED, FlagStatus.UPHELD):
        raise DomainError(_("Clear or uphold the flag."), code="bad_status")
    if not (resolution or "").strip():
        raise DomainError(_("Say why, in a few words."), code="reason_required")
    with transaction.atomic():
        flag.status = status
        flag.resolution = resolution.strip()
        flag.resolved_by, flag.resolved_at = actor, timezone.now()
        flag.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
        audit.record(
            actor=actor,
            action="flag.resolve",
            target=flag,
            changes={
                "application": flag.application.number,
                "kind": flag.kind,
                "status": status,
                "resolution": flag.resolution,
            },
        )
    return flag


def open_flags(application: Application):
    return application.flags.filter(status=FlagStatus.OPEN)
