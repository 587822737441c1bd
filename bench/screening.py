"""How well and how fast the screening finds illegal occupancy.

Not a test. Usage (from the repository root; `anju bench screening …` runs the same):

    .venv/bin/python bench/screening.py                          # SQLite, 10,000 and 100,000 units
    .venv/bin/python bench/screening.py --units 10000 --labelled-units 600
    .venv/bin/python bench/screening.py --database-url postgres://postgres@127.0.0.1:5432/anju_bench_screening

Two parts, each on its own scratch database (bench/scratch.py: a temporary SQLite
file, or the named PostgreSQL database, dropped and created again):

1. **Precision and recall.** The demo generator builds a district of
   `--labelled-units` units and writes `--days` days of door events and meter readings
   for every occupied unit through the ingest service, with labelled cases of each flag
   planted among ordinary households and the four confounders (a family away three
   weeks, an elderly person living alone, a daily caregiver, a lock gone silent while
   the meters show life). The screening runs over the last `--window` days, and for each
   flag the bench prints what was planted and raised, precision and recall (goal ≥ 0.9
   each), and the flags raised on each confounder (goal: none).

2. **Speed**, at each of `--units` (default 10,000 and 100,000). The world is written
   fast, straight into the tables with INSERT … SELECT (not timed as the subject, and
   not through the ingest service): one household per unit (95 % of units occupied,
   1 to 5 members), one event per member on most days, visitors, and a few idle,
   sublet, overcrowded and converted units so that the rules raise flags; daily
   readings of an electricity and a water meter, some registers reset. Rows go in day
   by day, as gateways send them. Then, `--repeat` times each, best kept:
   - `screening_run`: the service, as the schedule runs it: the feature statement, the
     rules in Python, the flags written, the audit entry;
   - the baseline: the same hand-written feature statement
     (`screening_sql.features_sql()`) on a raw cursor, rows fetched;
   and the bench checks that the run screened the units the statement returned and
   raised the flags those rows give, and prints the ratio service ÷ statement (the goal
   is ≤ 1.5).
"""

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scratch  # noqa: E402  (bench/scratch.py)

UNTIL = datetime.date(2026, 10, 31)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--units", type=int, nargs="*", default=[10_000, 100_000], help="sizes timed"
    )
    parser.add_argument(
        "--labelled-units",
        type=int,
        default=3000,
        help="size of the demo district for precision and recall (0: skip)",
    )
    parser.add_argument("--days", type=int, default=120, help="days of data written")
    parser.add_argument("--window", type=int, default=90, help="days screened")
    parser.add_argument("--repeat", type=int, default=2, help="timings of each, best kept")
    parser.add_argument("--database-url", help="a PostgreSQL URL for a scratch database")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--part", choices=("labelled", "timing"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.part == "labelled":
        _labelled(args)
        return
    if args.part == "timing":
        _timing(args)
        return
    # Each world in a process of its own: Django is set up once per database.
    common = ["--days", str(args.days), "--window", str(args.window), "--seed", str(args.seed)]
    common += ["--repeat", str(args.repeat)] + (["--keep"] if args.keep else [])
    if args.database_url:
        common += ["--database-url", args.database_url]
    runs = []
    if args.labelled_units:
        runs.append(["--part", "labelled", "--labelled-units", str(args.labelled_units)])
    runs += [["--part", "timing", "--units", str(n)] for n in args.units]
    status = 0
    for extra in runs:
        status |= subprocess.call([sys.executable, __file__, *extra, *common], cwd=ROOT)
        print()
    sys.exit(status)


# --- 1. Precision and recall on the demo generator's labelled world ------------------------


def _labelled(args) -> None:
    folder = scratch.open("screening-labelled", args.database_url)
    from django.db import connection

    try:
        from anju.demo import district
        from anju.demo.events import precision_recall
        from anju.supervision.services.screening import screening_run

        print(
            f"{connection.vendor}: labelled world, {args.labelled_units:,} units, "
            f"{args.days} days of events (demo generator, ingest service)"
        )
        began = time.perf_counter()
        result = district.generate(
            units=args.labelled_units,
            seed=args.seed,
            admission=False,
            tenancy=False,
            events_days=args.days,
        )
        events = result.events
        print(
            f"generated in {time.perf_counter() - began:.1f} s "
            f"(events stage {events.seconds:.1f} s): {events.counts['events']:,} events, "
            f"{events.counts['readings']:,} readings, "
            f"{result.counts['households']:,} households, until {events.until}"
        )
        _analyze(connection)
        began = time.perf_counter()
        run = screening_run(until=events.until, window_days=args.window, trigger="command")
        seconds = time.perf_counter() - began
        print(f"screening_run {seconds:.2f} s: {run.units:,} units, {run.flags} flags")
        flagged: dict[str, set[str]] = {}
        for code, flag in run.flag_rows.values_list("unit__code", "flag"):
            flagged.setdefault(code, set()).add(flag)
        report = precision_recall(events.labels, flagged)
        print(
            f"{'flag':<15}{'planted':>8}{'raised':>8}{'tp':>5}{'fp':>5}{'fn':>5}"
            f"{'precision':>11}{'recall':>8}"
        )
        ok = True
        for flag in ("idle", "sublet", "overcrowding", "change_of_use"):
            r = report[flag]
            ok &= r["precision"] >= 0.9 and r["recall"] >= 0.9
            print(
                f"{flag:<15}{r['planted']:>8}{r['raised']:>8}{r['tp']:>5}{r['fp']:>5}"
                f"{r['fn']:>5}{r['precision']:>11.3f}{r['recall']:>8.3f}"
                + (f"   false: {', '.join(r['false_units'][:5])}" if r["fp"] else "")
                + (f"   missed: {', '.join(r['missed_units'][:5])}" if r["fn"] else "")
            )
        for label in ("away", "elderly_alone", "caregiver", "silent_lock"):
            r = report[label]
            ok &= not r["flagged"]
            names = ", ".join(f"{u} {sorted(flagged[u])}" for u in r["flagged"][:5])
            print(
                f"confounder {label:<14}{r['planted']:>4} planted, "
                f"{len(r['flagged'])} flagged" + (f": {names}" if names else "")
            )
        print("goal (≥ 0.9 each, no confounder flagged):", "met" if ok else "NOT met")
    finally:
        scratch.close(args.database_url, folder, keep=args.keep)


def _analyze(connection) -> None:
    # The planner's statistics, as a database in use has them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- 2. Speed on a world written in bulk ------------------------------------------------------


def _timing(args) -> None:
    (units,) = args.units
    folder = scratch.open(f"screening-{units}", args.database_url)
    from django.db import connection

    try:
        print(f"{connection.vendor}: {units:,} units, {args.days} days, window {args.window}")
        began = time.perf_counter()
        counts = _populate(connection, units, args.days)
        print(
            f"setup (INSERT … SELECT) {time.perf_counter() - began:>7.1f} s: "
            f"{counts['households']:,} households, {counts['members']:,} members, "
            f"{counts['events']:,} events, {counts['readings']:,} readings"
        )
        _analyze(connection)
        _compare(connection, args)
    finally:
        scratch.close(args.database_url, folder, keep=args.keep)


def _populate(connection, count: int, days: int) -> dict[str, int]:
    """The timing world: `count` units in estates of 1,000, 95 % of them let to a
    household of 1 to 5 members, a lock and two meters per unit (device ids chosen so
    that the day statements can name them: the lock is the unit's id, the meters
    count + id and 2 × count + id), then `days` days of events and readings up to
    UNTIL, one day per transaction."""
    import random

    from django.db import transaction

    from anju.core.models import Organisation
    from anju.households.models import Household, Member
    from anju.housing.models import Building, Estate, Unit
    from anju.supervision.models import Device, IngestBatch

    rng = random.Random(2026)
    first = UNTIL.toordinal() - days + 1
    counts = {"households": 0, "members": 0, "events": 0, "readings": 0}
    with transaction.atomic(), connection.cursor() as cursor:
        orgs = [
            {"id": n + 1, "code": code, "name": code, "kind": kind, "phone": "", "address": ""}
            for n, (code, kind) in enumerate(
                (("C", "community"), ("O", "operator"), ("P", "property"))
            )
        ]
        scratch.insert(cursor, Organisation, [{**o, "agency_function": ""} for o in orgs])
        estates = max(1, count // 1000)
        scratch.insert(
            cursor,
            Estate,
            [
                {
                    "id": e + 1,
                    "code": f"E{e:03d}",
                    "name": f"E{e:03d}",
                    "address": "",
                    "community_id": 1,
                    "operator_id": 2,
                    "property_company_id": 3,
                }
                for e in range(estates)
            ],
        )
        per_estate = -(-count // estates)
        scratch.insert(
            cursor,
            Building,
            [
                {
                    "id": e + 1,
                    "estate_id": e + 1,
                    "number": "1",
                    "floors": 30,
                    "units_per_floor": -(-per_estate // 30),
                }
                for e in range(estates)
            ],
        )
        units, households, members, devices = [], [], [], []
        for i in range(1, count + 1):
            estate = (i - 1) // per_estate + 1
            let = rng.random() < 0.95
            units.append(
                {
                    "id": i,
                    "code": f"U{i:07d}",
                    "estate_id": estate,
                    "building_id": estate,
                    "floor": (i % 30) + 1,
                    "position": i,
                    "area_m2": "50.00",
                    "accessibility_notes": "",
                    "status": "occupied" if let else "vacant",
                }
            )
            devices.append(
                {
                    "id": i,
                    "code": f"L{i}",
                    "kind": "lock",
                    "meter_kind": "",
                    "estate_id": estate,
                    "unit_id": i,
                    "notes": "",
                }
            )
            for n, kind in ((1, "electricity"), (2, "water")):
                devices.append(
                    {
                        "id": n * count + i,
                        "code": f"M{n}-{i}",
                        "kind": "meter",
                        "meter_kind": kind,
                        "estate_id": estate,
                        "unit_id": i,
                        "notes": "",
                    }
                )
            if not let:
                continue
            hid = len(households) + 1
            households.append(
                {
                    "id": hid,
                    "number": f"H{hid:07d}",
                    "category": "low_income",
                    "closed_reason": "",
                    "status": "tenant",
                    "unit_id": i,
                    "estate_id": estate,
                }
            )
            for m in range(rng.randint(1, 5)):
                mid = len(members) + 1
                members.append(
                    {
                        "id": mid,
                        "household_id": hid,
                        "name": f"M{mid}",
                        "name_pinyin": "",
                        "name_initials": "",
                        "relation": "head" if m == 0 else "child",
                        "id_number_enc": "",
                        "id_number_hash": f"h{mid}",
                        "id_number_masked": "",
                        "birth_date": datetime.date(1980, 1, 1),
                        "sex": "F",
                        "phone_enc": "",
                        "phone_hash": "",
                        "phone_masked": "",
                        "hukou": "",
                        "employer": "",
                        "special_care": "",
                    }
                )
        for model, rows in (
            (Unit, units),
            (Household, households),
            (Member, members),
            (Device, devices),
        ):
            scratch.insert(cursor, model, rows)
        scratch.insert(
            cursor,
            IngestBatch,
            [{"id": 1, "kind": "access", "channel": "cli", "format": "csv", "source": "bench"}],
        )
        counts["households"], counts["members"] = len(households), len(members)
    for d in range(first, UNTIL.toordinal() + 1):
        with transaction.atomic(), connection.cursor() as cursor:
            counts["events"] += _events_of_day(connection, cursor, d, first, count, 1)
            counts["readings"] += _readings_of_day(connection, cursor, d, first, count, 1)
    return counts


def _at(connection, d: int, seconds: str) -> str:
    """The SQL of the aware time `seconds` after local midnight (UTC+8) of day `d`."""
    epoch = (
        int(
            datetime.datetime.combine(
                datetime.date.fromordinal(d), datetime.time(), datetime.UTC
            ).timestamp()
        )
        - 8 * 3600
    )
    if connection.vendor == "postgresql":
        return f"to_timestamp({epoch} + {seconds})"
    return f"datetime({epoch} + {seconds}, 'unixepoch')"


def _events_of_day(connection, cursor, d: int, first: int, count: int, batch: int) -> int:
    h = f"((m.id * 7919 + {d * 104729}) % 100)"
    cls = "(x.unit_id % 100)"
    idle = f"({cls} IN (0, 1) AND {d} > {UNTIL.toordinal() - 70})"
    rows = 0
    # Members: most days, unless the unit is idle or sublet.
    cursor.execute(
        f"""
        INSERT INTO supervision_accessevent (event_id, device_id, unit_id, household_id,
            member_id, occurred_at, day, credential, person_ref, registered, granted, batch_id)
        SELECT '{d}-a' || m.id, x.unit_id, x.unit_id, x.id, m.id,
               {_at(connection, d, f"61200 + {h} * 97")}, {d}, 'face', 'F' || m.id,
               TRUE, TRUE, {batch}
        FROM households_member m JOIN households_household x ON x.id = m.household_id
        WHERE {h} < 85 AND NOT {idle} AND {cls} NOT IN (2, 3)
        """
    )
    rows += cursor.rowcount
    # Everyone else: subtenants, bed renters and visitors, by unit.
    u = f"((x.unit_id * 7919 + {d * 104729}) % 100)"
    others = [
        (f"{cls} IN (2, 3) AND {u} < 85", "'S' || x.unit_id", "'card'"),
        (f"{cls} IN (2, 3) AND {u} < 70", "'T' || x.unit_id", "'card'"),
        (f"{cls} = 4 AND {u} < 90", "'B' || x.unit_id", "'card'"),
        (f"{cls} = 4 AND {u} < 85", "'C' || x.unit_id", "'card'"),
        (f"{cls} = 4 AND {u} < 80", "'D' || x.unit_id", "'card'"),
        (f"{cls} = 4 AND {u} < 88", "'G' || x.unit_id", "'card'"),
        (f"NOT {idle} AND {u} < 4", f"'V' || x.unit_id || '-' || {d}", "'password'"),
    ]
    for n, (where, ref, cred) in enumerate(others):
        cursor.execute(
            f"""
            INSERT INTO supervision_accessevent (event_id, device_id, unit_id, household_id,
                member_id, occurred_at, day, credential, person_ref, registered, granted,
                batch_id)
            SELECT '{d}-o{n}-' || x.unit_id, x.unit_id, x.unit_id, x.id, NULL,
                   {_at(connection, d, f"64800 + {u} * 61")}, {d}, {cred}, {ref},
                   FALSE, TRUE, {batch}
            FROM households_household x
            WHERE {where}
            """
        )
        rows += cursor.rowcount
    return rows


def _readings_of_day(connection, cursor, d: int, first: int, count: int, batch: int) -> int:
    cls = "(u.id % 100)"
    quiet_from = UNTIL.toordinal() - 70
    reset_day = first + (UNTIL.toordinal() - first) // 2
    rows = 0
    since = f"({d} - {first - 1})"
    for n, kind, base, rate, quiet, jitter in (
        (1, "electricity", "500", "(2.5 + ((u.id * 31) % 50) / 10.0)", "0.5", "0.02"),
        (2, "water", "50", "(0.08 + ((u.id * 17) % 30) / 100.0)", "0.004", "0.0002"),
    ):
        if kind == "electricity":
            rate = f"(CASE WHEN {cls} = 5 THEN 5 ELSE 1 END * {rate})"
        else:
            rate = f"(CASE WHEN {cls} = 4 THEN 4 ELSE 1 END * {rate})"
        q = quiet_from - first + 1  # the idle units' last day of use, from the start
        lived = f"(CASE WHEN {since} < {q} THEN {since} ELSE {q} END)"
        quiet_days = f"(CASE WHEN {since} > {q} THEN {since} - {q} ELSE 0 END)"
        value = (
            f"CASE WHEN {cls} IN (0, 1) THEN {base} + {rate} * {lived} + {quiet} * {quiet_days}"
            f" ELSE {base} + {rate} * {since} END"
            f" + ((u.id * 13 + {d} * 7) % 10) * {jitter}"
            # A register reset (a replacement) in a few units half way through.
            f" - CASE WHEN u.id % 211 = 0 AND {d} >= {reset_day} THEN {base} ELSE 0 END"
        )
        cursor.execute(
            f"""
            INSERT INTO supervision_meterreading (reading_id, meter_id, unit_id, kind, read_at,
                day, value, batch_id)
            SELECT '{d}-r{n}-' || u.id, {n * count} + u.id, u.id, '{kind}',
                   {_at(connection, d, "86000")}, {d}, {value}, {batch}
            FROM housing_unit u
            """
        )
        rows += cursor.rowcount
    return rows


def _compare(connection, args) -> None:
    from django.db import transaction

    from anju.supervision import thresholds
    from anju.supervision.models import ScreeningFlag, ScreeningRun
    from anju.supervision.services.screening import screening_run
    from anju.supervision.services.screening_rules import evaluate, features_of
    from anju.supervision.services.screening_sql import Window, features_params, features_sql

    window = Window(UNTIL, args.window)
    values = thresholds.current()
    service, baseline = [], []
    run = rows = None
    for _ in range(args.repeat):
        ScreeningFlag.objects.all().delete()
        ScreeningRun.objects.all().delete()
        began = time.perf_counter()
        run = screening_run(until=UNTIL, window_days=args.window, trigger="command")
        service.append(time.perf_counter() - began)
        sql, params = features_sql(), features_params(window, values)
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        baseline.append(time.perf_counter() - began)

    expected = {
        (row[0], flag)
        for row in rows
        for flag, _ in evaluate(features_of(row, window, values), values)
    }
    got = set(run.flag_rows.values_list("unit_id", "flag"))
    assert run.units == len(rows), "the run and the statement screened different units"
    assert got == expected, "the run's flags differ from those of the statement's rows"
    per_flag = {}
    for _, flag in got:
        per_flag[flag] = per_flag.get(flag, 0) + 1
    best_service, best_baseline = min(service), min(baseline)
    print(
        f"flags raised          {len(got):>8,}   "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(per_flag.items()))
        + "  (identical from the statement's rows)"
    )
    print(
        f"screening_run         {best_service:>8.2f} s   {run.units / best_service:>10,.0f}"
        f" units/s   (runs: {', '.join(f'{t:.2f}' for t in service)})"
    )
    print(
        f"feature statement     {best_baseline:>8.2f} s   {len(rows) / best_baseline:>10,.0f}"
        f" units/s   (runs: {', '.join(f'{t:.2f}' for t in baseline)})"
    )
    print(f"ratio                 {best_service / best_baseline:>8.2f} ×   (goal ≤ 1.5)")


if __name__ == "__main__":
    # Timed as production runs: DEBUG off (no query log).
    os.environ["ANJU_DEBUG"] = "0"
    main()
