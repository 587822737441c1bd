"""How fast `anju generate-district` fills an empty SQLite database, measured against
what SQLite itself can take.

Usage (from the repository root):

    .venv/bin/python bench/generate_district.py            # 3,000 units
    .venv/bin/python bench/generate_district.py 100000     # 100,000 units
    .venv/bin/python bench/generate_district.py 3000 --seed 7 --keep

It makes a fresh SQLite file in a temporary folder, migrates it (not timed), runs the
generator for N units with DEBUG off (as `make demo` does) and prints:
- the elapsed seconds of the generation (planning, encryption and writing);
- the rows it wrote, and rows per second;
- a raw-database baseline: the very same rows, read back from the generated tables,
  inserted with plain `sqlite3.executemany` into tables of the same width (same
  number of columns, no indexes, one transaction, the same WAL and synchronous
  settings), and the ratio generator / baseline.

The ratio is the price of doing the work through Django with real data (names,
pinyin, Fernet encryption, blind indexes) instead of copying finished rows.
`--keep` leaves the database for inspection; otherwise the folder is removed.
"""

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("units", nargs="?", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--quiet", action="store_true", help="hide the stage progress")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="anju-bench-"))
    db_path = folder / "district.sqlite3"
    os.environ["ANJU_DATABASE_URL"] = f"sqlite:///{db_path}"
    # As `make demo` runs it: DEBUG off, plain HTTP on loopback.
    os.environ.setdefault("ANJU_DEBUG", "0")
    os.environ.setdefault("ANJU_INSECURE_HTTP", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from anju.core.models import AuditEntry, Organisation, TimelineEntry, User, UserRole
    from anju.demo import district
    from anju.households.models import Credential, Household, Lease, Member
    from anju.housing.models import Building, Estate, RentStandard, Unit

    call_command("migrate", verbosity=0)
    progress = (lambda message: None) if args.quiet else print
    began = time.perf_counter()
    district.generate(units=args.units, seed=args.seed, progress=progress)
    elapsed = time.perf_counter() - began
    connection.close()

    models = [
        Organisation,
        Estate,
        RentStandard,
        Building,
        Unit,
        Household,
        Member,
        Credential,
        Lease,
        TimelineEntry,
        User,
        UserRole,
        AuditEntry,
    ]
    tables = [m._meta.db_table for m in models]
    baseline, counts = _baseline(db_path, folder / "baseline.sqlite3", tables)
    rows = sum(counts.values())

    print()
    print(f"units                 {args.units:>12,}")
    for table, count in counts.items():
        print(f"  {table:<20}{count:>12,}")
    print(f"rows written          {rows:>12,}")
    print(f"generator             {elapsed:>12.1f} s   {rows / elapsed:>10,.0f} rows/s")
    print(f"raw sqlite3 baseline  {baseline:>12.1f} s   {rows / baseline:>10,.0f} rows/s")
    print(f"ratio                 {elapsed / baseline:>12.1f} ×")
    if args.keep:
        print(f"database kept at {db_path}")
    else:
        shutil.rmtree(folder)


def _baseline(source: Path, target: Path, tables: list[str]) -> tuple[float, dict[str, int]]:
    """Insert the generated rows again with plain executemany; return (seconds, counts)."""
    src = sqlite3.connect(source)
    data = {}
    for table in tables:
        cursor = src.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
        data[table] = (len(cursor.description), cursor.fetchall())
    src.close()

    dst = sqlite3.connect(target, isolation_level=None)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    for table, (width, _) in data.items():
        columns = ", ".join(f"c{i}" for i in range(width))
        dst.execute(f'CREATE TABLE "{table}" ({columns})')
    began = time.perf_counter()
    dst.execute("BEGIN")
    for table, (width, rows) in data.items():
        marks = ", ".join("?" * width)
        dst.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)  # noqa: S608
    dst.execute("COMMIT")
    seconds = time.perf_counter() - began
    dst.close()
    return seconds, {table: len(rows) for table, (_, rows) in data.items()}


if __name__ == "__main__":
    main()
