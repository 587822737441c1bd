"""Recording a handover after move-in (验房 / 交房): the move-out of an exit, and the
move out of one unit and into the next of an exchange. It checks everything at once
with the shared checkers (anju.housing.handover), names every problem, and writes
nothing unless all is well. What a handover then does to leases, units and money is
the caller's: `handovers.move_out` for an exit, `exchanges` for a move."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.households import services as hh
from anju.households.models import DocumentType, Household, Lease
from anju.housing.handover import (
    CHECKLIST_ITEMS,
    checked_checklist,
    checked_count,
    checked_meters,
    checked_photos,
)
from anju.housing.models import Unit

from ..models import Direction, UnitAfter, UnitHandover

CENT = Decimal("0.01")

timeline.register(
    "handover.recorded",
    gettext_lazy(
        "%(direction)s handover of unit %(unit)s on %(on)s: %(keys)s keys, %(cards)s cards, "
        "%(defects)s defects noted"
    ),
)


def checked_charges(charges, rows: list[dict]) -> tuple[dict[str, Decimal], list[str]]:
    """Damage charges by checklist item: only on an item found not in order, in yuan
    with at most two decimals, more than zero."""
    out: dict[str, Decimal] = {}
    problems: list[str] = []
    faulty = {row["item"] for row in rows if not row["ok"]}
    for item, raw in (charges or {}).items():
        raw = "" if raw is None else str(raw).strip()
        if not raw:
            continue
        label = CHECKLIST_ITEMS.get(item, item)
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            amount = None
        if (
            amount is None
            or not amount.is_finite()
            or amount <= 0
            or amount != amount.quantize(CENT)
        ):
            problems.append(
                _("The charge for “%(item)s” must be an amount in yuan above zero.")
                % {"item": label}
            )
            continue
        if item not in faulty:
            problems.append(
                _("“%(item)s” is in order: there is no damage to charge for.") % {"item": label}
            )
            continue
        out[item] = amount
    return out, problems


def checked_handover(
    *, checklist, meter_readings, keys, cards, photos=(), charges=None
) -> tuple[dict, list[str]]:
    """A handover's input, clean ({"checklist", "meter_readings", "keys", "cards",
    "charges"}), and every problem found in it, so a caller can name them together
    with its own."""
    rows, problems = checked_checklist(checklist)
    readings, more = checked_meters(meter_readings)
    problems += more
    key_count, more = checked_count(keys, _("Keys"))
    problems += more
    card_count, more = checked_count(cards, _("Cards"))
    problems += more
    amounts, more = checked_charges(charges, rows)
    problems += more
    problems += checked_photos(photos)
    clean = {
        "checklist": rows,
        "meter_readings": readings,
        "keys": key_count,
        "cards": card_count,
        "charges": amounts,
    }
    return clean, problems


def handover_record(
    *,
    actor,
    direction: str,
    household: Household,
    lease: Lease,
    unit: Unit,
    on: datetime.date,
    checklist,
    meter_readings,
    keys,
    cards,
    photos=(),
    charges=None,
    unit_after: str = "",
    note: str = "",
    exit_case=None,
    exchange=None,
) -> UnitHandover:
    """Record one handover of `unit` under `lease`. `checklist` is one {"item", "ok",
    "note"} per checklist item (a note for each defect); `charges` ({item: yuan}) is
    kept on the rows of a move-out. Raises one DomainError naming every problem."""
    if direction not in Direction.values:
        raise DomainError(_("Unknown handover direction."), code="direction")
    if lease.household_id != household.pk or lease.unit_id != unit.pk:
        raise DomainError(
            _("Household %(h)s never held unit %(u)s under lease %(n)s.")
            % {"h": household.number, "u": unit.code, "n": lease.number},
            code="wrong_unit",
        )
    if unit_after and unit_after not in UnitAfter.values:
        raise DomainError(_("Say whether the unit is ready to let or needs repair."), code="after")
    clean, problems = checked_handover(
        checklist=checklist,
        meter_readings=meter_readings,
        keys=keys,
        cards=cards,
        photos=photos,
        charges=charges,
    )
    if problems:
        raise DomainError("; ".join(str(p) for p in problems), code="bad_handover")
    rows, readings = clean["checklist"], clean["meter_readings"]
    key_count, card_count, amounts = clean["keys"], clean["cards"], clean["charges"]
    if UnitHandover.objects.filter(lease=lease, direction=direction).exists():
        raise DomainError(
            _("The %(d)s handover of lease %(n)s is already recorded.")
            % {"d": Direction(direction).label, "n": lease.number},
            code="already_recorded",
        )
    for row in rows:
        row["charge"] = str(amounts.get(row["item"], Decimal("0.00")))
    with transaction.atomic():
        handover = UnitHandover.objects.create(
            direction=direction,
            household=household,
            lease=lease,
            unit=unit,
            on=on,
            checklist=rows,
            meter_readings=readings,
            keys=key_count,
            cards=card_count,
            unit_after=unit_after,
            note=(note or "").strip()[:300],
            exit_case=exit_case,
            exchange=exchange,
            done_by=actor,
        )
        label = Direction(direction).label
        documents = [
            hh.document_add(
                household,
                actor=actor,
                doc_type=DocumentType.PHOTO,
                title=_("%(d)s photo %(i)s, unit %(u)s") % {"d": label, "i": i, "u": unit.code},
                file=photo,
            )
            for i, photo in enumerate(photos or (), start=1)
        ]
        if documents:
            handover.photos.add(*documents)
        defects = sum(1 for row in rows if not row["ok"])
        audit.record(
            actor=actor,
            action="handover.record",
            target=handover,
            changes={
                "direction": direction,
                "lease": lease.number,
                "unit": unit.code,
                "on": on,
                "checklist": rows,
                "meter_readings": readings,
                "keys": key_count,
                "cards": card_count,
                "photos": [d.pk for d in documents],
            },
        )
        for target in ({"for_household": household}, {"for_unit": unit}):
            timeline.add(
                "handover.recorded",
                actor=actor,
                direction=direction,
                unit=unit.code,
                on=on.isoformat(),
                keys=key_count,
                cards=card_count,
                defects=defects,
                **target,
            )
    return handover


def move_in_record(lease: Lease):
    """How the unit was at the start of `lease`: admission's move-in handover (a new
    tenant) or an exchange's move-in, or None for a lease from the paper ledger. Returns
    (checklist rows, meter readings, keys, cards) or None."""
    handover = UnitHandover.objects.filter(lease=lease, direction=Direction.IN).first()
    if handover is not None:
        return handover.checklist, handover.meter_readings, handover.keys, handover.cards
    offer = getattr(lease, "offer", None)
    move_in = getattr(offer, "handover", None) if offer is not None else None
    if move_in is None:
        return None
    return move_in.checklist, move_in.meter_readings, move_in.keys, move_in.cards
