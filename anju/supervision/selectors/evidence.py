"""The daily series behind a unit's evidence page, over the window's days (day numbers
are `date.toordinal()`, see models/events.py), each in one SQL query:

- access: per day, the registered members and the unregistered credentials that came
  in (a granted opening), and the openings by each;
- meters: per day, the unit's electricity and water use, and the median use that day
  of its peers: the occupied units whose households have as many members (the
  screening's size buckets), in its estate, or in the district when the estate has
  fewer than `median_min_units` of them, as the screening compares them.

Use is the difference between consecutive readings of one meter (LAG), spread evenly
over the days between them, so a meter read every few days still gives daily figures;
readings of `meter_lookback_days` before the window give its first day. A register
that went backwards (a meter replaced, or a fault) counts as no use. The median is the
middle row, or the mean of the two middle rows, of each day's ordered uses (ROW_NUMBER
and COUNT windows), which SQLite and PostgreSQL both run."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Concat

from anju.households.models import Household, Member
from anju.housing.models import Unit

from ..models import AccessEvent, MeterKind, MeterReading

DEFAULT_DAYS = 90
METER_KINDS = (MeterKind.ELECTRICITY, MeterKind.WATER)


@dataclass(frozen=True)
class Window:
    until: datetime.date
    days: int

    @property
    def hi(self) -> int:
        return self.until.toordinal()

    @property
    def lo(self) -> int:
        return self.hi - self.days + 1

    @property
    def start(self) -> datetime.date:
        return datetime.date.fromordinal(self.lo)

    def dates(self) -> list[datetime.date]:
        return [datetime.date.fromordinal(d) for d in range(self.lo, self.hi + 1)]


def window_of(run=None, *, today: datetime.date) -> Window:
    """A run's window, or the last 90 days up to today without one."""
    if run is not None:
        return Window(run.until, run.window_days)
    return Window(today, DEFAULT_DAYS)


def access_daily(unit, window: Window) -> dict[int, dict]:
    """{day: {"members", "unregistered", "member_openings", "other_openings"}} for the
    days with at least one granted opening. An unregistered credential is told apart
    by its type and reference."""
    rows = (
        AccessEvent.objects.filter(unit=unit, day__gte=window.lo, day__lte=window.hi, granted=True)
        .values("day")
        .annotate(
            members=Count("member", distinct=True, filter=Q(registered=True)),
            unregistered=Count(
                Concat("credential", Value(":"), "person_ref", output_field=CharField()),
                distinct=True,
                filter=Q(registered=False),
            ),
            member_openings=Count("pk", filter=Q(registered=True)),
            other_openings=Count("pk", filter=Q(registered=False)),
        )
        .order_by("day")
    )
    return {row.pop("day"): row for row in rows}


def _occupied_sql(where: str) -> str:
    """The occupied units and their household-size bucket, as the screening groups them
    (households of `size_max` members or more together; an empty household as one)."""
    return f"""
    SELECT h.unit_id, u.estate_id,
           CASE WHEN COUNT(m.id) > %(size_max)s THEN %(size_max)s
                WHEN COUNT(m.id) < 1 THEN 1 ELSE COUNT(m.id) END AS bucket
    FROM {Household._meta.db_table} h
    JOIN {Unit._meta.db_table} u ON u.id = h.unit_id
    LEFT JOIN {Member._meta.db_table} m ON m.household_id = h.id AND m.left_at IS NULL
    WHERE h.unit_id IS NOT NULL {where}
    GROUP BY h.unit_id, u.estate_id"""


@dataclass(frozen=True)
class Peers:
    """Whom a unit's use is compared with: the occupied units of its household-size
    bucket in its estate, or in the district when the estate has too few of them."""

    bucket: int | None  # None: nobody lives in the unit, there is no one to compare with
    scope: str  # "estate" | "district"


def peers_of(unit, values: dict) -> Peers:
    """The screening's rule for the median (`median_min_units`, `size_bucket_max`)."""
    sql = f"""
    WITH occ AS ({_occupied_sql("AND u.estate_id = %(estate)s")})
    SELECT me.bucket, (SELECT COUNT(*) FROM occ WHERE occ.bucket = me.bucket)
    FROM occ me WHERE me.unit_id = %(unit)s"""
    params = {"estate": unit.estate_id, "unit": unit.pk, "size_max": _size_max(values)}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return Peers(None, "estate")
    bucket, in_estate = row
    scope = "estate" if in_estate >= int(Decimal(values["median_min_units"])) else "district"
    return Peers(int(bucket), scope)


def _size_max(values: dict) -> int:
    return max(1, int(Decimal(values["size_bucket_max"])))


def _meter_sql(scope: str) -> str:
    where = "AND u.estate_id = %(estate)s" if scope == "estate" else ""
    return f"""
WITH RECURSIVE days(d) AS (
    SELECT CAST(%(lo)s AS INTEGER) UNION ALL SELECT d + 1 FROM days WHERE d < %(hi)s
),
occ AS ({_occupied_sql(where)}),
peers(unit_id) AS (
    SELECT unit_id FROM occ WHERE bucket = %(bucket)s
    UNION SELECT %(unit)s
),
steps AS (
    SELECT r.unit_id, r.kind, r.day,
           r.day - LAG(r.day) OVER w AS gap,
           r.value - LAG(r.value) OVER w AS diff
    FROM {MeterReading._meta.db_table} r
    WHERE r.unit_id IN (SELECT unit_id FROM peers)
      AND r.kind IN (%(electricity)s, %(water)s)
      AND r.day BETWEEN %(lookback)s AND %(hi)s
    WINDOW w AS (PARTITION BY r.meter_id ORDER BY r.read_at, r.id)
),
spread AS (
    SELECT s.unit_id, s.kind, days.d AS day,
           (CASE WHEN s.diff > 0 THEN s.diff ELSE 0 END) * 1.0
               / (CASE WHEN s.gap > 1 THEN s.gap ELSE 1 END) AS used
    FROM steps s
    JOIN days ON days.d <= s.day AND days.d > s.day - (CASE WHEN s.gap > 1 THEN s.gap ELSE 1 END)
    WHERE s.gap IS NOT NULL
),
daily AS (
    SELECT unit_id, kind, day, SUM(used) AS used FROM spread GROUP BY unit_id, kind, day
),
ranked AS (
    SELECT kind, day, used,
           ROW_NUMBER() OVER (PARTITION BY kind, day ORDER BY used, unit_id) AS n,
           COUNT(*) OVER (PARTITION BY kind, day) AS c
    FROM daily
),
median AS (
    SELECT kind, day, AVG(used) AS used FROM ranked
    WHERE n = (c + 1) / 2 OR n = (c + 2) / 2
    GROUP BY kind, day
)
SELECT med.kind, med.day, own.used, med.used
FROM median med
LEFT JOIN daily own ON own.unit_id = %(unit)s AND own.kind = med.kind AND own.day = med.day
"""


def meters_daily(unit, *, peers: Peers, window: Window, values: dict) -> dict:
    """{kind: {day: (the unit's use or None, the peers' median or None)}} for
    electricity and water over the window."""
    out: dict[str, dict[int, tuple]] = {kind.value: {} for kind in METER_KINDS}
    params = {
        "lo": window.lo,
        "hi": window.hi,
        "lookback": window.lo - int(Decimal(values["meter_lookback_days"])),
        "estate": unit.estate_id,
        "size_max": _size_max(values),
        # Nobody lives in the unit: its own use alone, with no one to compare it with
        # (the unit is always among the peers, so its days are all in the median's).
        "bucket": peers.bucket if peers.bucket is not None else -1,
        "unit": unit.pk,
        "electricity": MeterKind.ELECTRICITY.value,
        "water": MeterKind.WATER.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_meter_sql(peers.scope), params)
        for kind, day, own, median in cursor.fetchall():
            out[kind][day] = (_num(own), None if peers.bucket is None else _num(median))
    return out


def _num(value) -> float | None:
    return None if value is None else round(float(value), 3)


def _mean(values, places: int) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), places) if values else None


def peers_from_features(features: dict, values: dict) -> Peers | None:
    """The peers a run compared the unit with, from its flag's features."""
    size, scope = features.get("household_size"), features.get("median_scope")
    if size is None or scope not in ("estate", "district"):
        return None
    return Peers(min(max(int(size), 1), _size_max(values)), scope)


def evidence_series(unit, window: Window, *, values: dict, features: dict | None = None) -> dict:
    """Everything the evidence page's charts draw, as plain lists over the window's days
    (None where there is nothing to draw), with the window's figures. `values` are the
    thresholds (the run's, or those in force); `features` a flag's, when there is one:
    the unit is then compared with the peers the run compared it with."""
    days = range(window.lo, window.hi + 1)
    standby = {
        MeterKind.ELECTRICITY.value: float(values["standby_kwh"]),
        MeterKind.WATER.value: float(values["standby_water_m3"]),
    }
    peers = (features and peers_from_features(features, values)) or peers_of(unit, values)
    access = access_daily(unit, window)
    meters = meters_daily(unit, peers=peers, window=window, values=values)
    keys = ("members", "unregistered", "member_openings", "other_openings")
    empty = dict.fromkeys(keys, 0)
    series = {
        "dates": [d.isoformat() for d in window.dates()],
        "access": {key: [access.get(d, empty)[key] for d in days] for key in keys},
        "standby": standby,
        "scope": peers.scope,
    }
    for kind in METER_KINDS:
        by_day = meters[kind.value]
        series[kind.value] = {
            "unit": [by_day.get(d, (None, None))[0] for d in days],
            "median": [by_day.get(d, (None, None))[1] for d in days],
        }
    quiet = [
        d not in access
        and all((series[kind.value]["unit"][i] or 0) <= standby[kind.value] for kind in METER_KINDS)
        for i, d in enumerate(days)
    ]
    series["summary"] = {
        "days": window.days,
        "member_days": sum(1 for d in days if access.get(d, empty)["members"]),
        "other_days": sum(1 for d in days if access.get(d, empty)["unregistered"]),
        "quiet_days": sum(quiet),
        "longest_quiet": _longest_run(quiet),
        "electricity": _mean(series["electricity"]["unit"], 1),
        "electricity_median": _mean(series["electricity"]["median"], 1),
        "water": _mean(series["water"]["unit"], 2),
        "water_median": _mean(series["water"]["median"], 2),
        "scope": peers.scope,
        "compared": peers.bucket is not None,
    }
    return series


def _longest_run(flags: list[bool]) -> int:
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest
