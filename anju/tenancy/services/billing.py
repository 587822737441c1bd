"""Bills. The monthly bill run writes a month's rent bills with one INSERT … SELECT per
range of leases: each lease's rent rows that overlap the month, prorated by day, summed
in cents. The unique (lease, kind, period) constraint with ON CONFLICT DO NOTHING makes a
second run for the same month create nothing. Other kinds of bill (deposit, fine,
surcharge, back rent, damage, paid repair) are raised one at a time by `bill_raise`.

Proration: a month's rent is Σ(rent in cents × days covered) ÷ days in the month,
rounded half up to the cent. A whole month is exactly the rent.

A household with a good-conduct rent discount (an evaluation's RENT_DISCOUNT
consequence) in effect on the first day of the month pays that percent less: the
discount, rounded half up to the cent, is taken off and kept on the bill (`discount`)."""

from __future__ import annotations

import calendar
import datetime
import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.households.models import Household, Lease

from ..models import Bill, BillKind, BillRun, BillStatus

CENT = Decimal("0.01")
RUN_BATCHES = 10

# Lazy: the sentence is translated when the timeline is shown, in the reader's language.
timeline.register("bill.raised", gettext_lazy("%(kind)s of ¥%(amount)s raised, due %(due)s"))
timeline.register("bill.cancelled", gettext_lazy("%(kind)s of ¥%(amount)s cancelled: %(reason)s"))


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def prorate(pieces: list[tuple[Decimal, int]], month_days: int) -> Decimal:
    """The amount for (monthly rent, days covered) pieces of one month. The reference
    for the SQL below, which computes the same with integers."""
    cents = sum(int(rent * 100) * days for rent, days in pieces)
    return (Decimal(cents) / month_days / 100).quantize(CENT, ROUND_HALF_UP)


# --- The bill run -----------------------------------------------------------------------


def _dialect() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "max": "GREATEST",
            "min": "LEAST",
            "days": "({hi} - {lo} + 1)",
            "cents": "(r.monthly_rent * 100)::bigint",
            "due": "GREATEST(%(m0)s::date + (l.billing_day - 1), l.start)",
            "date": "%({name})s::date",
            "estates": "u.estate_id = ANY(%(estates)s)",
        }
    return {
        "max": "MAX",
        "min": "MIN",
        "days": "(CAST(julianday({hi}) - julianday({lo}) AS INTEGER) + 1)",
        "cents": "CAST(ROUND(r.monthly_rent * 100) AS INTEGER)",
        "due": "MAX(date(%(m0)s, '+' || (l.billing_day - 1) || ' days'), l.start)",
        "date": "%({name})s",
        "estates": "u.estate_id IN (SELECT value FROM json_each(%(estates)s))",
    }


def _estates_param(ids: list[int]):
    """The list of estates as the dialect's `estates` condition reads it."""
    return ids if connection.vendor == "postgresql" else json.dumps(ids)


def bill_run_sql(estate_filter: bool, *, batched: bool = False) -> str:
    """The statement of the bill run (also what the benchmark compares against). With
    `estate_filter`, only the estates of the `estates` parameter (a list); `batched`,
    only the leases with ids from `lo` up to (not including) `hi`."""
    d = _dialect()
    m0, m1 = d["date"].format(name="m0"), d["date"].format(name="m1")
    last = "CASE WHEN l.ended_on IS NOT NULL AND l.ended_on < l.end THEN l.ended_on ELSE l.end END"
    lo = f"{d['max']}(l.start, r.effective_from, {m0})"
    hi = f"{d['min']}({last}, COALESCE(r.effective_until, {m1}), {m1})"
    days = d["days"].format(lo=lo, hi=hi)
    where_estate = f"AND {d['estates']}" if estate_filter else ""
    if batched:
        where_estate += " AND l.id >= %(lo)s AND l.id < %(hi)s"
    # The discount in effect on the month's first day, in hundredths of a percent. An
    # expired one (done by the sweep) still counts for a month it covered; a cancelled
    # one never does.
    discount = f"""
        COALESCE((
            SELECT MAX(CAST(ROUND(c.percent * 100) AS INTEGER))
            FROM evaluation_consequence c
            JOIN evaluation_evaluation e ON e.id = c.evaluation_id
            WHERE e.household_id = g.household_id
              AND c.kind = 'rent_discount' AND c.state IN ('in_effect', 'done')
              AND c.percent IS NOT NULL AND c.valid_from <= {m0}
              AND (c.valid_until IS NULL OR c.valid_until >= {m0})
        ), 0)"""
    return f"""
        INSERT INTO tenancy_bill (
            household_id, lease_id, estate_id, kind, period, period_start, period_end,
            due_on, amount, discount, settled, status, description, source_key, run_id,
            created_by_id, created_at, cancelled_reason
        )
        SELECT b.household_id, b.lease_id, b.estate_id, 'rent', b.period, b.period_start,
               b.period_end, b.due_on, (b.cents - b.off) / 100.0, b.off / 100.0,
               0, 'open', '', NULL, %(run)s, %(actor)s, %(now)s, ''
        FROM (
            SELECT g.*, (g.cents * {discount} * 2 + 10000) / 20000 AS off
            FROM (
                SELECT l.household_id AS household_id, l.id AS lease_id,
                       u.estate_id AS estate_id, {m0} AS period,
                       {d["max"]}(l.start, {m0}) AS period_start,
                       {d["min"]}({last}, {m1}) AS period_end, {d["due"]} AS due_on,
                       (CAST(SUM({d["cents"]} * {days}) AS BIGINT) * 2 + %(md)s)
                           / (2 * %(md)s) AS cents
                FROM households_lease l
                JOIN housing_unit u ON u.id = l.unit_id
                JOIN households_leaserent r ON r.lease_id = l.id
                WHERE l.start <= {m1} AND {last} >= {m0}
                  AND r.effective_from <= {m1}
                  AND (r.effective_until IS NULL OR r.effective_until >= {m0})
                  AND r.effective_from <= {last}
                  {where_estate}
                GROUP BY l.id, l.household_id, u.estate_id, l.start, l.end, l.ended_on,
                         l.billing_day
            ) g
        ) b
        WHERE 1 = 1
        ON CONFLICT DO NOTHING
    """


def bill_run(
    month: datetime.date,
    *,
    actor=None,
    estates=None,
    job=None,
    progress: Callable[[int, int], None] | None = None,
) -> BillRun:
    """Bill the rent of `month` for every lease that covers a day of it in `estates`
    (default: all), then let households' credit settle the new bills. Running it again
    for the same month creates nothing.

    The leases are taken in about ten ranges of their ids, one statement and one
    transaction each: a failure keeps what was billed before it, and the progress
    moves range by range. (A statement per estate made PostgreSQL read the whole lease
    table once per estate: a district of 100 estates took twice the single statement.)"""
    from .payments import credits_apply

    m0, m1 = month_bounds(month)
    estate_ids = None
    if estates is not None:
        estate_ids = list(estates.order_by("pk").values_list("pk", flat=True))
    run = BillRun.objects.create(period=m0, created_by=actor, job=job)
    sql = bill_run_sql(estate_filter=estate_ids is not None, batched=True)
    params = {
        "m0": m0,
        "m1": m1,
        "md": m1.day,
        "run": run.pk,
        "actor": getattr(actor, "pk", None),
        "now": timezone.now(),
        "estates": _estates_param(estate_ids or []),
    }
    first, last = Lease.objects.aggregate(lo=Min("pk"), hi=Max("pk")).values()
    created, ranges = 0, []
    if first is not None and estate_ids != []:
        step = max(1, -(-(last - first + 1) // RUN_BATCHES))
        ranges = [(lo, min(lo + step, last + 1)) for lo in range(first, last + 1, step)]
    for done, (lo, hi) in enumerate(ranges, 1):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {**params, "lo": lo, "hi": hi})
            created += max(cursor.rowcount, 0)
        if progress:
            progress(done, len(ranges))
    settled = credits_apply(Bill.objects.filter(run=run).values("household_id"))
    run.created, run.finished_at = created, timezone.now()
    run.save(update_fields=["created", "finished_at"])
    audit.record(
        actor=actor,
        action="bill.run",
        target=run,
        changes={"month": f"{m0:%Y-%m}", "created": created, "settled_from_credit": settled},
    )
    return run


# --- One-off bills ------------------------------------------------------------------------


def bill_raise(
    household,
    *,
    actor,
    kind: str,
    amount: Decimal,
    due_on: datetime.date,
    description: str = "",
    source_key: str | None = None,
    lease=None,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
) -> Bill:
    """Raise one bill (deposit, fine, surcharge, back rent, damage, paid repair, or a
    rent correction). A `source_key` already used returns that bill unchanged, so a
    service that re-sends is harmless. Credit the household holds settles it."""
    from .payments import credits_apply

    if kind not in BillKind.values:
        raise DomainError(_("Unknown kind of bill."), code="kind")
    amount = Decimal(amount)
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), code="amount")
    if amount != amount.quantize(CENT):
        raise DomainError(_("The amount has more than two decimals."), code="amount")
    if source_key:
        existing = Bill.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    lease = lease or household.leases.filter(status="active").first()
    estate = household.estate or (lease.unit.estate if lease else None)
    if estate is None:
        raise DomainError(_("The household has no estate to bill under."), code="no_estate")
    with transaction.atomic():
        bill = Bill.objects.create(
            household=household,
            lease=lease,
            estate=estate,
            kind=kind,
            due_on=due_on,
            amount=amount,
            description=description.strip()[:200],
            source_key=source_key or None,
            period_start=period_start,
            period_end=period_end,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="bill.raise",
            target=bill,
            changes=audit.snapshot(bill, ["household", "kind", "amount", "due_on", "description"]),
        )
        timeline.add(
            "bill.raised",
            actor=actor,
            for_household=household,
            kind=bill.get_kind_display(),
            amount=str(amount),
            due=str(due_on),
        )
        credits_apply([household.pk])
    bill.refresh_from_db()
    return bill


def bill_cancel(bill: Bill, *, actor, reason: str) -> Bill:
    """Cancel an unpaid bill (raised in error). A bill with payments on it cannot be
    cancelled; raise a correction instead."""
    if not reason.strip():
        raise DomainError(_("Give the reason for cancelling."), code="reason")
    with transaction.atomic():
        # The household's lock is the one payments take while they settle bills, so a
        # payment cannot land on the bill between the check and the cancellation.
        Household.objects.select_for_update().filter(pk=bill.household_id).first()
        bill.refresh_from_db(fields=["status", "settled"])
        if bill.status == BillStatus.CANCELLED:
            raise DomainError(_("This bill is already cancelled."), code="cancelled")
        if bill.settled:
            raise DomainError(_("A bill with payments on it cannot be cancelled."), code="paid")
        bill.status, bill.cancelled_reason = BillStatus.CANCELLED, reason.strip()[:200]
        bill.save(update_fields=["status", "cancelled_reason"])
        audit.record(actor=actor, action="bill.cancel", target=bill, changes={"reason": reason})
        timeline.add(
            "bill.cancelled",
            actor=actor,
            for_household=bill.household,
            kind=bill.get_kind_display(),
            amount=str(bill.amount),
            reason=bill.cancelled_reason,
        )
    return bill


# --- Shortening a bill at the end of a tenancy ----------------------------------------------

timeline.register(
    "bill.shortened",
    gettext_lazy("%(kind)s shortened to end on %(last)s: ¥%(old)s → ¥%(new)s (%(reason)s)"),
)


def shortened_amount(bill: Bill, last_day: datetime.date) -> Decimal:
    """What `bill` comes to when it covers only its days up to `last_day`: its amount ×
    the days kept ÷ the days it covers, rounded half up to the cent."""
    assert bill.period_start is not None and bill.period_end is not None
    covered = (bill.period_end - bill.period_start).days + 1
    kept = min(covered, max(0, (last_day - bill.period_start).days + 1))
    return (bill.amount * kept / covered).quantize(CENT, ROUND_HALF_UP)


def bill_shorten(bill: Bill, *, actor, last_day: datetime.date, reason: str) -> Bill:
    """Cut a bill for a period (rent, moving-period or overstay rent) back to the days up
    to `last_day`, the tenancy's end: amount × days kept ÷ days covered, rounded half up
    to the cent. A bill left with nothing is cancelled with `reason`, keeping its amount
    for the record. Money already paid on it beyond the new amount is released, newest
    allocation first, and becomes the household's credit, which settles any other open
    bill at once as credit always does. A bill that covers no day after `last_day` is
    returned unchanged, so calling it twice is harmless."""
    from ..models import Allocation
    from .payments import _allocate

    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for shortening the bill."), code="reason")
    if bill.period_start is None or bill.period_end is None:
        raise DomainError(_("Only a bill for a period of days can be shortened."), code="no_period")
    with transaction.atomic():
        # The household's lock, as in bill_cancel: no payment lands on the bill meanwhile.
        Household.objects.select_for_update().filter(pk=bill.household_id).first()
        bill.refresh_from_db()
        if bill.status == BillStatus.CANCELLED:
            raise DomainError(_("This bill is already cancelled."), code="cancelled")
        if bill.period_end <= last_day:
            return bill
        old_amount, old_end, old_settled = bill.amount, bill.period_end, bill.settled
        new_amount = shortened_amount(bill, last_day)
        cancel = new_amount <= 0
        keep_paid = Decimal("0.00") if cancel else new_amount
        excess = bill.settled - keep_paid
        released = []
        if excess > 0:
            for allocation in Allocation.objects.filter(bill=bill).order_by("-created_at", "-id"):
                if excess <= 0:
                    break
                take = min(allocation.amount, excess)
                if take == allocation.amount:
                    allocation.delete()
                else:
                    allocation.amount -= take
                    allocation.save(update_fields=["amount"])
                released.append([allocation.payment_id, str(take)])
                excess -= take
            bill.settled = keep_paid
        if cancel:
            bill.status, bill.cancelled_reason = BillStatus.CANCELLED, reason[:200]
        else:
            bill.amount, bill.period_end = new_amount, last_day
            bill.status = BillStatus.PAID if bill.settled == bill.amount else BillStatus.OPEN
        bill.save(update_fields=["amount", "period_end", "settled", "status", "cancelled_reason"])
        audit.record(
            actor=actor,
            action="bill.shorten",
            target=bill,
            changes={
                "amount": [str(old_amount), str(Decimal("0.00") if cancel else new_amount)],
                "period_end": [str(old_end), str(last_day)],
                "settled": [str(old_settled), str(bill.settled)],
                "released": released,
                "status": bill.status,
                "reason": reason,
            },
        )
        if cancel:
            timeline.add(
                "bill.cancelled",
                actor=actor,
                for_household=bill.household,
                kind=bill.kind,
                amount=str(old_amount),
                reason=bill.cancelled_reason,
            )
        else:
            timeline.add(
                "bill.shortened",
                actor=actor,
                for_household=bill.household,
                kind=bill.kind,
                last=last_day.isoformat(),
                old=str(old_amount),
                new=str(new_amount),
                reason=reason[:200],
            )
        if released:
            _allocate(bill.household_id)
    return bill
