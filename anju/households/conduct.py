"""Bad-conduct records (不良记录) in a household's archive, and the bans they carry.
The supervision issue writes them from violation cases; here a staff member enters one
by hand, and the admission checks read them."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError

from .models import BadConductRecord, ConductReason, Household, Member

timeline.register(
    "conduct.recorded",
    gettext_lazy("Bad conduct recorded for %(name)s: %(conduct)s; barred until %(until)s"),
)


def conduct_record(
    household: Household,
    *,
    actor,
    member: Member | None = None,
    name: str = "",
    id_number_hash: str = "",
    id_number_masked: str = "",
    reason: str,
    details: str = "",
    occurred_on: date,
    banned_until: date,
) -> BadConductRecord:
    """Record one person's bad conduct; `member`, or the person's name and keyed ID hash
    (an applicant who is not yet a member)."""
    if reason not in ConductReason.values:
        raise DomainError(_("Unknown kind of bad conduct."), code="bad_reason")
    if banned_until < occurred_on:
        raise DomainError(_("A ban cannot end before the conduct."), code="bad_dates")
    if member is not None:
        name, id_number_hash = member.name, member.id_number_hash
        id_number_masked = member.id_number_masked
    if not (name and id_number_hash):
        raise DomainError(_("Name the person the record is about."), code="person_required")
    with transaction.atomic():
        record = BadConductRecord.objects.create(
            household=household,
            name=name,
            id_number_hash=id_number_hash,
            id_number_masked=id_number_masked,
            reason=reason,
            details=details.strip(),
            occurred_on=occurred_on,
            banned_until=banned_until,
            recorded_by=actor,
        )
        audit.record(
            actor=actor,
            action="conduct.record",
            target=record,
            changes=audit.snapshot(
                record, ["name", "id_number_masked", "reason", "occurred_on", "banned_until"]
            ),
        )
        timeline.add(
            "conduct.recorded",
            actor=actor,
            for_household=household,
            name=name,
            conduct=reason,
            until=str(banned_until),
        )
    return record
