"""The rent of a household on its way out, billed through tenancy's bills, month by
month, in advance like the rent (art. 31):

- **moving-period rent** (`BillKind.MOVING`): the days of the moving period that the
  lease's term no longer covers (a lease that expired without renewal), at the
  contract rent of the notice;
- **overstay at market rent** (`BillKind.OVERSTAY`): from the day after the deadline,
  for a household on the market-rent track, at the notice's market rent.

A month is billed from its first day (or the first day owed) to its last, prorated by
day as the bill run does; the move-out handover shortens the month it happens in.
One bill per case, kind and month: the unique (lease, kind, period) constraint and the
`source_key` make a second run, or a run for a month already billed, create nothing.

The run reads the live cases, computes every bill in Python (cases are few; the rows
are many only in a district of 100,000 units) and writes them with one bulk insert,
one audit entry for the run and one timeline entry per bill."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from anju.core import audit, timeline
from anju.households.models import Household
from anju.tenancy.models import Bill, BillKind
from anju.tenancy.services.billing import month_bounds, prorate
from anju.tenancy.services.payments import credits_apply

from ..models import ExitCase, Stage, Track

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    kind: str
    first: datetime.date
    last: datetime.date | None  # None: open-ended
    monthly: Decimal


def spans_of(case: ExitCase) -> list[Span]:
    """What the case bills, as spans of days at a monthly rent."""
    if case.vacate_by is None or case.moving_rent is None:
        return []
    spans = []
    lease_end = case.lease.end
    if lease_end < case.vacate_by:
        spans.append(Span(BillKind.MOVING, lease_end + ONE_DAY, case.vacate_by, case.moving_rent))
    if case.stage == Stage.OVERSTAY and case.track == Track.MARKET_RENT and case.market_rent:
        spans.append(Span(BillKind.OVERSTAY, case.vacate_by + ONE_DAY, None, case.market_rent))
    return spans


def bill_key(case: ExitCase, kind: str, month: datetime.date) -> str:
    return f"exit:{case.number}:{kind}:{month:%Y-%m}"


def months_between(first: datetime.date, last: datetime.date):
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


def bills_due(case: ExitCase, today: datetime.date) -> list[Bill]:
    """The unsaved bills the case owes up to the end of `today`'s month."""
    bills = []
    _m0, this_month_end = month_bounds(today)
    for span in spans_of(case):
        if span.first > this_month_end:
            continue
        last = min(span.last or this_month_end, this_month_end)
        for month in months_between(span.first, last):
            m0, m1 = month_bounds(month)
            lo, hi = max(span.first, m0), min(last, m1)
            days = (hi - lo).days + 1
            amount = prorate([(span.monthly, days)], m1.day)
            if amount <= 0:
                continue
            due = max(lo, m0 + datetime.timedelta(days=case.lease.billing_day - 1))
            bills.append(
                Bill(
                    household_id=case.household_id,
                    lease_id=case.lease_id,
                    estate_id=case.estate_id,
                    kind=span.kind,
                    period=m0,
                    period_start=lo,
                    period_end=hi,
                    due_on=min(due, hi),
                    amount=amount,
                    description=f"{case.number} {lo:%Y-%m-%d}–{hi:%Y-%m-%d}",
                    source_key=bill_key(case, span.kind, m0),
                )
            )
    return bills


def exit_bills_raise(today: datetime.date | None = None, *, actor=None, cases=None) -> int:
    """Bill every live case's moving-period and overstay rent up to the end of the
    month of `today`. Returns how many bills were created; a second run creates none."""
    today = today or timezone.localdate()
    if cases is None:
        cases = ExitCase.objects.filter(stage__in=[Stage.MOVING, Stage.OVERSTAY])
    cases = cases.exclude(vacate_by=None).select_related("lease").order_by("pk")
    wanted = [bill for case in cases.iterator(chunk_size=2000) for bill in bills_due(case, today)]
    if not wanted:
        return 0
    keys = [bill.source_key for bill in wanted]
    seen: set[str] = set()
    for start in range(0, len(keys), 5000):
        seen |= {
            key
            for key in Bill.objects.filter(source_key__in=keys[start : start + 5000]).values_list(
                "source_key", flat=True
            )
            if key
        }
    fresh = [bill for bill in wanted if bill.source_key not in seen]
    if not fresh:
        return 0
    now = timezone.now()
    for bill in fresh:
        bill.created_by = actor if getattr(actor, "pk", None) else None
        bill.created_at = now
    with transaction.atomic():
        # ignore_conflicts: a concurrent run's bill for the same month wins, quietly.
        Bill.objects.bulk_create(fresh, batch_size=2000, ignore_conflicts=True)
        created = list(
            Bill.objects.filter(source_key__in=[b.source_key for b in fresh], created_at=now)
        )
        # One audit entry for the run, naming its bills (as the monthly bill run does);
        # each household's timeline tells its own.
        audit.record(
            actor=actor,
            action="bill.exit_run",
            target=("exits.billing", today.toordinal(), f"exit bills to {today:%Y-%m}"),
            changes={
                "created": len(created),
                "bills": [[bill.pk, bill.source_key, str(bill.amount)] for bill in created],
            },
        )
        timeline.add_many(
            timeline.build(
                "bill.raised",
                actor=actor,
                for_household=Household(pk=bill.household_id),
                kind=bill.kind,
                amount=str(bill.amount),
                due=str(bill.due_on),
            )
            for bill in created
        )
    credits_apply({bill.household_id for bill in created})
    return len(created)
