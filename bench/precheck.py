"""How fast the pre-check runs over many applications, against the raw database.

Not a test. Usage (from the repository root):

    .venv/bin/python bench/precheck.py                      # 100,000 on a scratch SQLite
    .venv/bin/python bench/precheck.py 20000 --batch 2000
    .venv/bin/python bench/precheck.py --database-url postgres://postgres@127.0.0.1:5432/anju_bench_precheck

It makes a scratch database (a temporary SQLite file, or the named PostgreSQL database,
dropped and created again; it must not be one you care about), migrates it (not timed),
writes N applications with 1–4 members each straight through bulk_create (timed and
printed, but not the subject), and then prints:

- `precheck_many` over all N applications: seconds, applications per second and result
  rows per second (one row per criterion, nine per application);
- the same again, when every result row already exists (the upsert updates them);
- the raw-database baseline: on a raw cursor, the application columns and one
  GROUP BY aggregate over the same members, read in full, plus an `executemany` insert
  of the same number of result rows (the same values) into a table of the same shape
  with the same unique index, in one transaction;
- the ratio precheck_many ÷ baseline: what the evaluation in Python, the rule lookups,
  the ORM and the per-batch UPDATEs cost on top of moving the same data;
- on PostgreSQL, a second baseline that inserts the rows in one statement from arrays
  (`unnest`), as precheck_many itself does there, and the ratio against it.
"""

import argparse
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scratch  # noqa: E402  (bench/scratch.py)

CATEGORIES = ["low_income", "lower_middle", "new_employee", "migrant_worker", "special"]
RELATIONS = ["head", "spouse", "child", "parent"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("applications", nargs="?", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000, help="precheck_many's batch size")
    parser.add_argument("--database-url", help="a PostgreSQL URL for a scratch database")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sqlite-path", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    folder = scratch.open("precheck", args.database_url, sqlite_path=args.sqlite_path)
    from django.db import connection

    print(f"{connection.vendor}, {args.applications:,} applications, batch {args.batch:,}")

    began = time.perf_counter()
    members = _populate(args.applications, random.Random(args.seed))
    setup = time.perf_counter() - began
    print(f"setup (bulk_create)   {setup:>10.1f} s   {members:,} members")

    from anju.admission.models import Application, CriterionResult
    from anju.admission.services.precheck import precheck_many

    began = time.perf_counter()
    done = precheck_many(Application.objects.all(), batch=args.batch)
    first = time.perf_counter() - began
    rows = CriterionResult.objects.count()
    assert done == args.applications, done

    began = time.perf_counter()
    precheck_many(Application.objects.all(), batch=args.batch)
    again = time.perf_counter() - began

    baseline = _baseline(connection)
    arrays = _baseline(connection, arrays=True) if connection.vendor == "postgresql" else None
    met = Application.objects.filter(precheck_met=True).count()

    print(f"result rows           {rows:>10,}   ({met:,} applications met)")
    print(
        f"precheck_many         {first:>10.2f} s   {done / first:>10,.0f} applications/s"
        f"   {rows / first:>10,.0f} rows/s"
    )
    print(
        f"  again (upsert)      {again:>10.2f} s   {done / again:>10,.0f} applications/s"
        f"   {rows / again:>10,.0f} rows/s"
    )
    print(
        f"raw baseline          {baseline:>10.2f} s   {done / baseline:>10,.0f} applications/s"
        f"   {rows / baseline:>10,.0f} rows/s"
    )
    print(f"ratio                 {first / baseline:>10.1f} ×  (again: {again / baseline:.1f} ×)")
    if arrays:
        print(
            f"raw, one statement    {arrays:>10.2f} s   {done / arrays:>10,.0f} applications/s"
            f"   {rows / arrays:>10,.0f} rows/s   (unnest; ratio {first / arrays:.1f} ×)"
        )

    scratch.close(args.database_url, folder, keep=args.keep)


def _populate(count: int, rng: random.Random) -> int:
    """Organisations, a published rule set, and `count` submitted-looking applications
    with their households and members, written with bulk_create. The personal-data
    columns hold placeholders: the pre-check never reads them."""
    from django.db import transaction
    from django.utils import timezone

    from anju.admission.models import Application, ApplicationMember
    from anju.admission.services.rules import ruleset_create, ruleset_publish
    from anju.core.models import Organisation, User
    from anju.households.models import Household

    authority = Organisation.objects.create(code="AUTH", name="住房保障中心", kind="authority")
    street = Organisation.objects.create(code="S1", name="街道", kind="street", parent=authority)
    community = Organisation.objects.create(code="C1", name="社区", kind="community", parent=street)
    officer = User.objects.create(username="bench-officer", organisation=authority)
    ruleset = ruleset_create(
        actor=officer, year=2026, effective_from=date(2026, 1, 1), source="bench"
    )
    ruleset_publish(ruleset, actor=officer)

    now = timezone.now()
    total_members = 0
    chunk = 10_000
    with transaction.atomic():
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            categories = [rng.choice(CATEGORIES) for _ in range(size)]
            households = Household.objects.bulk_create(
                Household(
                    number=f"B{start + i:09d}",
                    category=categories[i],
                    status="applicant",
                    community=community,
                    created_at=now,
                )
                for i in range(size)
            )
            applications = Application.objects.bulk_create(
                Application(
                    number=f"SQ{start + i:09d}",
                    ruleset=ruleset,
                    category=categories[i],
                    status="community_review",
                    channel="counter",
                    community=community,
                    household=household,
                    current_housing=rng.choice(["private_rent", "relatives", "own", ""]),
                    housing_area_m2=Decimal(rng.choice([0, 0, 0, 18, 30, 45])),
                    vehicles=rng.choice([0, 0, 0, 1, 2]),
                    deposits=Decimal(rng.randrange(0, 120_000, 500)),
                    owns_business=rng.random() < 0.05,
                    residence_years=rng.randrange(0, 10),
                    insurance_months=rng.randrange(0, 36),
                    created_at=now,
                )
                for i, household in enumerate(households)
            )
            members = []
            for application in applications:
                for k in range(rng.choice([1, 1, 2, 2, 3, 3, 3, 4])):
                    birth = date(1945, 1, 1) + timedelta(days=rng.randrange(0, 60 * 365))
                    members.append(
                        ApplicationMember(
                            application=application,
                            name="成员",
                            name_key="成员",
                            relation=RELATIONS[k],
                            id_number_enc="-",
                            id_number_hash=f"{application.pk}-{k}",
                            id_number_masked="-",
                            birth_date=birth,
                            sex="F",
                            monthly_income=Decimal(rng.randrange(0, 500_000)) / 100,
                            disability="2" if rng.random() < 0.03 else "",
                            grounds=["illness"] if rng.random() < 0.02 else [],
                        )
                    )
            ApplicationMember.objects.bulk_create(members, batch_size=5000)
            total_members += len(members)
    return total_members


def _baseline(connection, *, arrays: bool = False) -> float:
    """The same reads and the same number of result rows written, on a raw cursor:
    with executemany, or (`arrays`, PostgreSQL) in one INSERT … SELECT FROM unnest."""
    from django.db import transaction

    from anju.admission.models import Application, ApplicationMember, CriterionResult

    apps = Application._meta.db_table
    members = ApplicationMember._meta.db_table
    results = CriterionResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT application_id, code, outcome, actual, "limit", evaluated_at FROM {results}'  # noqa: S608
        )
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE IF EXISTS bench_result")
        key, stamp = (
            ("INTEGER PRIMARY KEY", "timestamp")
            if connection.vendor == "sqlite"
            else ("bigserial PRIMARY KEY", "timestamptz")
        )
        cursor.execute(
            f"CREATE TABLE bench_result (id {key}, application_id bigint NOT NULL,"
            " code varchar(32) NOT NULL, outcome varchar(8) NOT NULL,"
            f' actual varchar(40) NOT NULL, "limit" varchar(40) NOT NULL, evaluated_at {stamp}'
            " NOT NULL)"
        )
        cursor.execute(
            "CREATE UNIQUE INDEX bench_result_uniq ON bench_result (application_id, code)"
        )
        cursor.execute("CREATE INDEX bench_result_app ON bench_result (application_id)")

    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ruleset_id, category, current_housing, housing_area_m2, vehicles,"
            f" deposits, owns_business, residence_years, insurance_months FROM {apps}"  # noqa: S608
            " ORDER BY id"
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT application_id, COUNT(*), SUM(monthly_income),"
            " MIN(CASE WHEN relation = 'head' THEN birth_date END), MIN(birth_date),"
            " COUNT(CASE WHEN disability <> '' THEN 1 END)"
            f" FROM {members} GROUP BY application_id"  # noqa: S608
        )
        cursor.fetchall()
        insert = (
            'INSERT INTO bench_result (application_id, code, outcome, actual, "limit",'
            " evaluated_at)"
        )
        if arrays:
            cursor.execute(
                f"{insert} SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[],"
                " %s::varchar[], %s::varchar[], %s::timestamptz[])",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            cursor.executemany(f"{insert} VALUES (%s, %s, %s, %s, %s, %s)", rows)
    seconds = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_result")
    return seconds


if __name__ == "__main__":
    main()
