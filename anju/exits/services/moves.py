"""The move of an exchange (调换), a transfer or one side of a mutual exchange (互换):
one lease ends and the next starts on the same day, with a handover for each unit.

The choices this module makes:

- **The new lease** starts on the day of the move with the rent recomputed for the new
  unit: its area × its estate's rent standard in force that day × the old lease's relief
  tier × its tiered-rent multiplier, plus its surcharge (the rent row in force on the
  old lease's last day; a ledger lease without a tier takes its category's tier from
  the rule set). It keeps the old lease's deposit (already held: no new deposit bill),
  billing day and end date: an exchange moves the household, it does not give it a new
  term (a renewal does that). Its number is the old one with "-HJ1" (the next free
  "-HJn" when the old lease came from an exchange already).
- **The old lease** ends the day before (`lease_end`, TERMINATED); its bills that cover
  days from the move on are cut back with tenancy's `bill_shorten`, and whatever was
  paid for those days becomes credit that settles the new lease's bills. The new
  lease's days in the month of the move are billed by that month's bill run (re-running
  a month already billed adds them, as for any lease that starts mid-month).
- **Door credentials** stay: they belong to the household's members, who are the same
  people after the move; the door systems read the roster, so they follow it.
- **Points and history** need nothing: they are on the household, which moves."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, followups, timeline
from anju.core.errors import DomainError
from anju.households import services as hh
from anju.households.models import Household, Lease, LeaseStatus
from anju.housing.models import Unit
from anju.housing.services import rent_standard_in_force

from ..models import (
    Direction,
    Exchange,
    ExchangeRequest,
    ExitCase,
    MutualPair,
    RequestStatus,
    UnitAfter,
)
from .exchanges import (
    HANDOVER_KEYS,
    active_lease,
    category_rules,
    check_status,
    locked,
    offered_unit,
)
from .handover_record import handover_record

CENT = Decimal("0.01")


# --- The move ---------------------------------------------------------------------------------

_FROM_EXCHANGE = re.compile(r"^(?P<base>.+)-HJ(?P<n>\d+)$")


def exchange_lease_number(number: str) -> str:
    """The new lease's number: L-7 → L-7-HJ1, L-7-HJ1 → L-7-HJ2 (skipping one taken)."""
    match = _FROM_EXCHANGE.match(number)
    base, n = (match["base"], int(match["n"])) if match else (number, 0)
    while True:
        n += 1
        candidate = f"{base}-HJ{n}"
        if not Lease.objects.filter(number=candidate).exists():
            return candidate


@dataclass
class Move:
    """One household's move: from its lease in force to `to_unit`, with the new
    lease's number, rent and terms worked out before anything is written."""

    request: ExchangeRequest
    household: Household
    old: Lease
    from_unit: Unit
    to_unit: Unit
    number: str
    monthly_rent: Decimal
    terms: dict


def move_plan(request: ExchangeRequest, to_unit: Unit, on: datetime.date) -> Move:
    """Check that the household can move on `on` and work out the new lease."""
    from anju.tenancy.services.rent import rent_in_force, rent_of

    household = request.household
    if on > timezone.localdate():
        raise DomainError(_("A move cannot be recorded before it happens."), code="bad_date")
    live = ExitCase.objects.live().filter(household=household).first()
    if live is not None:
        raise DomainError(
            _("Household %(h)s is leaving under exit case %(n)s: it cannot move to another unit.")
            % {"h": household.number, "n": live.number},
            code="exit_open",
        )
    old = active_lease(household)
    if old.unit_id != request.unit_id:
        raise DomainError(
            _("Household %(h)s no longer lives in unit %(u)s.")
            % {"h": household.number, "u": request.unit.code},
            code="wrong_unit",
        )
    last = on - datetime.timedelta(days=1)
    if last < old.start:
        raise DomainError(
            _("Lease %(n)s starts on %(d)s: the move must come after it.")
            % {"n": old.number, "d": old.start.isoformat()},
            code="bad_date",
        )
    if old.end <= on:
        raise DomainError(
            _("Lease %(n)s runs only to %(d)s: renew it before the household moves.")
            % {"n": old.number, "d": old.end.isoformat()},
            code="lease_ending",
        )
    if request.offered_on and on < request.offered_on:
        raise DomainError(
            _("The move cannot come before the offer (%(d)s).")
            % {"d": request.offered_on.isoformat()},
            code="bad_date",
        )
    standard = rent_standard_in_force(to_unit.estate, on)
    if standard is None:
        raise DomainError(
            _("Estate %(estate)s has no rent standard in force on %(day)s.")
            % {"estate": to_unit.estate.name, "day": on.isoformat()},
            code="no_rent_standard",
        )
    rent_row = rent_in_force(old, last)
    source = rent_row if rent_row is not None else old
    tier = source.relief_tier
    if tier is None:  # a lease from the paper ledger knows only its rent
        ruleset, rules = category_rules(on)
        rule = rules.get(household.category)
        if rule is None:
            raise DomainError(
                _("No rule set in force gives the relief tier of household %(h)s.")
                % {"h": household.number},
                code="no_rules",
            )
        tier = rule.relief_tier
    multiplier = source.rent_multiplier or Decimal("1")
    surcharge = source.surcharge or Decimal("0")
    monthly = rent_of(to_unit.area_m2, standard.price_per_m2, tier, multiplier, surcharge)
    return Move(
        request=request,
        household=household,
        old=old,
        from_unit=old.unit,
        to_unit=to_unit,
        number=exchange_lease_number(old.number),
        monthly_rent=monthly,
        terms={
            "area_m2": to_unit.area_m2,
            "price_per_m2": standard.price_per_m2,
            "relief_tier": tier,
            "rent_multiplier": multiplier,
            "surcharge": surcharge,
            "deposit": old.deposit,
            "billing_day": old.billing_day,
        },
    )


def checked_handover(value, *, label: str, unit_after: bool) -> dict:
    """A handover's fields as `handover_record` takes them; `unit` may name the unit
    handed over, which is checked against the move's."""
    value = dict(value or {})
    unit = value.pop("unit", None)
    unknown = set(value) - HANDOVER_KEYS
    if unknown:
        raise ValueError(f"unknown handover fields: {sorted(unknown)}")
    if unit_after and value.get("unit_after") not in UnitAfter.values:
        raise DomainError(
            _("%(which)s: say whether the unit is ready to let or needs repair.")
            % {"which": label},
            code="after",
        )
    if not unit_after:
        value.pop("unit_after", None)
        if any(str(v).strip() for v in (value.pop("charges", None) or {}).values()):
            raise DomainError(
                _("%(which)s: nothing is charged when a household moves in.") % {"which": label},
                code="charges",
            )
    value["unit"] = unit
    return value


def handover_problems(value: dict, *, label: str) -> list[str]:
    """Every problem of one handover, named with `label`, by the checkers
    `handover_record` uses: a move checks both of its handovers before writing either,
    so the clerk hears of every problem at once."""
    from anju.housing.handover import (
        checked_checklist,
        checked_count,
        checked_meters,
        checked_photos,
    )

    from .handover_record import checked_charges

    rows, problems = checked_checklist(value.get("checklist"))
    problems += checked_meters(value.get("meter_readings"))[1]
    problems += checked_count(value.get("keys"), _("Keys"))[1]
    problems += checked_count(value.get("cards"), _("Cards"))[1]
    problems += checked_charges(value.get("charges"), rows)[1]
    problems += checked_photos(value.get("photos"))
    return [f"{label}: {p}" for p in problems]


def check_handovers(*handovers: tuple[dict, str]) -> None:
    problems = [p for value, label in handovers for p in handover_problems(value, label=label)]
    if problems:
        raise DomainError("; ".join(problems), code="bad_handover")


def check_named_unit(named, expected: Unit, *, move: Move, direction: str) -> None:
    if named is None:
        return
    code = named.code if isinstance(named, Unit) else str(named).strip()
    if code == expected.code:
        return
    if direction == Direction.OUT:
        raise DomainError(
            _("Household %(h)s never held unit %(u)s under lease %(n)s.")
            % {"h": move.household.number, "u": code, "n": move.old.number},
            code="wrong_unit",
        )
    raise DomainError(
        _("Unit %(u)s is not the unit household %(h)s moves into (%(to)s).")
        % {"u": code, "h": move.household.number, "to": expected.code},
        code="wrong_unit",
    )


def move_end_old(move: Move, *, actor, on: datetime.date, unit_after: str) -> None:
    """The old lease's last day is the day before the move."""
    hh.lease_end(
        move.old,
        actor=actor,
        on=on - datetime.timedelta(days=1),
        status=LeaseStatus.TERMINATED,
        unit_status=unit_after,
    )


def move_start_new(move: Move, *, actor, on: datetime.date) -> Lease:
    # The leases ended meanwhile changed the household and, in a swap, the unit.
    move.household.refresh_from_db()
    move.to_unit.refresh_from_db(fields=["status", "status_changed_at"])
    return hh.lease_start(
        move.household,
        actor=actor,
        unit=move.to_unit,
        number=move.number,
        start=on,
        end=move.old.end,
        monthly_rent=move.monthly_rent,
        terms=move.terms,
    )


def move_record(
    move: Move,
    new: Lease,
    *,
    actor,
    on: datetime.date,
    out_handover: dict,
    in_handover: dict,
    pair: MutualPair | None = None,
) -> Exchange:
    """After the leases: the Exchange row, both handovers, damage charged on the old
    unit, the old lease's bills cut back to its last day, the request done, the audit
    entry and the timeline of the household and both units."""
    from anju.tenancy.models import Bill, BillKind, BillStatus
    from anju.tenancy.services.billing import bill_raise

    request, last = move.request, on - datetime.timedelta(days=1)
    exchange = Exchange.objects.create(
        request=request,
        pair=pair,
        household=move.household,
        from_lease=move.old,
        to_lease=new,
        from_unit=move.from_unit,
        to_unit=move.to_unit,
        on=on,
        done_by=actor,
    )
    out_handover = {k: v for k, v in out_handover.items() if k != "unit"}
    in_handover = {k: v for k, v in in_handover.items() if k != "unit"}
    out = handover_record(
        actor=actor,
        direction=Direction.OUT,
        household=move.household,
        lease=move.old,
        unit=move.from_unit,
        on=on,
        exchange=exchange,
        **out_handover,
    )
    handover_record(
        actor=actor,
        direction=Direction.IN,
        household=move.household,
        lease=new,
        unit=move.to_unit,
        on=on,
        exchange=exchange,
        **in_handover,
    )
    for row in out.checklist:
        amount = Decimal(row.get("charge") or "0")
        if amount > 0:
            bill_raise(
                move.household,
                actor=actor,
                kind=BillKind.DAMAGE,
                amount=amount,
                due_on=on + datetime.timedelta(days=15),
                description=_("Damage to unit %(u)s at the exchange: %(note)s")
                % {"u": move.from_unit.code, "note": row.get("note", "")},
                source_key=f"exchange:{request.number}:damage:{row['item']}",
                lease=move.old,
            )
    if out.unit_after == UnitAfter.UNDER_REPAIR:
        followups.task_raise(
            key=f"exchange:{request.number}:repair:{move.from_unit.code}",
            kind="exchange.repair",
            title=_("Repair unit %(u)s after household %(h)s moved out: %(defects)s")
            % {
                "u": move.from_unit.code,
                "h": move.household.number,
                "defects": "; ".join(r["note"] for r in out.defects) or out.note,
            },
            organisation=move.from_unit.estate.property_company,
            due_on=on + datetime.timedelta(days=30),
        )
    later = Bill.objects.filter(
        lease=move.old,
        status__in=(BillStatus.OPEN, BillStatus.PAID),
        period_start__isnull=False,
        period_end__gt=last,
    ).order_by("period_start", "pk")
    if later.exists():
        from anju.tenancy.services.billing import bill_shorten

        for bill in later:
            bill_shorten(
                bill,
                actor=actor,
                last_day=last,
                reason=_("Moved to unit %(u)s on %(on)s (exchange request %(n)s)")
                % {"u": move.to_unit.code, "on": on.isoformat(), "n": request.number},
            )
    request.status = RequestStatus.DONE
    request.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="exchange.carry_out",
        target=request,
        changes={
            "status": RequestStatus.DONE,
            "exchange": exchange.pk,
            "from_unit": move.from_unit.code,
            "to_unit": move.to_unit.code,
            "old_lease": move.old.number,
            "new_lease": new.number,
            "on": on,
            "monthly_rent": new.monthly_rent,
            "terms": {k: str(v) for k, v in move.terms.items()},
        },
    )
    data = {
        "number": request.number,
        "from_unit": move.from_unit.code,
        "to_unit": move.to_unit.code,
        "on": on.isoformat(),
        "old": move.old.number,
        "new": new.number,
    }
    timeline.add("exchange.moved", actor=actor, for_household=move.household, **data)
    for unit in (move.from_unit, move.to_unit):
        timeline.add("exchange.moved", actor=actor, for_unit=unit, **data)
    return exchange


def exchange_carry_out(
    request: ExchangeRequest,
    *,
    actor,
    on: datetime.date,
    out_handover: dict,
    in_handover: dict,
) -> Exchange:
    """The move, in one transaction: the old lease ends the day before `on` (its unit
    vacant or under repair as the move-out handover says), the new lease starts on `on`
    in the unit offered, and each unit gets its handover. Each handover is a dict of
    `handover_record`'s checklist, meter_readings, keys, cards, photos, charges (move-out
    only), unit_after (move-out only) and note; `unit`, when given, must be the unit
    handed over."""
    out_handover = checked_handover(out_handover, label=_("Move-out"), unit_after=True)
    in_handover = checked_handover(in_handover, label=_("Move-in"), unit_after=False)
    check_handovers((out_handover, _("Move-out")), (in_handover, _("Move-in")))
    with transaction.atomic():
        request = locked(request)
        check_status(request, RequestStatus.OFFERED)
        move = move_plan(request, offered_unit(request), on)
        check_named_unit(out_handover["unit"], move.from_unit, move=move, direction=Direction.OUT)
        check_named_unit(in_handover["unit"], move.to_unit, move=move, direction=Direction.IN)
        move_end_old(move, actor=actor, on=on, unit_after=out_handover["unit_after"])
        new = move_start_new(move, actor=actor, on=on)
        return move_record(
            move, new, actor=actor, on=on, out_handover=out_handover, in_handover=in_handover
        )
