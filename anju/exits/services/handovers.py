"""The move-out handover of an exit (验房 / 交房): the household hands the keys back and
the tenancy ends. One call does all of it, in one transaction:

- the handover itself (`handover_record`: the condition item by item, the final meter
  readings, keys and cards, photos), compared with the move-in: fewer keys or cards
  than were handed over is noted on it;
- a damage bill for each item charged, to be settled from the deposit;
- the household's door credentials revoked;
- the lease ends on the tenancy's last day, the earlier of the day the keys came back
  and the notice's deadline (after the deadline the household was overstaying, not
  renting), and the unit goes to vacant or under repair (a repair task for the
  estate's property company; work orders arrive with the services issue);
- every bill covering days after the keys came back is shortened to them
  (`tenancy.bill_shorten`): the month's rent, moving-period and overstay rent, and any
  later month's bills; money paid for those days becomes the household's credit;
- the case is handed over, waiting for the deposit settlement.

What the shortening gave back is kept in the audit entry of the handover, which the
settlement statement reads (`UnitHandover.rent_returned`)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.followups import task_raise
from anju.households import services as hh
from anju.households.models import LeaseStatus
from anju.housing.handover import CHECKLIST_ITEMS
from anju.housing.models import Unit
from anju.tenancy.models import Bill, BillKind, BillStatus
from anju.tenancy.services.billing import bill_raise, bill_shorten

from ..models import Direction, ExitCase, Stage, UnitAfter, UnitHandover
from . import billing as exit_billing
from .cases import set_stage
from .handover_record import checked_handover, handover_record, move_in_record

ZERO = Decimal("0.00")
# A household hands the keys back while it is still in the unit, in any of these.
MOVE_OUT_STAGES = frozenset({Stage.MOVING, Stage.OVERSTAY, Stage.LITIGATION})

timeline.register(
    "exit.handed_over",
    gettext_lazy(
        "Keys of unit %(unit)s returned on %(on)s (exit case %(number)s); the unit is now %(after)s"
    ),
)


def damage_key(case: ExitCase, item: str) -> str:
    return f"exit:{case.number}:damage:{item}"


def repair_key(case: ExitCase) -> str:
    return f"exit:{case.number}:repair"


def _check_unit(case: ExitCase, unit: Unit) -> None:
    if unit.pk == case.unit_id:
        return
    if case.household.leases.filter(unit=unit).exists():
        raise DomainError(
            _("Exit case %(n)s is for unit %(case_unit)s, not %(u)s.")
            % {"n": case.number, "case_unit": case.unit.code, "u": unit.code},
            code="wrong_unit",
        )
    raise DomainError(
        _(
            "Household %(h)s never held unit %(u)s: the keys of exit case %(n)s are those of "
            "unit %(case_unit)s."
        )
        % {
            "h": case.household.number,
            "u": unit.code,
            "n": case.number,
            "case_unit": case.unit.code,
        },
        code="wrong_unit",
    )


def _day_problem(case: ExitCase, on, today: datetime.date) -> tuple[str, str] | None:
    if on is None:
        return "bad_date", _("Say on which day the keys came back.")
    if on > today:
        return "bad_date", _("The keys cannot come back on a day still to come.")
    first = case.notice_issued_on or case.lease.start
    if on < first:
        return "bad_date", _(
            "The keys cannot have come back before the vacate notice of %(d)s."
        ) % {"d": first.isoformat()}
    return None


def shortfalls(move_in, keys: int, cards: int) -> list[str]:
    """Sentences for keys and cards returned fewer than were handed over at move-in."""
    if move_in is None:
        return []
    _rows, _meters, keys_in, cards_in = move_in
    out = []
    if keys < keys_in:
        out.append(
            _("%(out)s of the %(in)s keys handed over at move-in came back.")
            % {"out": keys, "in": keys_in}
        )
    if cards < cards_in:
        out.append(
            _("%(out)s of the %(in)s cards handed over at move-in came back.")
            % {"out": cards, "in": cards_in}
        )
    return out


def _count(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # handover_record names the problem


def _repair_title(case: ExitCase, handover: UnitHandover) -> str:
    items = ", ".join(
        str(CHECKLIST_ITEMS.get(row["item"], row["item"])) for row in handover.defects
    )
    title = _("Repair unit %(u)s after the move-out of exit case %(n)s") % {
        "u": case.unit.code,
        "n": case.number,
    }
    return f"{title}: {items}" if items else title


def move_out(
    case: ExitCase,
    *,
    actor,
    unit: Unit,
    on: datetime.date,
    checklist,
    meter_readings,
    keys,
    cards,
    photos=(),
    charges=None,
    unit_after: str,
    note: str = "",
) -> UnitHandover:
    """The household hands the keys of `unit` back on `on`; see the module's text for
    all that follows. Raises one DomainError naming the problems, and writes nothing
    unless all is well."""
    today = timezone.localdate()
    with transaction.atomic():
        case = (
            ExitCase.objects.select_for_update(of=("self",))
            .select_related("household", "lease", "unit__estate")
            .get(pk=case.pk)
        )
        if case.stage not in MOVE_OUT_STAGES:
            raise DomainError(
                _(
                    "Exit case %(n)s is “%(stage)s”: the keys come back during the moving "
                    "period, an overstay or the court’s steps."
                )
                % {"n": case.number, "stage": case.get_stage_display()},
                code="bad_stage",
            )
        _check_unit(case, unit)
        # Every other problem is named at once, with those of the handover itself.
        problems: list[tuple[str, str]] = []
        day = _day_problem(case, on, today)
        if day is not None:
            problems.append(day)
        if unit_after not in UnitAfter.values:
            problems.append(
                ("unit_after", _("Say whether the unit is ready to let or needs repair."))
            )
        _clean, more = checked_handover(
            checklist=checklist,
            meter_readings=meter_readings,
            keys=keys,
            cards=cards,
            photos=photos,
            charges=charges,
        )
        problems += [("bad_handover", str(p)) for p in more]
        if problems:
            raise DomainError(
                "; ".join(message for _code, message in problems), code=problems[0][0]
            )
        household, lease = case.household, case.lease
        if lease.status != LeaseStatus.ACTIVE:
            raise DomainError(
                _("Lease %(n)s is no longer in force.") % {"n": lease.number}, code="not_active"
            )
        move_in = move_in_record(lease)
        missing = shortfalls(move_in, _count(keys), _count(cards))
        full_note = " ".join(p for p in [(note or "").strip(), *missing] if p)
        handover = handover_record(
            actor=actor,
            direction=Direction.OUT,
            household=household,
            lease=lease,
            unit=unit,
            on=on,
            checklist=checklist,
            meter_readings=meter_readings,
            keys=keys,
            cards=cards,
            photos=photos,
            charges=charges,
            unit_after=unit_after,
            note=full_note,
            exit_case=case,
        )

        # The month's moving-period or overstay rent, if the nightly run has not yet
        # billed it: it stops with this case's stage, and the days up to the keys are
        # owed. (Bills for later days are shortened below.)
        exit_billing.exit_bills_raise(on, actor=actor, cases=ExitCase.objects.filter(pk=case.pk))

        damage_bills = []
        for row in handover.checklist:
            amount = Decimal(row.get("charge") or "0")
            if amount <= 0:
                continue
            label = CHECKLIST_ITEMS.get(row["item"], row["item"])
            damage_bills.append(
                bill_raise(
                    household,
                    actor=actor,
                    kind=BillKind.DAMAGE,
                    amount=amount,
                    due_on=max(on, today),
                    description=f"{case.number} {label}: {row['note']}",
                    source_key=damage_key(case, row["item"]),
                    lease=lease,
                )
            )

        revoked = hh.credentials_revoke(household, actor=actor)
        handover.credentials_revoked = revoked
        handover.save(update_fields=["credentials_revoked"])

        last_day = min(on, case.vacate_by) if case.vacate_by else on
        hh.lease_end(
            lease,
            actor=actor,
            on=last_day,
            status=LeaseStatus.TERMINATED if last_day < lease.end else LeaseStatus.ENDED,
            unit_status=unit_after,
        )
        repair_task = None
        if unit_after == UnitAfter.UNDER_REPAIR:
            repair_task = task_raise(
                key=repair_key(case),
                kind="unit.repair",
                title=_repair_title(case, handover),
                household=household,
                organisation=case.unit.estate.property_company,
            )

        reason = _("Keys returned on %(d)s (exit case %(n)s)") % {
            "d": on.isoformat(),
            "n": case.number,
        }
        shortened: list[dict[str, Any]] = []
        later = (
            Bill.objects.filter(household=household, period_end__gt=on)
            .exclude(period_start=None)
            .exclude(status=BillStatus.CANCELLED)
            .order_by("-period_start", "-id")
        )
        for bill in later:
            old = bill.amount
            bill = bill_shorten(bill, actor=actor, last_day=on, reason=reason)
            new = ZERO if bill.status == BillStatus.CANCELLED else bill.amount
            shortened.append({"bill": bill.pk, "kind": bill.kind, "old": old, "new": new})
        returned = sum((row["old"] - row["new"] for row in shortened), ZERO)
        handover.shortened = [
            {**row, "old": str(row["old"]), "new": str(row["new"])} for row in shortened
        ]
        handover.rent_returned = returned
        handover.save(update_fields=["shortened", "rent_returned"])

        case.handed_over_on = on
        fields = set_stage(case, Stage.HANDED_OVER, today)
        case.save(update_fields=[*fields, "handed_over_on"])
        audit.record(
            actor=actor,
            action="exit.handover",
            target=case,
            changes={
                "stage": Stage.HANDED_OVER,
                "handover": handover.pk,
                "on": on,
                "lease_ended_on": last_day,
                "unit_after": unit_after,
                "damage_bills": [b.pk for b in damage_bills],
                "credentials_revoked": revoked,
                "shortfalls": missing,
                "shortened": handover.shortened,
                "rent_returned": str(returned),
                "repair_task": repair_task.pk if repair_task else None,
            },
        )
        for target in ({"for_household": household}, {"for_unit": case.unit}):
            timeline.add(
                "exit.handed_over",
                actor=actor,
                unit=case.unit.code,
                on=on.isoformat(),
                number=case.number,
                after=unit_after,
                **target,
            )
    return handover
