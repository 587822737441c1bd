"""How fast a lottery of 100,000 entrants draws: the pure algorithm, and the round
services on the database, against a raw-database baseline.

Not a test. Usage (from the repository root):

    .venv/bin/python bench/lottery.py                      # 100,000 entrants, SQLite
    .venv/bin/python bench/lottery.py 20000 --units 500
    ANJU_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/lottery.py                  # PostgreSQL

On SQLite it makes a fresh database file in a temporary folder. Given a PostgreSQL
URL in ANJU_DATABASE_URL (as bench/list_pages.py reads it), it creates a scratch
database `anju_bench_lottery_<pid>` on that server and drops it afterwards, so the
database the URL names is not touched. Either way it migrates (not timed) and writes
N waiting households with bulk inserts (not timed), then times:

- `lottery.draw`: the pure permutation of N entrants, in memory;
- `round_add_entrants`: freezing N waiting-list entries into a round (tickets, tiers,
  area limits, one timeline entry each);
- `round_close`: hashing the entrant list and committing to a seed;
- `round_draw`: re-hashing, drawing, writing every entrant's draw position and order,
  one timeline entry each, the audit entry;
- `round_published_files`: the entrant CSV and the result JSON;
- the baseline: one raw `executemany` UPDATE of the same N rows' draw position and
  order on a plain cursor, in one transaction.

The ratio is round_draw ÷ baseline: the price of doing the draw through the service
(checks, hashing, the ORM's batched updates and the timeline) instead of writing the
finished numbers. `--keep` keeps the database.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entrants", nargs="?", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=300, help="units offered in the round")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    url = os.environ.get("ANJU_DATABASE_URL", "")
    folder = scratch_db = None
    if url.startswith(("postgres://", "postgresql://")):
        scratch_db = f"anju_bench_lottery_{os.getpid()}"
        admin(url, f'CREATE DATABASE "{scratch_db}"')
        parts = urlsplit(url)
        os.environ["ANJU_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch_db}"))
    else:
        folder = Path(tempfile.mkdtemp(prefix="anju-bench-"))
        os.environ["ANJU_DATABASE_URL"] = f"sqlite:///{folder / 'lottery.sqlite3'}"
    os.environ.setdefault("ANJU_DEBUG", "1")
    os.environ.setdefault("ANJU_STATIC_MANIFEST", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        run(args)
    finally:
        connection.close()
        if args.keep:
            print(f"database kept: {os.environ['ANJU_DATABASE_URL']}")
        elif scratch_db:
            admin(url, f'DROP DATABASE IF EXISTS "{scratch_db}"')
        elif folder:
            shutil.rmtree(folder)


def admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def run(args) -> None:
    from django.db import connection, transaction

    from anju.admission import lottery
    from anju.admission.models import Application, RoundEntrant, WaitingEntry
    from anju.admission.selectors.allocation import round_published_files
    from anju.admission.services import allocation as svc
    from anju.admission.services.rules import ruleset_create, ruleset_publish
    from anju.core import services as core_services
    from anju.core.models import Organisation, OrgKind
    from anju.core.roles import Role
    from anju.households.models import Household, HouseholdStatus
    from anju.housing.models import Building, Estate, Unit

    n = args.entrants
    authority = Organisation.objects.create(code="A", name="住房保障中心", kind=OrgKind.AUTHORITY)
    community = Organisation.objects.create(
        code="C", name="康乐社区", kind=OrgKind.COMMUNITY, parent=authority
    )
    operator = Organisation.objects.create(
        code="O", name="运营公司", kind=OrgKind.OPERATOR, parent=authority
    )
    officer = core_services.user_create(
        actor=None,
        username="officer",
        full_name="Officer",
        organisation=authority,
        roles=[Role.AUTHORITY_OFFICER],
        password="bench-password-2026!",
    )
    ruleset = ruleset_create(
        actor=officer, year=2026, effective_from=date(2026, 1, 1), source="bench"
    )
    ruleset_publish(ruleset, actor=officer)
    estate = Estate.objects.create(
        code="E1", name="康居苑", community=community, operator=operator, property_company=operator
    )
    building = Building.objects.create(estate=estate, number="01", floors=100, units_per_floor=50)
    Unit.objects.bulk_create(
        Unit(
            code=f"E1-01-{i:05d}",
            estate=estate,
            building=building,
            floor=1 + i // 50,
            position=1 + i % 50,
            area_m2=Decimal("48.00") if i % 3 else Decimal("58.00"),
            accessible=i % 20 == 0,
        )
        for i in range(args.units)
    )

    # The waiting list, written directly: setting it up is not what is measured.
    began = time.perf_counter()
    with transaction.atomic():
        households = Household.objects.bulk_create(
            (
                Household(
                    number=f"HH{i:07d}",
                    category="low_income",
                    status=HouseholdStatus.WAITING,
                    community=community,
                )
                for i in range(n)
            ),
            batch_size=2000,
        )
        applications = Application.objects.bulk_create(
            (
                Application(
                    number=f"SQ{i:07d}",
                    ruleset=ruleset,
                    category="low_income",
                    channel="counter",
                    community=community,
                    household=h,
                    status="waiting",
                )
                for i, h in enumerate(households)
            ),
            batch_size=2000,
        )
        WaitingEntry.objects.bulk_create(
            (
                WaitingEntry(
                    application=a,
                    household_id=a.household_id,
                    category="low_income",
                    size=2 + i % 3,
                    priority_group=1 + (i % 10 > 1) + (i % 10 > 4),
                    approved_on=date(2025, 6, 1),
                    joined_on=date(2025, 6, 10),
                    needs_accessible=i % 50 == 0,
                    position=i + 1,
                )
                for i, a in enumerate(applications)
            ),
            batch_size=2000,
        )
    setup = time.perf_counter() - began

    units = list(Unit.objects.all())
    rnd = svc.round_create(actor=officer, title="Bench round", ruleset=ruleset, units=units)
    timings = {}

    def timed(label, fn):
        began = time.perf_counter()
        result = fn()
        timings[label] = time.perf_counter() - began
        return result

    added = timed("round_add_entrants", lambda: svc.round_add_entrants(rnd, actor=officer))
    assert added == n, (added, n)
    entrants = list(RoundEntrant.objects.filter(round=rnd).values_list("ticket", "tier"))
    seed = lottery.new_seed()
    timed("lottery.draw (pure)", lambda: lottery.draw(seed, entrants))
    timed("round_close", lambda: svc.round_close(rnd, actor=officer))
    timed("round_draw", lambda: svc.round_draw(rnd, actor=officer))
    files = timed("round_published_files", lambda: round_published_files(rnd))
    assert len(files) == 2

    # Baseline: the same N rows' two numbers written with one raw executemany.
    rows = list(RoundEntrant.objects.filter(round=rnd).values_list("draw_position", "order", "id"))
    table = RoundEntrant._meta.db_table
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f'UPDATE {table} SET draw_position = %s, "order" = %s WHERE id = %s',  # noqa: S608
            rows,
        )
    baseline = time.perf_counter() - began

    print()
    print(f"{connection.vendor}, {n:,} entrants, {args.units:,} units offered")
    print(f"setup (bulk inserts, not timed below) {setup:>8.1f} s")
    for label, seconds in timings.items():
        print(f"{label:<30} {seconds:>8.2f} s   {n / seconds:>12,.0f} rows/s")
    label = "raw executemany UPDATE baseline"
    print(f"{label:<30} {baseline:>8.2f} s   {n / baseline:>12,.0f} rows/s")
    label = "ratio round_draw / baseline"
    print(f"{label:<30} {timings['round_draw'] / baseline:>8.1f} ×")


if __name__ == "__main__":
    main()
