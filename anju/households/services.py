"""Writes to households, members, leases and the archive. Every service checks the
state, changes it atomically, and writes one audit entry and one timeline entry."""

from decimal import Decimal

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.models import AuditKind
from anju.housing.models import Unit, UnitStatus
from anju.housing.services import unit_set_status

from . import protected
from .models import (
    ArchiveDocument,
    Credential,
    Household,
    HouseholdStatus,
    Lease,
    LeaseRent,
    LeaseStatus,
    Member,
    PaperFile,
    PaperFileLoan,
    Relation,
    RentReason,
)

MEMBER_FIELDS = [
    "name",
    "relation",
    "id_number_masked",
    "phone_masked",
    "hukou",
    "employer",
    "monthly_income",
    "disability",
    "special_care",
]
HOUSEHOLD_FIELDS = ["number", "category", "status", "community", "estate", "unit"]


def household_create(
    *, actor, number: str, category: str, community=None, status: str = HouseholdStatus.APPLICANT
) -> Household:
    number = number.strip()
    if Household.objects.filter(number=number).exists():
        raise DomainError(
            _("Household number %(number)s is taken.") % {"number": number}, code="duplicate"
        )
    with transaction.atomic():
        household = Household.objects.create(
            number=number, category=category, community=community, status=status
        )
        audit.record(
            actor=actor,
            action="household.create",
            target=household,
            changes=audit.snapshot(household, HOUSEHOLD_FIELDS),
        )
        timeline.add(
            "household.created",
            actor=actor,
            for_household=household,
            number=number,
            category=category,
        )
    return household


def household_update(household: Household, *, actor, **values) -> Household:
    allowed = {"category", "community"}
    unknown = set(values) - allowed
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    before = audit.snapshot(household, allowed)
    for key, value in values.items():
        setattr(household, key, value)
    changes = audit.diff(before, audit.snapshot(household, allowed))
    if not changes:
        return household
    with transaction.atomic():
        household.save(update_fields=list(changes))
        audit.record(actor=actor, action="household.update", target=household, changes=changes)
        timeline.add(
            "household.updated", actor=actor, for_household=household, fields=", ".join(changes)
        )
    return household


def member_add(
    household: Household,
    *,
    actor,
    name: str,
    id_number: str,
    relation: str,
    phone: str = "",
    hukou: str = "",
    employer: str = "",
    monthly_income: Decimal = Decimal("0"),
    disability: str = "",
    special_care: str = "",
) -> Member:
    if household.closed_at:
        raise DomainError(_("The household's archive is closed."), code="closed")
    if relation not in Relation.values:
        raise DomainError(_("Unknown relation to the head of household."), code="bad_relation")
    member = Member(
        household=household,
        relation=relation,
        hukou=hukou,
        employer=employer,
        monthly_income=Decimal(monthly_income or 0),
        disability=disability,
        special_care=special_care,
    )
    protected.set_name(member, name)
    if not member.name:
        raise DomainError(_("A member needs a name."), code="name_required")
    protected.set_id_number(member, id_number)
    protected.set_phone(member, phone)
    if relation == Relation.HEAD and household.head_id:
        raise DomainError(_("The household already has a head."), code="head_exists")
    _check_person_free(member)
    try:
        with transaction.atomic():
            member.save()
            if relation == Relation.HEAD:
                household.head = member
                household.save(update_fields=["head"])
            audit.record(
                actor=actor,
                action="member.add",
                target=member,
                changes={"household": household.number, **audit.snapshot(member, MEMBER_FIELDS)},
            )
            timeline.add(
                "member.added",
                actor=actor,
                for_household=household,
                name=member.name,
                relation=relation,
            )
    except IntegrityError as exc:
        raise DomainError(
            _("This person is already a member of another household."),
            code="person_in_other_household",
        ) from exc
    return member


def _check_person_free(member: Member) -> None:
    other = (
        Member.objects.current()
        .filter(id_number_hash=member.id_number_hash)
        .exclude(pk=member.pk)
        .select_related("household")
        .first()
    )
    if other:
        raise DomainError(
            _("This person is already a member of household %(number)s.")
            % {"number": other.household.number},
            code="person_in_other_household",
        )


def member_update(member: Member, *, actor, **values) -> Member:
    before = audit.snapshot(member, MEMBER_FIELDS)
    for key, value in values.items():
        if key == "name":
            protected.set_name(member, value)
        elif key == "id_number":
            protected.set_id_number(member, value)
        elif key == "phone":
            protected.set_phone(member, value)
        elif key in {"hukou", "employer", "disability", "special_care", "relation"}:
            setattr(member, key, value)
        elif key == "monthly_income":
            member.monthly_income = Decimal(value or 0)
        else:
            raise DomainError(_("This field cannot be changed here: %(f)s") % {"f": key})
    changes = audit.diff(before, audit.snapshot(member, MEMBER_FIELDS))
    if not changes:
        return member
    if "id_number_masked" in changes or "id_number" in values:
        _check_person_free(member)
    fields = {
        "id_number_masked": [
            "id_number_enc",
            "id_number_hash",
            "id_number_masked",
            "birth_date",
            "sex",
        ],
        "phone_masked": ["phone_enc", "phone_hash", "phone_masked"],
        "name": ["name", "name_pinyin", "name_initials"],
    }
    update_fields = sorted({f for c in changes for f in fields.get(c, [c])})
    with transaction.atomic():
        member.save(update_fields=update_fields)
        audit.record(actor=actor, action="member.update", target=member, changes=changes)
        timeline.add(
            "member.updated",
            actor=actor,
            for_household=member.household,
            name=member.name,
            fields=", ".join(changes),
        )
    return member


def member_leave(member: Member, *, actor, on=None) -> Member:
    if member.left_at:
        raise DomainError(_("%(name)s has already left.") % {"name": member.name})
    if member.household.head_id == member.pk:
        raise DomainError(
            _("Choose a new head of household before the head leaves."), code="head_cannot_leave"
        )
    with transaction.atomic():
        member.left_at = on or timezone.localdate()
        member.save(update_fields=["left_at"])
        member.credentials.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit.record(
            actor=actor,
            action="member.leave",
            target=member,
            changes={"left_at": [None, str(member.left_at)]},
        )
        timeline.add("member.left", actor=actor, for_household=member.household, name=member.name)
    return member


def household_set_head(household: Household, *, actor, member: Member) -> Household:
    if member.household_id != household.pk or member.left_at:
        raise DomainError(_("The new head must be a current member of this household."))
    old = household.head
    with transaction.atomic():
        if old and old.pk != member.pk:
            old.relation = Relation.OTHER
            old.save(update_fields=["relation"])
        member.relation = Relation.HEAD
        member.save(update_fields=["relation"])
        household.head = member
        household.save(update_fields=["head"])
        audit.record(
            actor=actor,
            action="household.head",
            target=household,
            changes={"head": [old.name if old else None, member.name]},
        )
        timeline.add("head.changed", actor=actor, for_household=household, name=member.name)
    return household


def credential_add(member: Member, *, actor, kind: str, ref: str) -> Credential:
    ref = ref.strip()
    if Credential.objects.filter(kind=kind, ref=ref, revoked_at__isnull=True).exists():
        raise DomainError(
            _("This credential is already enrolled for someone."), code="credential_taken"
        )
    with transaction.atomic():
        cred = Credential.objects.create(member=member, kind=kind, ref=ref)
        audit.record(
            actor=actor,
            action="credential.add",
            target=cred,
            changes={"member": member.name, "kind": kind, "ref": ref},
        )
    return cred


def member_reveal(member: Member, *, actor, field: str) -> str:
    """Return the full ID or phone number and record who saw it. Callers must have
    checked the `pii.unmask` permission (the view declares it)."""
    if field not in {"id_number", "phone"}:
        raise DomainError(_("Nothing to reveal."))
    value = member.reveal_id_number() if field == "id_number" else member.reveal_phone()
    with transaction.atomic():
        audit.record(
            actor=actor,
            kind=AuditKind.ACCESS,
            action=f"reveal.{field}",
            target=member,
            changes={"household": member.household.number, "field": field},
        )
        timeline.add(
            "pii.unmasked",
            actor=actor,
            for_household=member.household,
            who=str(actor),
            field=field,
            name=member.name,
        )
    return value


# --- Leases -----------------------------------------------------------------------


def lease_start(
    household: Household,
    *,
    actor,
    unit: Unit,
    number: str,
    start,
    end,
    monthly_rent: Decimal,
    terms: dict | None = None,
    status: str = LeaseStatus.ACTIVE,
) -> Lease:
    """Start a lease: the household moves into the unit. `terms` holds the optional
    rent terms (area_m2, price_per_m2, relief_tier, rent_multiplier, surcharge, deposit,
    billing_day, signed_document, previous). The first row of the rent history is
    written with it."""
    if end <= start:
        raise DomainError(_("A lease must end after it starts."), code="bad_dates")
    if household.unit is not None and household.unit_id != unit.pk:
        raise DomainError(
            _("The household already lives in unit %(u)s.") % {"u": household.unit.code},
            code="already_housed",
        )
    if unit.status not in (UnitStatus.VACANT, UnitStatus.RESERVED):
        raise DomainError(
            _("Unit %(u)s is not available.") % {"u": unit.code}, code="unit_unavailable"
        )
    terms = dict(terms or {})
    unknown = set(terms) - LEASE_TERMS
    if unknown:
        raise ValueError(f"unknown lease terms: {sorted(unknown)}")
    with transaction.atomic():
        lease = Lease.objects.create(
            household=household,
            unit=unit,
            number=number,
            start=start,
            end=end,
            monthly_rent=monthly_rent,
            status=status,
            **terms,
        )
        lease_rent_first(lease, actor=actor)
        household.unit, household.estate = unit, unit.estate
        household.status = HouseholdStatus.TENANT
        household.save(update_fields=["unit", "estate", "status"])
        unit_set_status(
            unit,
            actor=actor,
            status=UnitStatus.OCCUPIED,
            reason=_("Lease %(n)s") % {"n": number},
            by_lease=True,
        )
        audit.record(
            actor=actor,
            action="lease.start",
            target=lease,
            changes=audit.snapshot(lease, ["household", "unit", "start", "end", "monthly_rent"]),
        )
        for target in ({"for_household": household}, {"for_unit": unit}):
            timeline.add(
                "lease.started",
                actor=actor,
                number=number,
                unit=unit.code,
                start=str(start),
                **target,
            )
    return lease


LEASE_TERMS = frozenset(
    {
        "area_m2",
        "price_per_m2",
        "relief_tier",
        "rent_multiplier",
        "surcharge",
        "deposit",
        "billing_day",
        "signed_document",
        "previous",
    }
)
RENT_FIELDS = ["monthly_rent", "price_per_m2", "relief_tier", "rent_multiplier", "surcharge"]


def lease_rent_first(lease: Lease, *, actor=None, reason: str = RentReason.START) -> LeaseRent:
    """The first row of a lease's rent history: its terms from its first day."""
    return LeaseRent.objects.create(
        lease=lease,
        effective_from=lease.start,
        reason=reason,
        created_by=actor if getattr(actor, "pk", None) else None,
        **{f: getattr(lease, f) for f in RENT_FIELDS},
    )


def lease_rents_backfill(lease_ids=None) -> int:
    """Give every lease without a rent history (bulk-created by the ledger import or
    the demo) its first row, copied from the lease, in one statement. Leases whose only
    row is that first row follow the lease's rent when the ledger corrects it."""
    leases = Lease.objects.all() if lease_ids is None else Lease.objects.filter(pk__in=lease_ids)
    # A ledger correction of a lease that never changed rent rewrites its only row.
    stale = list(
        leases.annotate(rows=models.Count("rents"))
        .filter(rows=1)
        .exclude(rents__monthly_rent=models.F("monthly_rent"))
        .values_list("pk", flat=True)
    )
    if stale:
        LeaseRent.objects.filter(lease_id__in=stale).update(
            monthly_rent=models.Subquery(
                Lease.objects.filter(pk=models.OuterRef("lease_id")).values("monthly_rent")[:1]
            )
        )
    missing = leases.filter(rents__isnull=True).values("pk", "start", *RENT_FIELDS)
    rows = [
        LeaseRent(
            lease_id=row.pop("pk"),
            effective_from=row.pop("start"),
            reason=RentReason.START,
            **row,
        )
        for row in missing.iterator(chunk_size=5000)
    ]
    LeaseRent.objects.bulk_create(rows, batch_size=2000)
    return len(rows) + len(stale)


def lease_end(
    lease: Lease,
    *,
    actor,
    on,
    status: str = LeaseStatus.ENDED,
    unit_status: str = UnitStatus.VACATING,
) -> Lease:
    """End an active lease: `on` is the tenancy's last day, kept in `ended_on` (the
    contract's term, `end`, stays as signed; the bill run stops at the earlier of the
    two). The household leaves the unit, which goes to `unit_status`: vacating while
    the handover is still to come, or straight to vacant or under repair after it."""
    if lease.status != LeaseStatus.ACTIVE:
        raise DomainError(_("Only an active lease can end."), code="not_active")
    if on < lease.start:
        raise DomainError(_("A lease cannot end before it starts."), code="bad_dates")
    household, unit = lease.household, lease.unit
    with transaction.atomic():
        lease.status = status
        lease.ended_on = on
        lease.save(update_fields=["status", "ended_on"])
        if unit.status == UnitStatus.OCCUPIED:
            unit_set_status(unit, actor=actor, status=UnitStatus.VACATING, by_lease=True)
        unit_set_status(
            unit,
            actor=actor,
            status=unit_status,
            reason=_("Lease %(n)s ended") % {"n": lease.number},
            by_lease=True,
        )
        if household.unit_id == unit.pk:
            household.unit = None
            household.save(update_fields=["unit"])
        audit.record(
            actor=actor,
            action="lease.end",
            target=lease,
            changes={"status": ["active", status], "ended_on": str(on)},
        )
        for target in ({"for_household": household}, {"for_unit": unit}):
            timeline.add(
                "lease.ended",
                actor=actor,
                number=lease.number,
                unit=unit.code,
                end=str(on),
                **target,
            )
    return lease


def credentials_revoke(household: Household, *, actor, at=None) -> int:
    """Revoke every door credential of the household's members (keys and cards handed
    back at a move-out). Returns how many were revoked; a second call revokes none."""
    at = at or timezone.now()
    live = Credential.objects.filter(member__household=household, revoked_at__isnull=True)
    refs = list(live.values_list("kind", "ref"))
    if not refs:
        return 0
    with transaction.atomic():
        count = live.update(revoked_at=at)
        audit.record(
            actor=actor,
            action="credential.revoke",
            target=household,
            changes={"revoked": [f"{kind}:{ref}" for kind, ref in refs]},
        )
        timeline.add("credentials.revoked", actor=actor, for_household=household, count=count)
    return count


def household_close(household: Household, *, actor, reason: str) -> Household:
    """Close the household's archive when its tenancy is over: it is kept, never
    deleted, with the reason and the day."""
    if household.closed_at is not None:
        raise DomainError(_("This household's archive is already closed."), code="closed")
    if household.leases.filter(status=LeaseStatus.ACTIVE).exists():
        raise DomainError(_("The household still holds an active lease."), code="active_lease")
    reason = reason.strip()[:200]
    with transaction.atomic():
        old = household.status
        household.status = HouseholdStatus.EXITED
        household.unit = None
        household.closed_at, household.closed_reason = timezone.now(), reason
        household.save(update_fields=["status", "unit", "closed_at", "closed_reason"])
        audit.record(
            actor=actor,
            action="household.close",
            target=household,
            changes={"status": [old, HouseholdStatus.EXITED], "reason": reason},
        )
        timeline.add("archive.closed", actor=actor, for_household=household, reason=reason)
    return household


# --- The archive ------------------------------------------------------------------


def document_add(
    household: Household, *, actor, doc_type: str, title: str, file, expires_on=None
) -> ArchiveDocument:
    if not title.strip():
        raise DomainError(_("Give the document a title."), code="title_required")
    with transaction.atomic():
        doc = ArchiveDocument.objects.create(
            household=household,
            doc_type=doc_type,
            title=title.strip(),
            file=file,
            expires_on=expires_on,
            uploaded_by=actor,
        )
        audit.record(
            actor=actor,
            action="document.add",
            target=doc,
            changes={"household": household.number, "type": doc_type, "title": title},
        )
        timeline.add("document.added", actor=actor, for_household=household, title=doc.title)
    return doc


def paper_file_place(
    household: Household, *, actor, room: str, cabinet: str, box: str
) -> PaperFile:
    if not (room.strip() and cabinet.strip() and box.strip()):
        raise DomainError(_("Give the room, cabinet and box."), code="location_required")
    with transaction.atomic():
        paper, created = PaperFile.objects.select_for_update().get_or_create(
            household=household, defaults={"room": room, "cabinet": cabinet, "box": box}
        )
        before = {} if created else audit.snapshot(paper, ["room", "cabinet", "box"])
        paper.room, paper.cabinet, paper.box = room.strip(), cabinet.strip(), box.strip()
        paper.updated_at = timezone.now()
        paper.save()
        audit.record(
            actor=actor,
            action="paper.place",
            target=paper,
            changes=audit.diff(before, audit.snapshot(paper, ["room", "cabinet", "box"])),
        )
        timeline.add("paper.moved", actor=actor, for_household=household, location=str(paper))
    return paper


def paper_file_lend(
    paper: PaperFile, *, actor, borrower: str, purpose: str = "", due_on=None
) -> PaperFileLoan:
    if not borrower.strip():
        raise DomainError(_("Name the borrower."), code="borrower_required")
    if paper.loans.filter(returned_at__isnull=True).exists():
        raise DomainError(_("The paper file is already lent out."), code="already_lent")
    with transaction.atomic():
        loan = PaperFileLoan.objects.create(
            paper_file=paper,
            borrower=borrower.strip(),
            purpose=purpose,
            due_on=due_on,
            lent_by=actor,
        )
        audit.record(
            actor=actor,
            action="paper.lend",
            target=loan,
            changes={"borrower": loan.borrower, "purpose": purpose},
        )
        timeline.add(
            "paper.borrowed", actor=actor, for_household=paper.household, borrower=loan.borrower
        )
    return loan


def paper_file_return(loan: PaperFileLoan, *, actor) -> PaperFileLoan:
    if loan.returned_at:
        raise DomainError(_("This loan was already returned."), code="already_returned")
    with transaction.atomic():
        loan.returned_at = timezone.now()
        loan.save(update_fields=["returned_at"])
        audit.record(
            actor=actor,
            action="paper.return",
            target=loan,
            changes={"returned_at": str(loan.returned_at)},
        )
        timeline.add(
            "paper.returned",
            actor=actor,
            for_household=loan.paper_file.household,
            borrower=loan.borrower,
        )
    return loan
