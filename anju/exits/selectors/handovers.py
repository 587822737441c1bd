"""Reads of the move-out handover and the deposit settlement that the pages and the
settlement need: the case in the user's scope, the move-out set beside the move-in
item by item, the bills the move-out raised or shortened, and what the shortening gave
back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from anju.core.access import get_or_404
from anju.core.models import Task
from anju.households.models import BadConductRecord
from anju.housing.handover import CHECKLIST_ITEMS, METERS
from anju.tenancy.models import Bill

from ..models import DepositSettlement, ExitCase, UnitHandover
from ..services.handover_record import move_in_record

ZERO = Decimal("0.00")


def cases_for(user) -> QuerySet[ExitCase]:
    return ExitCase.objects.visible_to(user).select_related(
        "household__head", "lease", "unit__estate__property_company", "unit__building", "estate"
    )


def case_for_user(user, pk) -> ExitCase:
    """One exit case in the user's scope, or 404 (the same answer as a missing one)."""
    return get_or_404(cases_for(user), pk=pk)


def handover_of(case: ExitCase) -> UnitHandover | None:
    return (
        UnitHandover.objects.filter(exit_case=case)
        .select_related("done_by", "unit")
        .prefetch_related("photos")
        .first()
    )


def settlement_of(case: ExitCase) -> DepositSettlement | None:
    return (
        DepositSettlement.objects.filter(case=case).select_related("settled_by", "refund").first()
    )


@dataclass(frozen=True)
class Side:
    ok: bool | None  # None: not recorded at that handover
    note: str = ""
    charge: Decimal = ZERO


@dataclass(frozen=True)
class ItemRow:
    code: str
    label: str
    move_in: Side
    move_out: Side

    @property
    def worse(self) -> bool:
        """In order at move-in (or not recorded then), not in order now."""
        return self.move_out.ok is False and self.move_in.ok is not False


@dataclass(frozen=True)
class MeterRow:
    code: str
    label: str
    move_in: Decimal | None
    move_out: Decimal | None

    @property
    def used(self) -> Decimal | None:
        if self.move_in is None or self.move_out is None:
            return None
        return self.move_out - self.move_in


@dataclass(frozen=True)
class Comparison:
    items: list[ItemRow]
    meters: list[MeterRow]
    keys_in: int | None
    cards_in: int | None
    keys_out: int | None
    cards_out: int | None
    has_move_in: bool

    @property
    def keys_short(self) -> bool:
        return _fewer(self.keys_out, self.keys_in)

    @property
    def cards_short(self) -> bool:
        return _fewer(self.cards_out, self.cards_in)


def _fewer(returned: int | None, handed: int | None) -> bool:
    return returned is not None and handed is not None and returned < handed


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value))


def comparison(lease, handover: UnitHandover | None = None) -> Comparison:
    """The move-in beside the move-out (or beside nothing yet, for the form), item by
    item, meter by meter, keys and cards."""
    move_in = move_in_record(lease)
    rows_in: list[dict[str, Any]] = []
    meters_in: dict[str, Any] = {}
    keys_in: int | None = None
    cards_in: int | None = None
    if move_in is not None:
        rows_in, meters_in, keys_in, cards_in = move_in
    by_item_in = {row["item"]: row for row in rows_in}
    by_item_out = {row["item"]: row for row in (handover.checklist if handover else [])}

    def side(row, charge=False) -> Side:
        if row is None:
            return Side(None)
        return Side(
            bool(row.get("ok")),
            row.get("note", ""),
            Decimal(row.get("charge") or "0") if charge else ZERO,
        )

    items = [
        ItemRow(code, str(label), side(by_item_in.get(code)), side(by_item_out.get(code), True))
        for code, label in CHECKLIST_ITEMS.items()
    ]
    meters_out: dict[str, Any] = handover.meter_readings if handover else {}
    meters = [
        MeterRow(code, str(label), _decimal(meters_in.get(code)), _decimal(meters_out.get(code)))
        for code, label in METERS.items()
    ]
    return Comparison(
        items=items,
        meters=meters,
        keys_in=keys_in,
        cards_in=cards_in,
        keys_out=handover.keys if handover else None,
        cards_out=handover.cards if handover else None,
        has_move_in=move_in is not None,
    )


def _move_out(case: ExitCase) -> UnitHandover | None:
    return UnitHandover.objects.filter(exit_case=case).first()


def rent_returned(case: ExitCase) -> Decimal:
    """What shortening the bills to the day the keys came back took off them."""
    handover = _move_out(case)
    return handover.rent_returned if handover is not None else Decimal("0.00")


def damage_bills(case: ExitCase) -> list[Bill]:
    return list(
        Bill.objects.filter(source_key__startswith=f"exit:{case.number}:damage:").order_by("id")
    )


def shortened_bills(case: ExitCase) -> list[tuple[Bill, Decimal, Decimal]]:
    """(bill, amount before, amount after) for each bill the move-out shortened."""
    handover = _move_out(case)
    rows = handover.shortened if handover is not None else []
    bills = Bill.objects.in_bulk([row["bill"] for row in rows])
    return [
        (bills[row["bill"]], Decimal(row["old"]), Decimal(row["new"]))
        for row in rows
        if row["bill"] in bills
    ]


def repair_task(case: ExitCase) -> Task | None:
    from ..services.handovers import repair_key

    return Task.objects.filter(key=repair_key(case)).select_related("organisation").first()


def conduct_records(case: ExitCase) -> list[BadConductRecord]:
    """The bad-conduct records the settlement wrote (art. 35)."""
    return list(
        BadConductRecord.objects.filter(
            household=case.household_id, details__startswith=case.number
        ).order_by("id")
    )
