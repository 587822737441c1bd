"""The tenancy reports, each one or two aggregate queries over the rows the user may see.

- The rent roll: every lease in force on a day, with the rent in force then, what its
  month was billed and paid, and the household's balance now.
- The collection rate: per estate and month, the rent billed for the month, what was
  collected of those bills by the end of that month (payments made by then, including
  earlier credit), and what has been collected of them by now."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth

from anju.core.scoping import estate_q
from anju.households.models import Lease, LeaseRent
from anju.housing.models import Estate

from ..models import Allocation, Bill, BillKind, BillStatus, Payment, Refund

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PERCENT = Decimal("0.1")


def money(value) -> Decimal:
    """A sum as yuan and cents: SQLite returns computed sums without their scale."""
    return (value or ZERO).quantize(CENT)


def _sum(queryset, group: str, expression) -> Coalesce:
    """The sum of `expression` over `queryset`'s rows that match the outer row's
    `group` (already filtered on it by the caller), as a scalar subquery, or 0."""
    return Coalesce(
        Subquery(queryset.values(group).annotate(s=Sum(expression)).values("s")[:1]),
        Value(ZERO),
        output_field=MONEY,
    )


def month_add(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


# --- The rent roll ---------------------------------------------------------------------


def rent_roll(user, *, on: datetime.date, estate: Estate | None = None) -> QuerySet:
    """Leases in force on `on` (started, not past their last day), in the user's scope,
    annotated with rent, multiplier, billed, paid and balance."""
    month = on.replace(day=1)
    leases = (
        Lease.objects.visible_to(user)
        .filter(start__lte=on, end__gte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
    )
    if estate is not None:
        leases = leases.filter(unit__estate=estate)
    in_force = LeaseRent.objects.filter(lease=OuterRef("pk"), effective_from__lte=on).order_by(
        "-effective_from"
    )
    bills = Bill.objects.filter(lease=OuterRef("pk"), period=month).exclude(
        status=BillStatus.CANCELLED
    )
    household = OuterRef("household_id")
    owed = _sum(
        Bill.objects.filter(household=household, status=BillStatus.OPEN),
        "household",
        F("amount") - F("settled"),
    )
    received = _sum(Payment.objects.filter(household=household), "household", "amount")
    allocated = _sum(
        Allocation.objects.filter(payment__household=household), "payment__household", "amount"
    )
    refunded = _sum(Refund.objects.filter(household=household), "household", "amount")
    return (
        leases.select_related("unit__estate", "household__head")
        .annotate(
            rent=Coalesce(
                Subquery(in_force.values("monthly_rent")[:1]), F("monthly_rent"), output_field=MONEY
            ),
            multiplier=Coalesce(
                Subquery(in_force.values("rent_multiplier")[:1]),
                F("rent_multiplier"),
                output_field=DecimalField(max_digits=4, decimal_places=2),
            ),
            billed=_sum(bills, "lease", "amount"),
            paid=_sum(bills, "lease", "settled"),
            balance=ExpressionWrapper(owed - (received - allocated - refunded), output_field=MONEY),
        )
        .order_by("unit__estate__code", "unit__code", "pk")
    )


def rent_roll_totals(roll: QuerySet) -> dict:
    """Sums over the whole roll (not only the page shown)."""
    # The sums are named apart from the annotations they add up: an aggregate with an
    # annotation's own name would replace it in the inner query.
    fields = ("rent", "billed", "paid", "balance")
    totals = roll.order_by().aggregate(**{f"total_{f}": Sum(f) for f in fields})
    return {f: money(totals[f"total_{f}"]) for f in fields}


# --- The collection rate -------------------------------------------------------------


def _rate(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(PERCENT, ROUND_HALF_UP)


@dataclass
class MonthRate:
    month: datetime.date
    billed: Decimal = ZERO
    collected: Decimal = ZERO  # by the end of the month
    now: Decimal = ZERO  # by today

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.collected, self.billed)

    @property
    def rate_now(self) -> Decimal | None:
        return _rate(self.now, self.billed)


@dataclass
class EstateRates:
    estate: Estate | None  # None: all the estates shown
    months: list[MonthRate] = field(default_factory=list)

    @property
    def billed(self) -> Decimal:
        return sum((m.billed for m in self.months), ZERO)

    @property
    def collected(self) -> Decimal:
        return sum((m.collected for m in self.months), ZERO)

    @property
    def now(self) -> Decimal:
        return sum((m.now for m in self.months), ZERO)

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.collected, self.billed)

    @property
    def rate_now(self) -> Decimal | None:
        return _rate(self.now, self.billed)


def collection_rates(
    user, *, until: datetime.date, months: int = 12, estate: Estate | None = None
) -> tuple[list[datetime.date], list[EstateRates], EstateRates]:
    """The months shown (oldest first), one EstateRates per estate that was billed in
    them, and the total over those estates."""
    last = until.replace(day=1)
    first = month_add(last, -(months - 1))
    shown = [month_add(first, i) for i in range(months)]
    bills = Q(kind=BillKind.RENT, period__gte=first, period__lte=last) & ~Q(
        status=BillStatus.CANCELLED
    )
    billed = Bill.objects.filter(bills).filter(estate_q(user, "estate"))
    if estate is not None:
        billed = billed.filter(estate=estate)
    totals = billed.values("estate_id", "period").annotate(billed=Sum("amount"), now=Sum("settled"))
    # Allocations from payments made by the end of the bill's month; a payment made
    # earlier and held as credit counts for the month it settles.
    in_month = (
        Allocation.objects.filter(bill__in=billed.values("pk"))
        .annotate(paid_month=TruncMonth("payment__paid_at", output_field=DateField()))
        .filter(paid_month__lte=F("bill__period"))
        .values("bill__estate_id", "bill__period")
        .annotate(s=Sum("amount"))
    )
    cells: dict[tuple[int, datetime.date], MonthRate] = {}
    for row in totals:
        cells[(row["estate_id"], row["period"])] = MonthRate(
            row["period"], billed=money(row["billed"]), now=money(row["now"])
        )
    for row in in_month:
        cell = cells.get((row["bill__estate_id"], row["bill__period"]))
        if cell is not None:
            cell.collected = money(row["s"])
    estate_ids = {key[0] for key in cells}
    estates = Estate.objects.filter(pk__in=estate_ids).order_by("code")
    per_estate = [
        EstateRates(e, [cells.get((e.pk, m)) or MonthRate(m) for m in shown]) for e in estates
    ]
    total = EstateRates(None, [MonthRate(m) for m in shown])
    for rates in per_estate:
        for cell, into in zip(rates.months, total.months, strict=True):
            into.billed += cell.billed
            into.collected += cell.collected
            into.now += cell.now
    return shown, per_estate, total


def chart_data(months, per_estate: list[EstateRates], total: EstateRates, labels: dict) -> dict:
    """What the page's script draws: one chart per estate (and the total), bars for the
    amounts and a line for the rate. Amounts as strings, as the JSON carries Decimals."""

    def series(rates: EstateRates, name: str) -> dict:
        return {
            "name": name,
            "billed": [str(m.billed) for m in rates.months],
            "collected": [str(m.collected) for m in rates.months],
            "now": [str(m.now) for m in rates.months],
            "rate": [None if m.rate is None else str(m.rate) for m in rates.months],
        }

    return {
        "months": [f"{m:%Y-%m}" for m in months],
        "labels": labels,
        "charts": [series(total, labels["total"])]
        + [series(r, f"{r.estate.code} {r.estate.name}") for r in per_estate],
    }
