"""The screening's features, computed in one SQL statement that runs unchanged on SQLite
and PostgreSQL: common table expressions and window functions over the event tables,
integer day numbers (`date.toordinal()`, see models/events.py), medians from
ROW_NUMBER/COUNT windows, the longest quiet run by gaps and islands. Nothing loops over
events in Python; the statement returns one row per occupied unit (a unit a household
lives in), which the rules in `screening_rules` read.

The steps, in the order of the WITH clauses:

- `occ`: the occupied units, their estate and the household's size (current members),
  bucketed so that the largest households are compared together.
- `visits`: the window's door events reduced to one row per unit, day and person. A
  person is a registered member (by member id) or, for an unregistered credential, its
  type and reference; an anonymous password or key (no reference) is one "person" per
  type, as nothing tells two of them apart.
- `day_acc` / `acc_unit`: per unit and day, whether a member or an unregistered
  credential came in (a granted opening) and whether the lock reported anything at all
  (denied attempts included); then the counts of days.
- `people` / `people_unit`: per person, the days seen; then per unit the members seen
  regularly, the unregistered credentials, those seen regularly and the passing
  visitors (named credentials seen on 1–2 days).
- `reads` / `used`: use is the difference between consecutive readings of a meter (LAG
  over the meter's readings by time). A register that goes backwards (a replacement or
  a fault) counts as no use, never as negative use, and is counted in `resets`. A
  difference over several days is spread evenly over them, so a meter that skipped a
  day does not make a lived-in unit look quiet. The readings of `meter_lookback_days`
  before the window give the first day its predecessor.
  (`long_gaps` is MATERIALIZED, as both databases allow since SQLite 3.35 and
  PostgreSQL 12: inlined, PostgreSQL scanned every reading once per day of the window.)
- `use_unit`: per unit, the average daily electricity and water over the days with
  meter data, and the first and last such day (the meters' coverage).
- the medians: per estate and household size, and per household size in the whole
  district (used when the estate has fewer than `median_min_units` such households).
- `busy` / `quiet`: gaps and islands. The busy days are those with a granted opening,
  or electricity or water above the standby thresholds; the first day before and after
  the meters' coverage are busy too, so a run is counted up to the window's edges but
  never over days without meter data (a unit whose lock and meters were both silent is
  unknown, not idle). The longest gap between busy days is the quiet run.
- `lock_busy` / `silent` / `silent_use`: the same over the days the lock reported
  anything, from the window's first to its last day; the longest silent run, and on how
  many of its days the electricity was above standby (someone lived there).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

# The columns of a feature row, in the order the statement returns them.
COLUMNS = (
    "unit_id",
    "household_id",
    "estate_id",
    "unit_code",
    "household_size",
    "lock_days",
    "registered_days",
    "unregistered_days",
    "regular_members",
    "unregistered_credentials",
    "regular_unregistered",
    "passing_visitors",
    "elec_kwh_per_day",
    "water_m3_per_day",
    "meter_days",
    "elec_median",
    "water_median",
    "median_scope",
    "quiet_run_days",
    "quiet_from",
    "quiet_to",
    "lock_silent_run",
    "lock_silent_from",
    "lock_silent_to",
    "lock_silent_use_days",
    "meter_resets",
)


@dataclass(frozen=True)
class Window:
    until: datetime.date
    days: int

    @property
    def first(self) -> int:
        return self.last - self.days + 1

    @property
    def last(self) -> int:
        return self.until.toordinal()

    @property
    def start(self) -> datetime.date:
        return self.until - datetime.timedelta(days=self.days - 1)


def _median(name: str, value: str, partition: str) -> str:
    """A CTE with the median of `value` over the rows of `unit_use` in each group of
    `partition`: the middle row, or the mean of the two middle rows, by ROW_NUMBER."""
    return f"""{name} AS (
        SELECT {partition}, AVG(v) AS median, MAX(n) AS n
        FROM (
            SELECT {partition}, {value} AS v,
                   ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {value}, unit_id) AS rn,
                   COUNT(*) OVER (PARTITION BY {partition}) AS n
            FROM unit_use
            WHERE {value} IS NOT NULL
        ) ranked
        WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
        GROUP BY {partition}
    )"""


def _longest(name: str, source: str) -> str:
    """A CTE with each unit's longest run of days between two rows of `source` (unit_id,
    day): its length and first and last day (gaps and islands by LAG)."""
    return f"""{name} AS (
        SELECT unit_id, run, day - run AS run_from, day - 1 AS run_to
        FROM (
            SELECT unit_id, day, run,
                   ROW_NUMBER() OVER (PARTITION BY unit_id ORDER BY run DESC, day DESC) AS rn
            FROM (
                SELECT unit_id, day,
                       day - LAG(day) OVER (PARTITION BY unit_id ORDER BY day) - 1 AS run
                FROM {source}
            ) gaps
            WHERE run > 0
        ) ranked
        WHERE rn = 1
    )"""


def features_sql() -> str:
    """The statement. Its parameters: see `features_params`."""
    return f"""
    WITH RECURSIVE
    days(d) AS (
        SELECT CAST(%(d0)s AS INTEGER)
        UNION ALL
        SELECT d + 1 FROM days WHERE d < %(d1)s
    ),
    occ AS (
        SELECT h.unit_id, h.id AS household_id, u.estate_id, u.code AS unit_code,
               COUNT(m.id) AS size,
               CASE WHEN COUNT(m.id) > %(size_max)s THEN %(size_max)s
                    WHEN COUNT(m.id) < 1 THEN 1 ELSE COUNT(m.id) END AS bucket
        FROM households_household h
        JOIN housing_unit u ON u.id = h.unit_id
        LEFT JOIN households_member m ON m.household_id = h.id AND m.left_at IS NULL
        WHERE h.unit_id IS NOT NULL
        GROUP BY h.unit_id, h.id, u.estate_id, u.code
    ),
    visits AS (
        SELECT a.unit_id, a.day,
               CASE WHEN a.registered THEN 'm' || a.member_id
                    ELSE a.credential || ':' || a.person_ref END AS who,
               MAX(CASE WHEN a.granted THEN 1 ELSE 0 END) AS granted,
               MAX(CASE WHEN a.registered THEN 1 ELSE 0 END) AS reg,
               MAX(CASE WHEN a.person_ref = '' THEN 0 ELSE 1 END) AS named
        FROM supervision_accessevent a
        WHERE a.day BETWEEN %(d0)s AND %(d1)s
        GROUP BY a.unit_id, a.day,
                 CASE WHEN a.registered THEN 'm' || a.member_id
                      ELSE a.credential || ':' || a.person_ref END
    ),
    day_acc AS (
        SELECT unit_id, day,
               MAX(CASE WHEN granted = 1 AND reg = 1 THEN 1 ELSE 0 END) AS reg,
               MAX(CASE WHEN granted = 1 AND reg = 0 THEN 1 ELSE 0 END) AS unreg,
               MAX(granted) AS entered
        FROM visits
        GROUP BY unit_id, day
    ),
    acc_unit AS (
        SELECT unit_id, COUNT(*) AS lock_days, SUM(reg) AS registered_days,
               SUM(unreg) AS unregistered_days
        FROM day_acc
        GROUP BY unit_id
    ),
    people AS (
        SELECT unit_id, who, MAX(reg) AS reg, MAX(named) AS named, COUNT(*) AS days
        FROM visits
        WHERE granted = 1
        GROUP BY unit_id, who
    ),
    people_unit AS (
        SELECT unit_id,
               SUM(CASE WHEN reg = 1 AND days >= %(regular)s THEN 1 ELSE 0 END) AS regular_members,
               SUM(CASE WHEN reg = 0 THEN 1 ELSE 0 END) AS unregistered_credentials,
               SUM(CASE WHEN reg = 0 AND days >= %(regular)s THEN 1 ELSE 0 END)
                   AS regular_unregistered,
               SUM(CASE WHEN reg = 0 AND named = 1 AND days <= %(passing)s THEN 1 ELSE 0 END)
                   AS passing_visitors
        FROM people
        GROUP BY unit_id
    ),
    reads AS (
        SELECT r.unit_id, r.kind, r.day,
               r.value - LAG(r.value) OVER w AS diff,
               r.day - LAG(r.day) OVER w AS gap
        FROM supervision_meterreading r
        WHERE r.day BETWEEN %(lb)s AND %(d1)s AND r.kind IN ('electricity', 'water')
        WINDOW w AS (PARTITION BY r.meter_id ORDER BY r.read_at, r.id)
    ),
    long_gaps AS MATERIALIZED (
        SELECT unit_id, kind, day, gap,
               (CASE WHEN diff > 0 THEN diff ELSE 0 END) * 1.0 / gap AS rate
        FROM reads
        WHERE gap > 1 AND day >= %(d0)s
    ),
    used AS (
        SELECT unit_id, day,
               SUM(CASE WHEN kind = 'electricity' THEN amount END) AS elec,
               SUM(CASE WHEN kind = 'water' THEN amount END) AS water
        FROM (
            SELECT unit_id, kind, day, CASE WHEN diff > 0 THEN diff ELSE 0 END AS amount
            FROM reads
            WHERE gap <= 1 AND day >= %(d0)s
            UNION ALL
            SELECT g.unit_id, g.kind, days.d, g.rate
            FROM long_gaps g
            JOIN days ON days.d > g.day - g.gap AND days.d <= g.day
        ) spread
        GROUP BY unit_id, day
    ),
    resets AS (
        SELECT unit_id, COUNT(*) AS n
        FROM reads
        WHERE diff < 0 AND day >= %(d0)s
        GROUP BY unit_id
    ),
    use_unit AS (
        SELECT unit_id, SUM(elec) AS elec_total, COUNT(elec) AS elec_days,
               SUM(water) AS water_total, COUNT(water) AS water_days,
               MIN(day) AS cov_lo, MAX(day) AS cov_hi, COUNT(*) AS meter_days
        FROM used
        GROUP BY unit_id
    ),
    unit_use AS (
        SELECT o.unit_id, o.estate_id, o.bucket,
               CASE WHEN x.elec_days > 0 THEN x.elec_total * 1.0 / x.elec_days END AS elec,
               CASE WHEN x.water_days > 0 THEN x.water_total * 1.0 / x.water_days END AS water
        FROM occ o
        JOIN use_unit x ON x.unit_id = o.unit_id
    ),
    {_median("est_elec", "elec", "estate_id, bucket")},
    {_median("est_water", "water", "estate_id, bucket")},
    {_median("all_elec", "elec", "bucket")},
    {_median("all_water", "water", "bucket")},
    busy AS (
        SELECT d.unit_id, d.day
        FROM day_acc d
        JOIN use_unit c ON c.unit_id = d.unit_id
        WHERE d.entered = 1 AND d.day BETWEEN c.cov_lo AND c.cov_hi
        UNION ALL
        SELECT unit_id, day
        FROM used
        WHERE elec > %(standby_kwh)s OR water > %(standby_water)s
        UNION ALL
        SELECT unit_id, cov_lo - 1 FROM use_unit
        UNION ALL
        SELECT unit_id, cov_hi + 1 FROM use_unit
    ),
    {_longest("quiet", "busy")},
    lock_busy AS (
        SELECT unit_id, day FROM day_acc
        UNION ALL
        SELECT unit_id, %(d0)s - 1 FROM occ
        UNION ALL
        SELECT unit_id, %(d1)s + 1 FROM occ
    ),
    {_longest("silent", "lock_busy")},
    silent_use AS (
        SELECT s.unit_id, s.run, s.run_from, s.run_to, COUNT(x.unit_id) AS n
        FROM silent s
        LEFT JOIN used x ON x.unit_id = s.unit_id
             AND x.day BETWEEN s.run_from AND s.run_to AND x.elec > %(standby_kwh)s
        GROUP BY s.unit_id, s.run, s.run_from, s.run_to
    )
    SELECT o.unit_id, o.household_id, o.estate_id, o.unit_code, o.size,
           COALESCE(a.lock_days, 0), COALESCE(a.registered_days, 0),
           COALESCE(a.unregistered_days, 0),
           COALESCE(p.regular_members, 0), COALESCE(p.unregistered_credentials, 0),
           COALESCE(p.regular_unregistered, 0), COALESCE(p.passing_visitors, 0),
           uu.elec, uu.water, COALESCE(x.meter_days, 0),
           CASE WHEN ee.n >= %(min_group)s THEN ee.median ELSE ae.median END,
           CASE WHEN ew.n >= %(min_group)s THEN ew.median ELSE aw.median END,
           CASE WHEN ee.n >= %(min_group)s THEN 'estate' ELSE 'district' END,
           COALESCE(q.run, 0), q.run_from, q.run_to,
           COALESCE(s.run, 0), s.run_from, s.run_to, COALESCE(s.n, 0),
           COALESCE(rs.n, 0)
    FROM occ o
    LEFT JOIN acc_unit a ON a.unit_id = o.unit_id
    LEFT JOIN people_unit p ON p.unit_id = o.unit_id
    LEFT JOIN use_unit x ON x.unit_id = o.unit_id
    LEFT JOIN unit_use uu ON uu.unit_id = o.unit_id
    LEFT JOIN est_elec ee ON ee.estate_id = o.estate_id AND ee.bucket = o.bucket
    LEFT JOIN est_water ew ON ew.estate_id = o.estate_id AND ew.bucket = o.bucket
    LEFT JOIN all_elec ae ON ae.bucket = o.bucket
    LEFT JOIN all_water aw ON aw.bucket = o.bucket
    LEFT JOIN quiet q ON q.unit_id = o.unit_id
    LEFT JOIN silent_use s ON s.unit_id = o.unit_id
    LEFT JOIN resets rs ON rs.unit_id = o.unit_id
    ORDER BY o.unit_id
    """


def features_params(window: Window, values: dict[str, Decimal]) -> dict:
    """The statement's parameters for a window and the threshold values in force."""
    return {
        "d0": window.first,
        "d1": window.last,
        "lb": window.first - int(values["meter_lookback_days"]),
        "regular": max(1, math.ceil(values["regular_share"] * window.days)),
        "passing": int(values["passing_days"]),
        "standby_kwh": float(values["standby_kwh"]),
        "standby_water": float(values["standby_water_m3"]),
        "min_group": int(values["median_min_units"]),
        "size_max": max(1, int(values["size_bucket_max"])),
    }


def unit_features(window: Window, values: dict[str, Decimal]) -> list[tuple]:
    """One row per occupied unit, in the order of COLUMNS."""
    with connection.cursor() as cursor:
        cursor.execute(features_sql(), features_params(window, values))
        return cursor.fetchall()
