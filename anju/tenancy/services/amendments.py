"""Lease amendments (变更) and the lease terms staff may edit.

An amendment is requested by the operator or the authority and decided by the
authority. Approval applies it in the same transaction through the services that own
the data: a member joins or leaves (households.member_add / member_leave), the head
changes after a death or a divorce (households.household_set_head, then the old head
leaves), or the rent tier changes from a date (rent.lease_rent_change). A rejected
amendment changes nothing. While one amendment of a kind is pending for a person (or,
for a head change or a new rent tier, for the lease), the same one cannot be asked
for again.

A joining member's ID and phone numbers wait in the request encrypted, as they are
kept on a member, and only the masked forms are shown."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, pii, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel
from anju.core.uploads import check_document
from anju.households import services as hh
from anju.households.models import (
    DocumentType,
    Lease,
    LeaseStatus,
    Member,
    Relation,
    RentReason,
)

from ..models import AmendmentKind, AmendmentStatus, LeaseAmendment
from .rent import lease_rent_change, rent_of


class HeadChangeCause(models.TextChoices):
    DEATH = "death", gettext_lazy("Death of the head of household")
    DIVORCE = "divorce", gettext_lazy("Divorce")


timeline.register(
    "amendment.requested",
    gettext_lazy("Lease amendment requested for lease %(number)s: %(kind)s (%(summary)s)"),
)
timeline.register(
    "amendment.approved",
    gettext_lazy("Lease amendment approved for lease %(number)s: %(kind)s (%(summary)s)"),
)
timeline.register(
    "amendment.rejected",
    gettext_lazy("Lease amendment rejected for lease %(number)s: %(kind)s (%(summary)s)"),
)
timeline.register(
    "lease.terms",
    gettext_lazy("Terms of lease %(number)s changed: %(fields)s"),
)
notify.register(
    "amendment.approved",
    MessageChannel.PORTAL,
    gettext_lazy(
        "Your lease {number}: the change “{kind}” was approved and applies from {start}. {note}"
    ),
)
notify.register(
    "amendment.rejected",
    MessageChannel.PORTAL,
    gettext_lazy("Your lease {number}: the change “{kind}” was not approved. {note}"),
)

# The archive type a supporting document is filed under, by kind.
DOCUMENT_TYPES = {
    AmendmentKind.MEMBER_JOINS: DocumentType.HUKOU,
    AmendmentKind.MEMBER_LEAVES: DocumentType.OTHER,
    AmendmentKind.HEAD_CHANGES: DocumentType.OTHER,
    AmendmentKind.RENT_TIER: DocumentType.INCOME,
}
TIER_FIELDS = ("relief_tier", "rent_multiplier")
TERMS_FIELDS = ["billing_day", "deposit"]
CENT = Decimal("0.01")


# --- Reading a request's details ------------------------------------------------------


def summary(amendment: LeaseAmendment) -> str:
    """What the amendment changes, in one line, for lists, the timeline and messages."""
    d = amendment.details
    kind = amendment.kind
    if kind == AmendmentKind.MEMBER_JOINS:
        return _("%(name)s joins as %(relation)s") % {
            "name": d.get("name", ""),
            "relation": Relation(d["relation"]).label if d.get("relation") else "",
        }
    if kind == AmendmentKind.MEMBER_LEAVES:
        return _("%(name)s leaves") % {"name": d.get("name", "")}
    if kind == AmendmentKind.HEAD_CHANGES:
        cause = d.get("cause")
        return _("%(old)s → %(new)s (%(cause)s)") % {
            "old": d.get("old_head_name", ""),
            "new": d.get("name", ""),
            "cause": HeadChangeCause(cause).label if cause in HeadChangeCause.values else "",
        }
    parts = []
    if "relief_tier" in d:
        parts.append(
            _("relief tier %(old)s → %(new)s")
            % {"old": d.get("old", {}).get("relief_tier") or "—", "new": d["relief_tier"]}
        )
    if "rent_multiplier" in d:
        parts.append(
            _("multiplier %(old)s → %(new)s")
            % {"old": d.get("old", {}).get("rent_multiplier") or "—", "new": d["rent_multiplier"]}
        )
    return ", ".join(str(p) for p in parts)


# --- Requesting ---------------------------------------------------------------------------


def _decimal(value, *, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(
            _("%(label)s is not a number.") % {"label": label}, code="not_a_number"
        ) from exc
    if not number.is_finite():
        raise DomainError(_("%(label)s is not a number.") % {"label": label}, code="not_a_number")
    return number


def _current_member(lease: Lease, pk) -> Member:
    member = Member.objects.current().filter(household_id=lease.household_id, pk=pk).first()
    if member is None:
        raise DomainError(
            _("Choose a current member of the household."), code="not_a_current_member"
        )
    return member


def _joining(lease: Lease, values: dict) -> dict:
    name = (values.get("name") or "").strip()
    if not name:
        raise DomainError(_("A member needs a name."), code="name_required")
    relation = values.get("relation") or ""
    if relation not in Relation.values or relation == Relation.HEAD:
        raise DomainError(
            _("Choose the new member's relation to the head of household."),
            code="bad_relation",
        )
    number = pii.validate_id_number(values.get("id_number") or "")
    person = pii.blind_index(number)
    other = (
        Member.objects.current().filter(id_number_hash=person).select_related("household").first()
    )
    if other is not None:
        raise DomainError(
            _("This person is already a member of household %(number)s.")
            % {"number": other.household.number},
            code="person_in_other_household",
        )
    phone = (values.get("phone") or "").strip()
    if phone:
        phone = pii.validate_phone(phone)
    income = _decimal(values.get("monthly_income") or "0", label=_("Monthly income"))
    if income < 0 or income != income.quantize(CENT):
        raise DomainError(
            _("Give the monthly income in yuan, with at most two decimals."), code="bad_income"
        )
    return {
        "subject": f"person:{person}",
        "name": name,
        "relation": relation,
        "id_number_enc": pii.encrypt(number),
        "id_number_masked": pii.mask_id_number(number),
        "birth_date": pii.id_birth_date(number).isoformat(),
        "sex": pii.id_sex(number),
        "phone_enc": pii.encrypt(phone) if phone else "",
        "phone_masked": pii.mask_phone(phone) if phone else "",
        "hukou": (values.get("hukou") or "").strip()[:100],
        "employer": (values.get("employer") or "").strip()[:100],
        "monthly_income": str(income),
    }


def _leaving(lease: Lease, values: dict) -> dict:
    member = _current_member(lease, values.get("member"))
    if member.pk == lease.household.head_id:
        raise DomainError(
            _("The head of household cannot simply leave: request a change of head."),
            code="head_cannot_leave",
        )
    return {"subject": f"member:{member.pk}", "member": member.pk, "name": member.name}


def _new_head(lease: Lease, values: dict) -> dict:
    member = _current_member(lease, values.get("member"))
    household = lease.household
    if member.pk == household.head_id:
        raise DomainError(
            _("%(name)s is already the head of household.") % {"name": member.name},
            code="already_head",
        )
    cause = values.get("cause") or ""
    if cause not in HeadChangeCause.values:
        raise DomainError(
            _("Say why the head changes: a death or a divorce."), code="cause_required"
        )
    old = household.head
    return {
        "subject": "household",
        "member": member.pk,
        "name": member.name,
        "cause": cause,
        "old_head": old.pk if old else None,
        "old_head_name": old.name if old else "",
    }


def _tier(lease: Lease, values: dict) -> dict:
    details: dict = {"subject": "lease", "old": {}}
    labels = {"relief_tier": _("Relief tier"), "rent_multiplier": _("Multiplier")}
    for field in TIER_FIELDS:
        raw = values.get(field)
        if raw in (None, ""):
            continue
        number = _decimal(raw, label=labels[field])
        if number <= 0 or number != number.quantize(CENT):
            raise DomainError(
                _("%(label)s must be more than zero, with at most two decimals.")
                % {"label": labels[field]},
                code="bad_tier",
            )
        if field == "relief_tier" and number > 1:
            raise DomainError(
                _("A relief tier is a share of the standard rent, at most 1.00."),
                code="bad_tier",
            )
        current = getattr(lease, field)
        if current is not None and number == current:
            continue
        details[field] = str(number)
        details["old"][field] = None if current is None else str(Decimal(current).quantize(CENT))
    if not set(TIER_FIELDS) & set(details):
        raise DomainError(
            _("Give a new relief tier or multiplier, different from the current one."),
            code="nothing_changes",
        )
    if "relief_tier" in details and not (lease.area_m2 and lease.price_per_m2):
        raise DomainError(
            _(
                "Lease %(n)s has no area and rent standard on record, so a relief tier "
                "cannot set its rent; record the new rent by hand."
            )
            % {"n": lease.number},
            code="no_terms",
        )
    return details


def amendment_request(
    lease: Lease,
    *,
    actor,
    kind: str,
    reason: str,
    effective_from: datetime.date,
    values: dict,
    document_file=None,
) -> LeaseAmendment:
    """Ask for an amendment of an active lease. `values` holds what changes, by kind:
    member_joins: name, id_number, relation, phone, hukou, employer, monthly_income;
    member_leaves: member (pk); head_changes: member (pk of the new head), cause;
    rent_tier: relief_tier and/or rent_multiplier. A supporting document (PDF, JPEG,
    PNG) goes into the household's archive."""
    if kind not in AmendmentKind.values:
        raise DomainError(_("Unknown kind of amendment."), code="bad_kind")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the change."), code="reason_required")
    if lease.status != LeaseStatus.ACTIVE:
        raise DomainError(
            _("Only an active lease can be amended; lease %(n)s is %(status)s.")
            % {"n": lease.number, "status": lease.get_status_display()},
            code="not_active",
        )
    if effective_from is None or not (lease.start <= effective_from <= lease.last_day):
        raise DomainError(
            _("The change must take effect within the lease (%(start)s to %(end)s).")
            % {"start": lease.start, "end": lease.last_day},
            code="outside_lease",
        )
    if kind == AmendmentKind.MEMBER_JOINS:
        details = _joining(lease, values)
    elif kind == AmendmentKind.MEMBER_LEAVES:
        details = _leaving(lease, values)
    elif kind == AmendmentKind.HEAD_CHANGES:
        details = _new_head(lease, values)
    else:
        details = _tier(lease, values)
    if document_file:
        check_document(document_file)
    with transaction.atomic():
        # One writer at a time per lease, so that two clerks cannot both ask.
        Lease.objects.select_for_update().filter(pk=lease.pk).first()
        _refuse_duplicate(lease, kind, details["subject"])
        document = None
        if document_file:
            document = hh.document_add(
                lease.household,
                actor=actor,
                doc_type=DOCUMENT_TYPES[AmendmentKind(kind)],
                title=_("Lease amendment: %(kind)s") % {"kind": AmendmentKind(kind).label},
                file=document_file,
            )
        amendment = LeaseAmendment.objects.create(
            lease=lease,
            kind=kind,
            details=details,
            reason=reason[:300],
            effective_from=effective_from,
            document=document,
            requested_by=actor,
        )
        text = summary(amendment)
        audit.record(
            actor=actor,
            action="amendment.request",
            target=amendment,
            changes={
                "lease": lease.number,
                "kind": kind,
                "summary": text,
                "effective_from": str(effective_from),
                "reason": amendment.reason,
            },
        )
        timeline.add(
            "amendment.requested",
            actor=actor,
            for_household=lease.household,
            number=lease.number,
            kind=kind,
            summary=text,
            reason=amendment.reason,
        )
    return amendment


def _refuse_duplicate(lease: Lease, kind: str, subject: str) -> None:
    pending = LeaseAmendment.objects.filter(
        lease__household_id=lease.household_id, kind=kind, status=AmendmentStatus.PENDING
    )
    if pending.filter(details__subject=subject).exists():
        raise DomainError(
            _("The same change (%(kind)s) is already awaiting approval; decide that request first.")
            % {"kind": AmendmentKind(kind).label},
            code="duplicate_pending",
        )


# --- Deciding ----------------------------------------------------------------------------


def amendment_decide(
    amendment: LeaseAmendment, *, actor, approve: bool, note: str = ""
) -> LeaseAmendment:
    """Approve (and apply) or reject a pending amendment. A rejection needs a note. If
    applying breaks a rule (the member left meanwhile, the month is already billed…),
    nothing is written and the amendment stays pending."""
    note = (note or "").strip()[:300]
    if not approve and not note:
        raise DomainError(_("Say why the change is rejected."), code="note_required")
    with transaction.atomic():
        amendment = (
            LeaseAmendment.objects.select_for_update()
            .select_related("lease__household")
            .get(pk=amendment.pk)
        )
        if amendment.status != AmendmentStatus.PENDING:
            raise DomainError(
                _("This amendment was already decided (%(status)s).")
                % {"status": amendment.get_status_display()},
                code="already_decided",
            )
        lease = amendment.lease
        if approve:
            if lease.status != LeaseStatus.ACTIVE:
                raise DomainError(
                    _("Lease %(n)s is no longer active; the change cannot be applied.")
                    % {"n": lease.number},
                    code="not_active",
                )
            _apply(amendment, actor=actor)
        amendment.status = AmendmentStatus.APPROVED if approve else AmendmentStatus.REJECTED
        amendment.decided_by = actor
        amendment.decided_at = timezone.now()
        amendment.decision_note = note
        amendment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        text = summary(amendment)
        audit.record(
            actor=actor,
            action="amendment.approve" if approve else "amendment.reject",
            target=amendment,
            changes={
                "lease": lease.number,
                "kind": amendment.kind,
                "summary": text,
                "status": ["pending", amendment.status],
                "note": note,
            },
        )
        timeline.add(
            "amendment.approved" if approve else "amendment.rejected",
            actor=actor,
            for_household=lease.household,
            number=lease.number,
            kind=amendment.kind,
            summary=text,
            reason=note,
        )
        with translation.override("zh-hans"):
            kind_label = str(amendment.get_kind_display())
        notify.queue(
            "amendment.approved" if approve else "amendment.rejected",
            key=f"amendment:{amendment.pk}:{amendment.status}",
            household=lease.household,
            number=lease.number,
            kind=kind_label,
            start=str(amendment.effective_from),
            note=note,
        )
    return amendment


def _apply(amendment: LeaseAmendment, *, actor) -> None:
    lease, d, on = amendment.lease, amendment.details, amendment.effective_from
    household = lease.household
    kind = amendment.kind
    if kind == AmendmentKind.MEMBER_JOINS:
        member = hh.member_add(
            household,
            actor=actor,
            name=d["name"],
            id_number=pii.decrypt(d["id_number_enc"]),
            relation=d["relation"],
            phone=pii.decrypt(d["phone_enc"]) if d.get("phone_enc") else "",
            hukou=d.get("hukou", ""),
            employer=d.get("employer", ""),
            monthly_income=Decimal(d.get("monthly_income") or "0"),
        )
        # member_add dates the joining today; the household registered it from `on`.
        if member.joined_at != on:
            member.joined_at = on
            member.save(update_fields=["joined_at"])
    elif kind == AmendmentKind.MEMBER_LEAVES:
        hh.member_leave(_still_current(household, d["member"]), actor=actor, on=on)
    elif kind == AmendmentKind.HEAD_CHANGES:
        new_head = _still_current(household, d["member"])
        old_head = household.head
        hh.household_set_head(household, actor=actor, member=new_head)
        if old_head is not None and old_head.pk != new_head.pk and old_head.left_at is None:
            old_head.refresh_from_db()
            hh.member_leave(old_head, actor=actor, on=on)
    else:
        terms = {f: Decimal(d[f]) for f in TIER_FIELDS if f in d}
        if not (lease.area_m2 and lease.price_per_m2 and lease.relief_tier):
            # A lease imported with its rent only: the multiplier scales the rent
            # without its surcharge.
            terms["monthly_rent"] = rent_rescaled(lease, terms["rent_multiplier"])
        lease_rent_change(
            lease,
            actor=actor,
            effective_from=on,
            reason=RentReason.TIER,
            note=amendment.reason,
            **terms,
        )


def rent_after(amendment: LeaseAmendment) -> Decimal | None:
    """The monthly rent a pending rent-tier amendment would set, for the decision."""
    if amendment.kind != AmendmentKind.RENT_TIER:
        return None
    lease, d = amendment.lease, amendment.details
    terms = {f: Decimal(d[f]) if f in d else getattr(lease, f) for f in TIER_FIELDS}
    if lease.area_m2 and lease.price_per_m2 and lease.relief_tier:
        return rent_of(
            lease.area_m2,
            lease.price_per_m2,
            terms["relief_tier"],
            terms["rent_multiplier"],
            lease.surcharge,
        )
    return rent_rescaled(lease, terms["rent_multiplier"])


def rent_rescaled(lease: Lease, multiplier: Decimal) -> Decimal:
    base = (Decimal(lease.monthly_rent) - Decimal(lease.surcharge)) / Decimal(lease.rent_multiplier)
    return (base * multiplier).quantize(CENT, ROUND_HALF_UP) + Decimal(lease.surcharge)


def _still_current(household, pk) -> Member:
    member = Member.objects.filter(household=household, pk=pk).first()
    if member is None or member.left_at is not None:
        raise DomainError(
            _("%(name)s is no longer a member of the household.")
            % {"name": member.name if member else "—"},
            code="not_a_current_member",
        )
    return member


# --- The terms staff edit by hand -------------------------------------------------------


def lease_terms_update(lease: Lease, *, actor, billing_day: int, deposit) -> Lease:
    """Change the billing day (1–28; from the next bill run on) and the deposit."""
    try:
        day = int(billing_day)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("The billing day is a day of the month."), code="bad_day") from exc
    if not 1 <= day <= 28:
        raise DomainError(_("The billing day is between 1 and 28."), code="bad_day")
    amount = _decimal(deposit, label=_("Deposit"))
    if amount < 0 or amount != amount.quantize(CENT):
        raise DomainError(
            _("Give the deposit in yuan, not negative, with at most two decimals."),
            code="bad_deposit",
        )
    before = audit.snapshot(lease, TERMS_FIELDS)
    lease.billing_day, lease.deposit = day, amount
    changes = audit.diff(before, audit.snapshot(lease, TERMS_FIELDS))
    if not changes:
        return lease
    with transaction.atomic():
        lease.save(update_fields=list(changes))
        audit.record(actor=actor, action="lease.terms", target=lease, changes=changes)
        timeline.add(
            "lease.terms",
            actor=actor,
            for_household=lease.household,
            number=lease.number,
            fields=", ".join(f"{k}: {v[0]} → {v[1]}" for k, v in changes.items()),
        )
    return lease
