"""How fast a month of market rent is billed to households overstaying after their exit,
and how fast the exits dashboard adds up its numbers, each against the raw database.

Not a test. Usage (from the repository root, or as `anju bench exits …`):

    .venv/bin/python bench/exits.py                       # 2,000 overstays, scratch SQLite
    .venv/bin/python bench/exits.py --cases 20000 --others 20000
    .venv/bin/python bench/exits.py --database-url postgres://postgres@127.0.0.1:5432/anju_bench_exits

It makes a scratch database (a temporary SQLite file, or the named PostgreSQL database,
dropped and created again; it must not be one you care about), migrates it (not timed)
and writes, straight through `executemany` (timed and printed, but not the subject):

- `--cases` households overstaying on the market-rent track, each in a unit of its own
  with its lease and an exit case in stage OVERSTAY whose notice set a deadline between
  30 June and 20 July 2026 (so July is billed from a different day for each);
- `--others` more households with exit cases in the other stages (open and decided,
  some past their deadline; in court; handed over or closed in 2026 with a decision
  1–180 days before), so the dashboard's queries have the rows a district has.

Then, `--repeat` times each, the best time kept:

- **billing**: `exits.services.billing.exit_bills_raise(2026-07-21)`, which bills July's
  market rent for every overstay (one bill each, with its audit entry, its timeline
  entry and the credit pass), against the baseline: one INSERT … SELECT writing the same
  bill rows into tenancy_bill (same amounts, prorated by day with the bill run's integer
  arithmetic), with no audit or timeline. The bills, audit and timeline entries are
  deleted between timings. Both must write identical rows.
- **dashboard**: `exits.selectors.dashboard.dashboard(user)` for the authority officer
  (the whole district) and an operator clerk (half the estates), against raw SQL doing
  the same counting: the cases per stage with the overdue ones, the oldest overdue per
  stage (a window), the overstays with the sum of their market-rent bills, and the days
  from decision to handover per estate, per reason and overall (COUNT, SUM, GROUP BY).

It prints each time and the ratio service ÷ baseline, as the other benchmarks do.
"""

import argparse
import random
import sys
import time
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scratch  # noqa: E402  (bench/scratch.py)

TODAY = date(2026, 7, 21)
M0, M1 = date(2026, 7, 1), date(2026, 7, 31)
ESTATES = 20
CENT = Decimal("0.01")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="households overstaying")
    parser.add_argument(
        "--others", type=int, default=None, help="cases in other stages (default: --cases)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timings of each, best kept")
    parser.add_argument("--database-url", help="a PostgreSQL URL for a scratch database")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    others = args.cases if args.others is None else args.others

    folder = scratch.open("exits", args.database_url)
    from django.db import connection

    print(
        f"{connection.vendor}, {args.cases:,} overstays + {others:,} other exit cases"
        f" in {ESTATES} estates, billing {M0:%Y-%m} on {TODAY}"
    )
    began = time.perf_counter()
    expected = _populate(args.cases, others, random.Random(args.seed))
    print(f"setup (executemany)   {time.perf_counter() - began:>8.1f} s")
    try:
        _compare_billing(connection, expected, args.repeat)
        _compare_dashboard(connection, args.repeat)
    finally:
        scratch.close(args.database_url, folder, keep=args.keep)


# --- The data --------------------------------------------------------------------------------


def _populate(overstays: int, others: int, rng: random.Random) -> dict[int, Decimal]:
    """Organisations, ESTATES estates (two operators, half each) with a building each,
    and a unit, household, lease and exit case per case. Returns July's market rent of
    each overstaying lease, by the reference proration."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from anju.core.models import Organisation, User, UserRole
    from anju.exits.models import ExitCase
    from anju.households.models import Household, Lease
    from anju.housing.models import Building, Estate, Unit
    from anju.tenancy.services.billing import prorate

    authority = Organisation.objects.create(code="AUTH", name="住房保障中心", kind="authority")
    street = Organisation.objects.create(code="S1", name="街道", kind="street", parent=authority)
    community = Organisation.objects.create(code="C1", name="社区", kind="community", parent=street)
    operators = [
        Organisation.objects.create(
            code=f"O{i}", name=f"运营{i}", kind="operator", parent=authority
        )
        for i in (1, 2)
    ]
    company = Organisation.objects.create(code="P1", name="物业", kind="property", parent=authority)
    for username, org, role in (
        ("officer", authority, "authority_officer"),
        ("operator", operators[0], "operator_clerk"),
    ):
        user = User.objects.create(username=username, organisation=org)
        UserRole.objects.create(user=user, role=role)

    estates, buildings = [], []
    for e in range(1, ESTATES + 1):
        estates.append(
            {
                "id": e,
                "code": f"E{e:03d}",
                "name": f"项目{e}",
                "community_id": community.pk,
                "operator_id": operators[e % 2].pk,
                "property_company_id": company.pk,
            }
        )
        buildings.append(
            {"id": e, "estate_id": e, "number": "01", "floors": 99, "units_per_floor": 999}
        )

    units, households, leases, cases = [], [], [], []
    expected: dict[int, Decimal] = {}
    total = overstays + others
    # The other cases, by stage: (stage, share).
    mix = [
        ("open", 0.15),
        ("decided", 0.10),
        ("moving", 0.15),
        ("litigation", 0.10),
        ("handed_over", 0.10),
        ("closed", 0.40),
    ]
    reasons = [
        "lease_expired",
        "renewal_refused",
        "recertification",
        "recovery",
        "arrears",
        "voluntary",
        "other_housing",
    ]
    for i in range(1, total + 1):
        estate = 1 + (i - 1) % ESTATES
        rent = Decimal(rng.randrange(20_000, 120_000)) / 100
        units.append(
            {
                "id": i,
                "code": f"E{estate:03d}-{i:07d}",
                "estate_id": estate,
                "building_id": estate,
                "floor": 1 + i % 99,
                "position": 1 + i % 999,
                "area_m2": Decimal("45.50"),
                "status": "vacating",
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
        case = {
            "id": i,
            "number": f"TC2026{i:06d}",
            "household_id": i,
            "lease_id": i,
            "unit_id": i,
            "estate_id": estate,
            "channel": "listing",
            "evidence": [],
            "opened_on": date(2026, 3, 1),
        }
        ended_on = None
        if i <= overstays:
            vacate_by = date(2026, 6, 30) + timedelta(days=rng.randrange(0, 21))
            market = (rent * 2).quantize(CENT)
            ended_on = vacate_by
            case |= {
                "reason": "recertification",
                "stage": "overstay",
                "track": "market_rent",
                "decided_on": date(2026, 3, 10),
                "decision": "不再符合条件",
                "notice_number": f"TT2026{i:06d}",
                "notice_issued_on": vacate_by - timedelta(days=61),
                "vacate_by": vacate_by,
                "moving_rent": rent,
                "market_rent": market,
                "overstay_from": vacate_by + timedelta(days=1),
                "due_on": None,
            }
            first = max(vacate_by + timedelta(days=1), M0)
            expected[i] = prorate([(market, (M1 - first).days + 1)], M1.day)
        else:
            stage = rng.choices([s for s, _ in mix], [w for _, w in mix])[0]
            reason = rng.choice(reasons)
            decided = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 150))
            case |= {"reason": reason, "stage": stage, "track": "", "due_on": None}
            if stage == "open":
                opened = TODAY - timedelta(days=rng.randrange(1, 40))
                case |= {"opened_on": opened, "due_on": opened + timedelta(days=10)}
            else:
                case |= {"decided_on": decided, "decision": "决定", "track": "litigation"}
            if stage == "decided":
                case["due_on"] = decided + timedelta(days=rng.randrange(3, 200))
            elif stage in ("moving", "litigation"):
                case["vacate_by"] = TODAY + timedelta(days=rng.randrange(-10, 60))
                case["due_on"] = case["vacate_by"] + timedelta(days=30 * (stage == "litigation"))
                ended_on = case["vacate_by"]
            elif stage in ("handed_over", "closed"):
                handed = min(decided + timedelta(days=rng.randrange(1, 181)), TODAY)
                case |= {"handed_over_on": handed}
                if stage == "handed_over":
                    case["due_on"] = handed + timedelta(days=15)
                else:
                    case["closed_on"] = handed
        cases.append(case)
        leases.append(
            {
                "id": i,
                "number": f"L{i:09d}",
                "household_id": i,
                "unit_id": i,
                "start": date(2024, 1, 1),
                "end": date(2027, 1, 1),
                "ended_on": ended_on,
                "monthly_rent": rent,
                "billing_day": rng.randrange(1, 29),
                "status": "active",
            }
        )

    with transaction.atomic(), connection.cursor() as cursor:
        for model, rows in (
            (Estate, estates),
            (Building, buildings),
            (Unit, units),
            (Household, households),
            (Lease, leases),
            (ExitCase, cases),
        ):
            scratch.insert(cursor, model, rows)
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Estate, Building, Unit, Household, Lease, ExitCase]
        ):
            cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return expected


# --- Billing ------------------------------------------------------------------------------------

COLUMNS = (
    "lease_id, household_id, estate_id, kind, period, period_start, period_end, due_on,"
    " amount, settled, status, description, source_key"
)


def _baseline_sql(vendor: str) -> str:
    """July's market rent of every overstay, as the service bills it, in one statement."""
    if vendor == "postgresql":
        lo = "GREATEST(c.vacate_by + 1, %(m0)s::date)"
        days = f"(%(m1)s::date - {lo} + 1)"
        due = f"LEAST(GREATEST({lo}, %(m0)s::date + (l.billing_day - 1)), %(m1)s::date)"
        cents = "(c.market_rent * 100)::bigint"
        text = "to_char({0}, 'YYYY-MM-DD')"
        m0, m1, concat = "%(m0)s::date", "%(m1)s::date", "||"
    else:
        lo = "MAX(date(c.vacate_by, '+1 day'), %(m0)s)"
        days = f"(CAST(julianday(%(m1)s) - julianday({lo}) AS INTEGER) + 1)"
        due = f"MIN(MAX({lo}, date(%(m0)s, '+' || (l.billing_day - 1) || ' days')), %(m1)s)"
        cents = "CAST(ROUND(c.market_rent * 100) AS INTEGER)"
        text = "{0}"
        m0, m1, concat = "%(m0)s", "%(m1)s", "||"
    description = (
        f"c.number {concat} ' ' {concat} {text.format(lo)} {concat} '–' {concat} {text.format(m1)}"
    )
    return f"""
        INSERT INTO tenancy_bill (
            household_id, lease_id, estate_id, kind, period, period_start, period_end,
            due_on, amount, settled, status, description, source_key, run_id,
            created_by_id, created_at, cancelled_reason
        )
        SELECT c.household_id, c.lease_id, c.estate_id, 'overstay', {m0}, {lo}, {m1}, {due},
               ((CAST({cents} * {days} AS BIGINT) * 2 + %(md)s) / (2 * %(md)s)) / 100.0,
               0, 'open', {description},
               'exit:' {concat} c.number {concat} ':overstay:' {concat} %(month)s,
               NULL, NULL, %(now)s, ''
        FROM exits_exitcase c
        JOIN households_lease l ON l.id = c.lease_id
        WHERE c.stage = 'overstay' AND c.track = 'market_rent' AND c.vacate_by IS NOT NULL
          AND c.market_rent IS NOT NULL
        ON CONFLICT DO NOTHING
    """


def _rows(connection) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM tenancy_bill ORDER BY lease_id")  # noqa: S608
        rows = cursor.fetchall()
    return [
        (*(str(v) for v in row[:8]), Decimal(str(row[8])).quantize(CENT), *map(str, row[9:]))
        for row in rows
    ]


def _clear(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tenancy_bill")
        cursor.execute("DELETE FROM core_auditentry WHERE action = 'bill.raise'")
        cursor.execute("DELETE FROM core_timelineentry WHERE verb = 'bill.raised'")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tenancy_bill")


def _time_service() -> tuple[float, int]:
    from anju.exits.services.billing import exit_bills_raise

    began = time.perf_counter()
    created = exit_bills_raise(TODAY)
    return time.perf_counter() - began, created


def _time_baseline(connection) -> float:
    from django.db import transaction
    from django.utils import timezone

    sql = _baseline_sql(connection.vendor)
    params = {"m0": M0, "m1": M1, "md": M1.day, "month": f"{M0:%Y-%m}", "now": timezone.now()}
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return time.perf_counter() - began


def _compare_billing(connection, expected: dict[int, Decimal], repeat: int) -> None:
    service, baseline = [], []
    service_rows = baseline_rows = None
    created = 0
    for _ in range(repeat):
        _clear(connection)
        seconds, created = _time_service()
        service.append(seconds)
        service_rows = _rows(connection)
        _clear(connection)
        baseline.append(_time_baseline(connection))
        baseline_rows = _rows(connection)
    assert created == len(expected), (created, len(expected))
    assert service_rows == baseline_rows, _first_difference(service_rows, baseline_rows)
    got = {int(row[0]): row[8] for row in service_rows}
    wrong = {k for k in expected if got.get(k) != expected[k]} | (set(got) - set(expected))
    assert not wrong, f"{len(wrong)} amounts differ from the reference, e.g. lease {min(wrong)}"
    # Leave the service's bills in place: the dashboard sums them.
    _clear(connection)
    _time_service()

    amount = sum(got.values(), Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    best_service, best_baseline = min(service), min(baseline)
    n = len(service_rows)
    print(f"bills written         {n:>8,}   ¥{amount:,}  (identical rows, and as prorate)")
    print(
        f"exit_bills_raise      {best_service:>8.3f} s   {n / best_service:>10,.0f} bills/s"
        f"   (runs: {', '.join(f'{t:.3f}' for t in service)})"
    )
    print(
        f"INSERT … SELECT       {best_baseline:>8.3f} s   {n / best_baseline:>10,.0f} bills/s"
        f"   (runs: {', '.join(f'{t:.3f}' for t in baseline)})"
    )
    print(f"ratio                 {best_service / best_baseline:>8.2f} ×")


def _first_difference(a, b) -> str:
    for x, y in zip(a or [], b or [], strict=False):
        if x != y:
            return f"service {x} ≠ baseline {y}"
    return f"{len(a or [])} rows ≠ {len(b or [])} rows"


# --- The dashboard -----------------------------------------------------------------------------


def _dashboard_raw(cursor, vendor: str, estates: list[int] | None) -> None:
    """The same numbers as the dashboard's selectors, in hand-written SQL."""
    where = "1 = 1" if estates is None else f"c.estate_id IN ({', '.join(map(str, estates))})"
    days = (
        "(c.handed_over_on - c.decided_on)"
        if vendor == "postgresql"
        else "(julianday(c.handed_over_on) - julianday(c.decided_on))"
    )
    today = f"'{TODAY}'"
    prefix = "('exit:' || c.number || ':%')"
    statements = [
        f"SELECT stage, COUNT(*), SUM(CASE WHEN due_on < {today} THEN 1 ELSE 0 END)"
        f" FROM exits_exitcase c WHERE {where} GROUP BY stage",
        "SELECT * FROM (SELECT c.id, c.number, c.stage, c.due_on, h.number, m.name, u.code,"
        " e.name, ROW_NUMBER() OVER (PARTITION BY c.stage ORDER BY c.due_on, c.id) AS place"
        " FROM exits_exitcase c JOIN households_household h ON h.id = c.household_id"
        " LEFT JOIN households_member m ON m.id = h.head_id"
        " JOIN housing_unit u ON u.id = c.unit_id JOIN housing_estate e ON e.id = c.estate_id"
        f" WHERE {where} AND c.stage NOT IN ('closed', 'withdrawn') AND c.due_on < {today}) t"
        " WHERE place <= 20 ORDER BY due_on, id",
        "SELECT COUNT(DISTINCT c.id), SUM(b.amount), SUM(b.settled) FROM exits_exitcase c"
        " LEFT JOIN tenancy_bill b ON b.lease_id = c.lease_id AND b.kind = 'overstay'"
        f" AND b.status <> 'cancelled' AND b.source_key LIKE {prefix}"
        f" WHERE {where} AND c.stage = 'overstay'",
        "SELECT c.id, c.number, h.number, u.code, e.name, c.overstay_from, c.market_rent,"
        " SUM(b.amount), SUM(b.settled) FROM exits_exitcase c"
        " JOIN households_household h ON h.id = c.household_id"
        " JOIN housing_unit u ON u.id = c.unit_id JOIN housing_estate e ON e.id = c.estate_id"
        " LEFT JOIN tenancy_bill b ON b.lease_id = c.lease_id AND b.kind = 'overstay'"
        f" AND b.status <> 'cancelled' AND b.source_key LIKE {prefix}"
        f" WHERE {where} AND c.stage = 'overstay'"
        " GROUP BY c.id, c.number, h.number, u.code, e.name, c.overstay_from, c.market_rent"
        " ORDER BY c.overstay_from, c.id LIMIT 50",
    ]
    spans = (
        f" FROM exits_exitcase c JOIN housing_estate e ON e.id = c.estate_id WHERE {where}"
        " AND c.handed_over_on >= '2026-01-01' AND c.handed_over_on <= '2026-12-31'"
        " AND c.decided_on IS NOT NULL"
    )
    statements += [
        f"SELECT c.estate_id, e.code, e.name, COUNT(*), SUM({days}), MAX({days}){spans}"
        " GROUP BY c.estate_id, e.code, e.name ORDER BY e.code",
        f"SELECT c.reason, COUNT(*), SUM({days}), MAX({days}){spans} GROUP BY c.reason",
        f"SELECT COUNT(*), SUM({days}), MAX({days}){spans}",
    ]
    for sql in statements:
        cursor.execute(sql)
        cursor.fetchall()


def _best(fn, repeat: int) -> float:
    fn()  # warm caches
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def _compare_dashboard(connection, repeat: int) -> None:
    from anju.core.models import User
    from anju.exits.models import ExitCase
    from anju.exits.selectors import dashboard as sel
    from anju.housing.models import Estate

    for username in ("officer", "operator"):
        user = User.objects.get(username=username)
        estates = (
            None
            if username == "officer"
            else list(Estate.objects.visible_to(user).values_list("pk", flat=True))
        )

        def service(user=user):
            board = sel.dashboard(user, today=TODAY, year=2026)
            # Read every figure, as the page does.
            assert board.stages and board.spans.overall.cases >= 0
            return board

        def raw(estates=estates):
            with connection.cursor() as cursor:
                _dashboard_raw(cursor, connection.vendor, estates)

        board = service()
        seen = ExitCase.objects.visible_to(user).count()
        best_service, best_raw = _best(service, repeat), _best(raw, repeat)
        print(
            f"dashboard, {username:<9}  {best_service * 1000:>8.1f} ms   raw SQL"
            f" {best_raw * 1000:>7.1f} ms   ratio {best_service / best_raw:>5.2f} ×"
            f"   ({seen:,} cases, {board.overdue_total:,} overdue, {board.overstays.count:,}"
            f" overstaying, ¥{board.overstays.billed:,} billed,"
            f" {board.spans.overall.cases:,} handed over, avg {board.spans.overall.average} d)"
        )


if __name__ == "__main__":
    main()
