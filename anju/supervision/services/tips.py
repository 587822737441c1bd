"""Tips (举报): given on the public page (anonymous allowed, limited per address and
hour), on the portal by a tenant, or entered by staff. Each tip gets a number and a
random tracking code; staff triage it into an inspection task or close it with a
reason, and the tipster follows it by the code on a public page that shows no personal
data. The tipster's phone is kept like a member's: encrypted, with a masked form."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, hourly_limit, pii, timeline
from anju.core.errors import DomainError
from anju.core.models import AuditKind
from anju.core.numbering import next_number, with_fresh_number
from anju.core.uploads import check_photos
from anju.housing.models import Unit

from .. import thresholds
from ..models import TaskStatus, Tip, TipCategory, TipPhoto, TipSource, TipStatus

timeline.register("tip.received", gettext_lazy("Tip %(number)s received about the unit"))
timeline.register("tip.closed", gettext_lazy("Tip %(number)s closed: %(why)s"))

TEXT_MAX = 2000
PLACE_MAX = 200
PHOTOS_MAX = 6
# Tracking codes: no 0/O, 1/I/L, so that a code read aloud or copied by hand is right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


# --- The public page's limit ----------------------------------------------------------


def public_tips_left(ip: str | None) -> int:
    """How many more tips this address may send on the public page this hour."""
    return hourly_limit.left("tips", ip, int(thresholds.value("public_tips_per_hour")))


def _throttle(ip: str | None) -> None:
    """Count one public tip from `ip` in the current hour; refuse beyond the limit."""
    hourly_limit.count(
        "tips",
        ip,
        int(thresholds.value("public_tips_per_hour")),
        message=_("Too many tips from your address this hour; please try again later."),
    )


# --- Giving a tip ---------------------------------------------------------------------


def _match_unit(place: str, estate) -> Unit | None:
    """A place written as a unit code ("E01-03-1502") names that unit."""
    code = place.strip().upper()
    if not code or " " in code:
        return None
    units = Unit.objects.select_related("estate").filter(code__iexact=code)
    if estate is not None:
        units = units.filter(estate=estate)
    return units.first()


def tip_submit(
    *,
    source: str,
    category: str,
    place: str,
    text: str,
    actor=None,
    estate=None,
    unit=None,
    anonymous: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    photos=(),
    ip: str | None = None,
) -> Tip:
    """Record a tip. `source` says where it came from: the public page (no actor; the
    sender's address `ip` is limited to `public_tips_per_hour`), the portal (`actor` is
    the tenant, recorded as the sender) or staff (`actor` enters it). An anonymous tip
    keeps no contact. A place written as a unit code is linked to that unit."""
    if source not in TipSource.values:
        raise DomainError(_("Unknown source of the tip."), code="bad_source")
    if category not in TipCategory.values:
        raise DomainError(_("Choose what the tip is about."), code="bad_category")
    if source == TipSource.PORTAL and not getattr(actor, "household_id", None):
        raise DomainError(_("Only a tenant's account gives a tip on the portal."), code="actor")
    text, place = (text or "").strip(), (place or "").strip()
    if unit is not None:
        estate = unit.estate
        place = place or unit.code
    if not text:
        raise DomainError(_("Say what you saw."), code="text_required")
    if len(text) > TEXT_MAX:
        raise DomainError(
            _("Keep the description under %(n)s characters.") % {"n": TEXT_MAX}, code="too_long"
        )
    if not place:
        raise DomainError(_("Say where: the estate, building and door."), code="place_required")
    if len(place) > PLACE_MAX:
        raise DomainError(
            _("Keep the place under %(n)s characters.") % {"n": PLACE_MAX}, code="too_long"
        )
    if unit is None:
        unit = _match_unit(place, estate)
        if unit is not None:
            estate = unit.estate
    contact_name = "" if anonymous else (contact_name or "").strip()[:40]
    phone = "" if anonymous else (contact_phone or "").strip()
    if phone:
        phone = pii.validate_phone(phone)
    photos = check_photos(photos, most=PHOTOS_MAX)
    if source == TipSource.PUBLIC:
        _throttle(ip)
    # The tenant who gave it on the portal, or the staff member who entered it.
    submitted_by = None if source == TipSource.PUBLIC else actor

    def write() -> Tip:
        tip = Tip.objects.create(
            number=next_number(Tip, f"JB{timezone.localdate():%Y}", width=5),
            tracking_code=_code(),
            source=source,
            category=category,
            estate=estate,
            unit=unit,
            place=place,
            text=text,
            anonymous=bool(anonymous),
            contact_name=contact_name,
            contact_enc=pii.encrypt(phone) if phone else "",
            contact_masked=pii.mask_phone(phone) if phone else "",
            submitted_by=submitted_by,
        )
        for photo in photos:
            TipPhoto.objects.create(tip=tip, file=File(photo, name=photo.name))
        audit.record(
            actor=actor,
            action="tip.submit",
            target=tip,
            changes=audit.snapshot(
                tip, ["source", "category", "estate", "unit", "place", "anonymous"]
            )
            | {"contact": tip.contact_masked, "photos": len(photos)},
        )
        household = _household_of(unit)
        if household is not None:
            # No actor: the household's archive must not name who reported it.
            timeline.add(
                "tip.received",
                for_household=household,
                for_unit=unit,
                number=tip.number,
            )
        return tip

    # Two tips may take the same number (or, once in a blue moon, the same code).
    return with_fresh_number(write)


def _household_of(unit):
    if unit is None:
        return None
    from anju.households.models import Household

    return Household.objects.filter(unit=unit).first()


# --- Triage ---------------------------------------------------------------------------


def tip_to_inspection(
    tip: Tip,
    *,
    actor,
    unit: Unit | None = None,
    assign_to=None,
    due_on: datetime.date | None = None,
):
    """Triage a tip into an inspection task of `unit` (the tip's own unit if it named
    one). The tip shows as being inspected until the task ends."""
    from .inspections import task_from_tip

    if tip.status != TipStatus.NEW:
        raise DomainError(
            _("Tip %(n)s is already %(status)s.")
            % {"n": tip.number, "status": tip.get_status_display().lower()},
            code="bad_transition",
        )
    unit = unit or tip.unit
    if unit is None:
        raise DomainError(_("Name the unit to inspect."), code="unit_required")
    return task_from_tip(tip, actor=actor, unit=unit, assign_to=assign_to, due_on=due_on)


def tip_close(tip: Tip, *, actor, reason: str) -> Tip:
    """Close a tip without an inspection, saying why (no such unit, already handled,
    not a matter for public rental housing)."""
    reason = (reason or "").strip()
    if tip.status != TipStatus.NEW:
        raise DomainError(
            _("Tip %(n)s is already %(status)s.")
            % {"n": tip.number, "status": tip.get_status_display().lower()},
            code="bad_transition",
        )
    if not reason:
        raise DomainError(_("Give the reason for closing the tip."), code="reason_required")
    with transaction.atomic():
        _close(tip, actor=actor, reason=reason[:300])
        audit.record(
            actor=actor, action="tip.close", target=tip, changes={"reason": tip.closed_reason}
        )
        household = _household_of(tip.unit)
        if household is not None:
            timeline.add(
                "tip.closed",
                actor=actor,
                for_household=household,
                for_unit=tip.unit,
                number=tip.number,
                why=tip.closed_reason,
            )
    return tip


def _close(tip: Tip, *, actor, reason: str) -> None:
    tip.status, tip.closed_reason = TipStatus.CLOSED, reason
    fields = ["status", "closed_reason"]
    if tip.triaged_at is None:
        tip.triaged_by, tip.triaged_at = actor, timezone.now()
        fields += ["triaged_by", "triaged_at"]
    tip.save(update_fields=fields)


def tip_reveal_contact(tip: Tip, *, actor) -> str:
    """The tipster's phone in full, for the officer who calls back; each reading is in
    the access log."""
    if not tip.contact_enc:
        raise DomainError(_("This tip left no phone number."), code="no_contact")
    audit.record(
        actor=actor,
        kind=AuditKind.ACCESS,
        action="tip.contact_reveal",
        target=tip,
        changes={"contact": tip.contact_masked},
    )
    return pii.decrypt(tip.contact_enc)


# --- What the tipster sees ------------------------------------------------------------


@dataclass(frozen=True)
class PublicStatus:
    """A tip's progress as its tipster sees it: no names, no unit, no staff notes."""

    number: str
    category: str
    received_on: datetime.date
    status: str
    status_label: str
    steps: list[tuple[str, datetime.date | None, bool]]  # (label, on, reached)
    outcome: str


def public_status(code: str) -> PublicStatus | None:
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    tip = Tip.objects.filter(tracking_code=code).first()
    if tip is None:
        return None
    task = tip.tasks.exclude(status=TaskStatus.CANCELLED).order_by("-created_at", "-id").first()
    triaged = timezone.localdate(tip.triaged_at) if tip.triaged_at else None
    closed_on = None
    if tip.status == TipStatus.CLOSED:
        closed_on = timezone.localdate(task.closed_at) if task and task.closed_at else triaged
    if tip.status != TipStatus.CLOSED:
        outcome = ""
    elif task is None:
        outcome = _("The tip was reviewed and closed without an inspection.")
    elif task.finding == "no_issue":
        outcome = _("The unit was inspected; no breach of the tenancy rules was found.")
    elif task.finding in ("violation", "unreachable"):
        outcome = _("The unit was inspected and the matter is being dealt with under the rules.")
    else:
        outcome = _("The inspection ended; the tip is closed.")
    return PublicStatus(
        number=tip.number,
        category=tip.get_category_display(),
        received_on=timezone.localdate(tip.received_at),
        status=tip.status,
        status_label=tip.get_status_display(),
        steps=[
            (_("Received"), timezone.localdate(tip.received_at), True),
            (
                _("Inspection arranged"),
                timezone.localdate(task.created_at) if task else None,
                task is not None,
            ),
            (_("Closed"), closed_on, tip.status == TipStatus.CLOSED),
        ],
        outcome=outcome,
    )


def triage_due_on(tip: Tip) -> datetime.date:
    """The day by which staff should have triaged the tip."""
    days = int(thresholds.value("tip_days"))
    return timezone.localdate(tip.received_at) + datetime.timedelta(days=days)
