"""How long a full evaluation run takes over a whole district, per party kind, against
the raw database doing the same reads and writes.

Not a test. Usage (from the repository root, or as `anju bench evaluation …`):

    .venv/bin/python bench/evaluation.py                       # generates 100,000 units first
    .venv/bin/python bench/evaluation.py --units 10000
    .venv/bin/python bench/evaluation.py --from-sqlite /tmp/d100k/anju.sqlite3
    .venv/bin/python bench/evaluation.py --units 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/anju_bench_evaluation

The district comes from `anju generate-district` (its whole history: leases, 25 months
of bills and payments, reviews, recertifications, inspections, tips, cases, exits,
a year of work orders and feedback, the yearly survey; not timed, and without its
own evaluation stage), or, with `--from-sqlite`, from a copy of a database that
command made (the migrations since are applied to the copy). The seeded default
schemes are published and the year 2026 opened (the year scheme covers every party
kind, tenant households included).

Timed, per party kind, best of `--repeat` runs (each run starts from a period with no
scorecards):

- **Anju**: `period_compute(period, kinds=[kind])`: the parties, the scorecards
  created in bulk, one aggregate query per computed indicator, the scores upserted in
  bulk, totals, draft grades and ranks written in bulk;
- **baseline**: the raw database doing the same essential work: the very SQL of
  each indicator's aggregate query (captured from a first run and replayed through
  the cursor, rows fetched), and `executemany` INSERTs of the same number of
  scorecards and score rows, of the same width, into scratch tables without
  indexes, in one transaction.

The ratio is the price of doing it through Django and Python (party lists, the
score arithmetic, upserts into indexed tables) over the bare reads and writes.
"""

import argparse
import datetime
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scratch  # noqa: E402  (bench/scratch.py)

YEAR_START = datetime.date(2026, 1, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--from-sqlite", help="copy this generated SQLite database instead")
    parser.add_argument("--repeat", type=int, default=2, help="timings of each, best kept")
    parser.add_argument("--database-url", help="a PostgreSQL URL for a scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    sqlite_path = None
    if args.from_sqlite and not args.database_url:
        folder = Path(tempfile.mkdtemp(prefix="anju-bench-evaluation-"))
        sqlite_path = folder / "evaluation.sqlite3"
        print(f"copying {args.from_sqlite} …")
        shutil.copyfile(args.from_sqlite, sqlite_path)
        os.environ["ANJU_DATABASE_URL"] = f"sqlite:///{sqlite_path}"
        scratch_folder = scratch.open("evaluation", None, sqlite_path=sqlite_path)
        shutil.rmtree(scratch_folder, ignore_errors=True)
        scratch_folder = folder
    else:
        scratch_folder = scratch.open("evaluation", args.database_url)

    from django.conf import settings
    from django.db import connection

    from anju.housing.models import Unit

    try:
        if not Unit.objects.exists():
            from anju.demo.district import generate

            began = time.perf_counter()
            generate(units=args.units, seed=args.seed, evaluation=False, progress=None)
            print(f"generated {args.units:,} units in {time.perf_counter() - began:.0f} s")
        print(
            f"{connection.vendor}, {Unit.objects.count():,} units; year {YEAR_START.year};"
            f" DEBUG {'on' if settings.DEBUG else 'off'}"
        )
        _bench(args.repeat)
    finally:
        scratch.close(args.database_url, scratch_folder, keep=args.keep)


def _bench(repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from anju.core.models import User
    from anju.evaluation.models import Evaluation, PartyKind, Period, PeriodKind, Scheme
    from anju.evaluation.services.period_compute import period_compute
    from anju.evaluation.services.periods import period_open, schemes_in_force
    from anju.evaluation.services.schemes import scheme_publish

    officer = User.objects.filter(roles__role="authority_officer").order_by("pk").first()
    for scheme in Scheme.objects.filter(published_at__isnull=True):
        scheme_publish(scheme, actor=officer)
    Period.objects.filter(kind=PeriodKind.YEAR, starts_on=YEAR_START).delete()
    period = period_open(actor=officer, kind=PeriodKind.YEAR, starts_on=YEAR_START)
    schemes = schemes_in_force(period.kind, period.starts_on)
    print(
        f"{'party kind':<12} {'parties':>8} {'scores':>9} {'Anju':>9} {'baseline':>9} {'ratio':>7}"
    )
    grand = 0.0
    for kind in [k for k in PartyKind.values if k in schemes]:
        lines = list(schemes[kind].lines.select_related("indicator"))
        computed = [line for line in lines if not line.indicator.is_manual]
        times = []
        captured = []
        for run in range(repeat + 1):
            Evaluation.objects.filter(period=period, party_kind=kind).delete()
            period.refresh_from_db()
            began = time.perf_counter()
            if run == 0:
                with CaptureQueriesContext(connection) as queries:
                    period_compute(period, kinds=[kind])
                captured = _aggregate_sql(queries.captured_queries, computed)
            else:
                period_compute(period, kinds=[kind])
                times.append(time.perf_counter() - began)
        parties = Evaluation.objects.filter(period=period, party_kind=kind).count()
        scores = parties * len(lines)
        base = min(_baseline(captured, parties, len(lines)) for _ in range(repeat))
        best = min(times)
        grand += best
        print(
            f"{kind:<12} {parties:>8,} {scores:>9,} {best:>8.2f}s {base:>8.2f}s"
            f" {best / base:>6.1f}×"
        )
    print(f"{'all kinds':<12} {'':>8} {'':>9} {grand:>8.2f}s")


def _aggregate_sql(captured: list[dict], computed) -> list[str]:
    """The indicators' aggregate SELECTs among the queries of a compute run: those
    with GROUP BY (the party lists and upserts have none)."""
    del computed
    return [
        q["sql"]
        for q in captured
        if q["sql"].lstrip().upper().startswith("SELECT") and "GROUP BY" in q["sql"].upper()
    ]


def _baseline(statements: list[str], parties: int, lines: int) -> float:
    """Replay the aggregate SQL and insert the same number of rows raw."""
    from django.db import connection, transaction

    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_card (id integer, period_id integer, kind varchar(12),"
            " party_id integer, estate_id integer, scheme_id integer, total numeric,"
            " grade varchar(10), rank integer)"
        )
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_score (evaluation_id integer, line_id integer,"
            " value numeric, count integer, hits integer, score numeric)"
        )
        cursor.executemany(
            "INSERT INTO bench_card VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(i, 1, "x", i, 1, 1, 80.5, "good", i) for i in range(parties)],
        )
        cursor.executemany(
            "INSERT INTO bench_score VALUES (%s, %s, %s, %s, %s, %s)",
            [(i, j, 87.5, 48, 42, 90.0) for i in range(parties) for j in range(lines)],
        )
        cursor.execute("DROP TABLE bench_card")
        cursor.execute("DROP TABLE bench_score")
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
