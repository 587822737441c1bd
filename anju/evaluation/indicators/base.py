"""The computed indicators' common shape.

A `Definition` turns a period into one `Measure` per party with one set-based query
(`compute`), and lists the records behind one party's measure (`records`), each
marked with what it contributed, so that the list reproduces the value. Four shapes
cover most indicators:

- `Ratio`: the share of the period's records that meet a condition ("orders done in
  time"): value = 100 × hits / count;
- `Mean`: the mean of a per-record amount ("days from vacant to let");
- `Total`: the sum of a per-record amount ("valid points");
- `Share`: 100 × the sum of a per-record part over the sum of a per-record whole
  ("rent collected of rent billed").

Each module of this package defines the indicators of one party kind and registers
them with `@register`; `Indicator.source` names them."""

from __future__ import annotations

import abc
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

CENT = Decimal("0.01")
# Sums and means are cast to this: SQLite returns them as floats, which are rounded back
# to cents before any division, so that the database and the drill-down agree.
MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class Measure:
    """One party's value; `count` records were measured and, for a ratio, `hits` of
    them counted. `value` is None when there was nothing to measure."""

    value: Decimal | None
    count: int | None = None
    hits: int | None = None


@dataclass(frozen=True)
class Column:
    """One column of the drill-down list: a lookup on the record and its heading."""

    lookup: str
    label: str


def quantize(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def day_bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The aware datetimes [start 00:00, the day after end 00:00) in the district's
    time: a datetime field is in the period when it lies in this half-open span."""
    tz = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return first, after


def local_date(field: str) -> TruncDate:
    """The district's local date of a datetime field, in the database."""
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


class Definition(abc.ABC):
    """A computed indicator. Subclasses set `code` (the `Indicator.source` it
    implements), `party_kind`, `party` (the lookup from a record to the party's id:
    an organisation's or a household's), `columns`, and implement `base`. The methods
    marked abstract are what a shape (`Ratio`, `Mean`, `Total`, `Share`) or an
    indicator must supply: `register` instantiates the class, so an indicator that
    leaves one out fails when Anju starts."""

    code: str = ""
    party_kind: str = ""
    party: str = ""
    columns: tuple[Column, ...] = ()
    # The record's detail page: a URL name taking `detail_arg` of the record.
    detail_url: str | None = None
    detail_arg: str = "pk"

    @abc.abstractmethod
    def base(self, start: datetime.date, end: datetime.date) -> QuerySet:
        """Every record of the period that the indicator measures, for all parties."""

    def _grouped(self, start, end) -> QuerySet:
        return self.base(start, end).exclude(**{f"{self.party}__isnull": True}).values(self.party)

    @abc.abstractmethod
    def compute(self, start: datetime.date, end: datetime.date) -> dict[int, Measure]:
        """Every party's measure for the period, from one aggregate query."""

    @abc.abstractmethod
    def records(self, start: datetime.date, end: datetime.date, party_id: int) -> QuerySet:
        """The records behind `party_id`'s measure, annotated with `contribution`."""

    @abc.abstractmethod
    def measure_of(self, rows) -> Measure:
        """The measure the drill-down rows reproduce (the traceability check)."""


class Ratio(Definition):
    """100 × (records meeting `hit`) / (records)."""

    @abc.abstractmethod
    def hit(self, start: datetime.date, end: datetime.date) -> Q:
        """The condition a record meets to count (done in time, say)."""

    def compute(self, start, end):
        rows = self._grouped(start, end).annotate(
            n=Count("pk"), k=Count("pk", filter=self.hit(start, end))
        )
        return {
            row[self.party]: Measure(
                quantize(Decimal(100) * row["k"] / row["n"]), row["n"], row["k"]
            )
            for row in rows
            if row["n"]
        }

    def records(self, start, end, party_id):
        return (
            self.base(start, end)
            .filter(**{self.party: party_id})
            .annotate(
                contribution=Case(
                    When(self.hit(start, end), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )

    def measure_of(self, rows):
        rows = list(rows)
        hits = sum(1 for row in rows if row.contribution)
        if not rows:
            return Measure(None)
        return Measure(quantize(Decimal(100) * hits / len(rows)), len(rows), hits)


class _Amount(Definition):
    """A per-record amount (`amount`, an expression), aggregated per party."""

    @abc.abstractmethod
    def amount(self, start: datetime.date, end: datetime.date):
        """The expression of one record's amount (days, points, yuan)."""

    def records(self, start, end, party_id):
        return (
            self.base(start, end)
            .filter(**{self.party: party_id})
            .annotate(
                contribution=Cast(
                    self.amount(start, end), DecimalField(max_digits=14, decimal_places=2)
                )
            )
        )


class Mean(_Amount):
    def compute(self, start, end):
        # The exact quotient of the sum and the count of the amounts that are there, as
        # `measure_of` takes it (an `Avg` would be a float on SQLite).
        amount = Cast(self.amount(start, end), MONEY)
        rows = self._grouped(start, end).annotate(n=Count(amount), s=Sum(amount))
        return {
            row[self.party]: Measure(quantize(quantize(row["s"]) / row["n"]), row["n"])
            for row in rows
            if row["n"]
        }

    def measure_of(self, rows):
        amounts = [Decimal(row.contribution) for row in rows if row.contribution is not None]
        if not amounts:
            return Measure(None)
        return Measure(quantize(sum(amounts) / len(amounts)), len(amounts))


class Total(_Amount):
    def compute(self, start, end):
        rows = self._grouped(start, end).annotate(
            n=Count("pk"),
            v=Sum(Cast(self.amount(start, end), DecimalField(max_digits=14, decimal_places=2))),
        )
        return {row[self.party]: Measure(quantize(row["v"] or 0), row["n"]) for row in rows}

    def measure_of(self, rows):
        rows = list(rows)
        return Measure(
            quantize(sum((Decimal(r.contribution or 0) for r in rows), Decimal(0))), len(rows)
        )


class Share(Definition):
    """100 × Σ `part` / Σ `whole` over the records: each record weighs by its `whole`
    (a bill by its amount). Each record carries `whole` and, as its `contribution`,
    its `part`."""

    @abc.abstractmethod
    def whole(self, start: datetime.date, end: datetime.date):
        """The expression of what a record weighs (a bill's amount)."""

    @abc.abstractmethod
    def part(self, start: datetime.date, end: datetime.date):
        """The expression of the part of it that counts (what was paid in time)."""

    def compute(self, start, end):
        rows = self._grouped(start, end).annotate(
            n=Count("pk"),
            w=Sum(Cast(self.whole(start, end), MONEY)),
            p=Sum(Cast(self.part(start, end), MONEY)),
        )
        return {
            row[self.party]: Measure(
                quantize(Decimal(100) * quantize(row["p"] or 0) / quantize(row["w"])), row["n"]
            )
            for row in rows
            if row["n"] and quantize(row["w"])
        }

    def records(self, start, end, party_id):
        return (
            self.base(start, end)
            .filter(**{self.party: party_id})
            .annotate(
                whole=Cast(self.whole(start, end), MONEY),
                contribution=Cast(self.part(start, end), MONEY),
            )
        )

    def measure_of(self, rows):
        rows = list(rows)
        whole = sum((Decimal(r.whole or 0) for r in rows), Decimal(0))
        if not rows or not whole:
            return Measure(None)
        part = sum((Decimal(r.contribution or 0) for r in rows), Decimal(0))
        return Measure(quantize(Decimal(100) * part / whole), len(rows))


REGISTRY: dict[str, Definition] = {}


def register(cls):
    """Class decorator: make the definition known under its `code`."""
    if cls.code in REGISTRY:
        raise ValueError(f"indicator {cls.code} registered twice")
    REGISTRY[cls.code] = cls()
    return cls


def definition(code: str) -> Definition:
    return REGISTRY[code]
