"""How fast the monthly bill run bills 100,000 leases, next to the single hand-written
INSERT … SELECT that produces the same rows.

Not a test. Usage (from the repository root):

    .venv/bin/python bench/billrun.py                       # 100,000 leases, scratch SQLite
    .venv/bin/python bench/billrun.py 20000 --estates 40
    .venv/bin/python bench/billrun.py --database-url postgres://postgres@127.0.0.1:5432/anju_bench_billrun

It makes a scratch database (a temporary SQLite file, or the named PostgreSQL database,
dropped and created again; it must not be one you care about), migrates it (not timed)
and writes N leases with their units, households and rent history straight through
`executemany` (timed and printed, but not the subject). The leases are spread over
`--estates` estates; most cover the whole month, and some start or end inside it, have
their rent changed in the middle of it, or ended before it, so that the proration and
the filters do real work. Then, for the month 2025-03, `--repeat` times each:

- `bill_run(month)`: the service, as the schedule runs it — one INSERT … SELECT per
  estate, each in its own transaction, then the credit pass and the audit entry;
- the baseline: the same statement once for the whole district
  (`billing.bill_run_sql(estate_filter=False)`), on a raw cursor in one transaction;

deleting the bills between timings. It checks that both wrote identical rows, and that
every amount equals the reference proration in Python (`billing.prorate`), and prints
the best time of each and the ratio bill_run ÷ baseline (the goal is ≤ 1.5).
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

MONTH = date(2025, 3, 1)
MONTH_END = date(2025, 3, 31)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("leases", nargs="?", type=int, default=100_000)
    parser.add_argument("--estates", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="timings of each, best kept")
    parser.add_argument("--database-url", help="a PostgreSQL URL for a scratch database")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    folder = scratch.open("billrun", args.database_url)
    from django.db import connection

    print(
        f"{connection.vendor}, {args.leases:,} leases in {args.estates} estates,"
        f" month {MONTH:%Y-%m}"
    )

    began = time.perf_counter()
    expected = _populate(args.leases, args.estates, random.Random(args.seed))
    print(f"setup (executemany)   {time.perf_counter() - began:>8.1f} s")

    try:
        _compare(connection, expected, args.repeat)
    finally:
        scratch.close(args.database_url, folder, keep=args.keep)


# --- The data --------------------------------------------------------------------------------


def _populate(count: int, estate_count: int, rng: random.Random) -> dict[int, Decimal]:
    """Organisations, estates with one building each, and `count` units, households,
    leases and rent rows. Returns the rent each lease should be billed for the month,
    worked out by the reference proration (leases not billed are left out)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from anju.core.models import Organisation
    from anju.households.models import Household, Lease, LeaseRent
    from anju.housing.models import Building, Estate, Unit
    from anju.tenancy.services.billing import prorate

    authority = Organisation.objects.create(code="AUTH", name="住房保障中心", kind="authority")
    street = Organisation.objects.create(code="S1", name="街道", kind="street", parent=authority)
    community = Organisation.objects.create(code="C1", name="社区", kind="community", parent=street)
    operator = Organisation.objects.create(
        code="O1", name="运营公司", kind="operator", parent=authority
    )
    company = Organisation.objects.create(code="P1", name="物业", kind="property", parent=authority)

    estates, buildings, units, households, leases, rents = [], [], [], [], [], []
    expected: dict[int, Decimal] = {}
    per_estate = -(-count // estate_count)
    for e in range(1, estate_count + 1):
        common = {"community_id": community.pk, "operator_id": operator.pk}
        estates.append(
            {"id": e, "code": f"E{e:03d}", "name": f"项目{e}", "property_company_id": company.pk}
            | common
        )
        buildings.append(
            {"id": e, "estate_id": e, "number": "01", "floors": 99, "units_per_floor": 999}
        )
    rent_id = 0
    for i in range(1, count + 1):
        estate = 1 + (i - 1) // per_estate
        units.append(
            {
                "id": i,
                "code": f"E{estate:03d}-{i:07d}",
                "estate_id": estate,
                "building_id": estate,
                "floor": 1 + i % 99,
                "position": 1 + i % 999,
                "area_m2": Decimal("45.50"),
                "status": "occupied",
            }
        )
        households.append(
            {
                "id": i,
                "number": f"B{i:09d}",
                "category": "low_income",
                "status": "tenant",
                "unit_id": i,
                "estate_id": estate,
                "community_id": community.pk,
            }
        )
        rent = Decimal(rng.randrange(10_000, 150_000)) / 100
        start, end, ended_on, status = date(2024, 1, 1), date(2027, 1, 1), None, "active"
        kind = rng.random()
        if kind < 0.05:  # moved in during the month
            start = MONTH + timedelta(days=rng.randrange(1, 31))
        elif kind < 0.10:  # left during the month
            ended_on, status = MONTH + timedelta(days=rng.randrange(0, 30)), "terminated"
        elif kind < 0.13:  # left before it: not billed
            ended_on, status = date(2025, 1, 31), "terminated"
        leases.append(
            {
                "id": i,
                "number": f"L{i:09d}",
                "household_id": i,
                "unit_id": i,
                "start": start,
                "end": end,
                "ended_on": ended_on,
                "monthly_rent": rent,
                "billing_day": rng.randrange(1, 29),
                "status": status,
            }
        )
        pieces = []
        last = min(end, ended_on) if ended_on else end
        if 0.13 <= kind < 0.25:  # the rent changed in the middle of the month
            change = MONTH + timedelta(days=rng.randrange(1, 31))
            new_rent = (rent * Decimal("1.5")).quantize(Decimal("0.01"))
            rent_id += 1
            rents.append(_rent(rent_id, i, start, change - timedelta(days=1), rent))
            rent_id += 1
            rents.append(_rent(rent_id, i, change, None, new_rent))
            pieces = [
                (rent, (change - MONTH).days),
                (new_rent, (min(last, MONTH_END) - change).days + 1),
            ]
        else:
            rent_id += 1
            rents.append(_rent(rent_id, i, start, None, rent))
            lo, hi = max(start, MONTH), min(last, MONTH_END)
            if hi >= lo:
                pieces = [(rent, (hi - lo).days + 1)]
        if pieces:
            expected[i] = prorate(pieces, MONTH_END.day)

    with transaction.atomic(), connection.cursor() as cursor:
        for model, rows in (
            (Estate, estates),
            (Building, buildings),
            (Unit, units),
            (Household, households),
            (Lease, leases),
            (LeaseRent, rents),
        ):
            scratch.insert(cursor, model, rows)
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Estate, Building, Unit, Household, Lease, LeaseRent]
        ):
            cursor.execute(sql)
    # The planner's statistics, as a database in use has them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return expected


def _rent(pk, lease, start, until, amount) -> dict:
    return {
        "id": pk,
        "lease_id": lease,
        "effective_from": start,
        "effective_until": until,
        "monthly_rent": amount,
        "reason": "start",
    }


# --- The timings ----------------------------------------------------------------------------

COLUMNS = (
    "lease_id, household_id, estate_id, kind, period, period_start, period_end, due_on,"
    " amount, settled, status"
)


def _rows(connection) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM tenancy_bill ORDER BY lease_id")  # noqa: S608
        return [tuple(str(v) for v in row) for row in cursor.fetchall()]


def _clear(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tenancy_bill")
        cursor.execute("DELETE FROM tenancy_billrun")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tenancy_bill")


def _time_service() -> float:
    from anju.tenancy.services.billing import bill_run

    began = time.perf_counter()
    bill_run(MONTH, actor=None)
    return time.perf_counter() - began


def _time_baseline(connection) -> float:
    from django.db import transaction
    from django.utils import timezone

    from anju.tenancy.services.billing import bill_run_sql, month_bounds

    m0, m1 = month_bounds(MONTH)
    params = {"m0": m0, "m1": m1, "md": m1.day, "run": None, "actor": None, "now": timezone.now()}
    sql = bill_run_sql(estate_filter=False)
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return time.perf_counter() - began


def _compare(connection, expected: dict[int, Decimal], repeat: int) -> None:
    service, baseline = [], []
    service_rows = baseline_rows = None
    for _ in range(repeat):
        _clear(connection)
        service.append(_time_service())
        service_rows = _rows(connection)
        _clear(connection)
        baseline.append(_time_baseline(connection))
        baseline_rows = _rows(connection)
    _clear(connection)

    assert service_rows == baseline_rows, "bill_run and the baseline wrote different rows"
    got = {int(row[0]): Decimal(row[8]).quantize(Decimal("0.01")) for row in service_rows}
    wrong = {k for k in expected if got.get(k) != expected[k]} | (set(got) - set(expected))
    assert not wrong, f"{len(wrong)} amounts differ from the reference, e.g. lease {min(wrong)}"
    total = sum(got.values())
    best_service, best_baseline = min(service), min(baseline)
    print(
        f"bills written         {len(service_rows):>8,}   ¥{total:,}  (identical, and as prorate)"
    )
    print(
        f"bill_run              {best_service:>8.2f} s   {len(service_rows) / best_service:>10,.0f}"
        f" bills/s   (runs: {', '.join(f'{t:.2f}' for t in service)})"
    )
    rate = len(service_rows) / best_baseline
    print(
        f"INSERT … SELECT       {best_baseline:>8.2f} s   {rate:>10,.0f}"
        f" bills/s   (runs: {', '.join(f'{t:.2f}' for t in baseline)})"
    )
    print(f"ratio                 {best_service / best_baseline:>8.2f} ×   (goal ≤ 1.5)")


if __name__ == "__main__":
    main()
