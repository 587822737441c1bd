"""How fast the recertification outcomes are computed for a whole campaign, against the
raw database.

Not a test. Usage (from the repository root):

    .venv/bin/python bench/recert.py                      # 100,000 on a scratch SQLite
    .venv/bin/python bench/recert.py 20000 --batch 2000
    .venv/bin/python bench/recert.py --database-url postgres://postgres@127.0.0.1:5432/anju_bench_recert

It makes a scratch database (a temporary SQLite file, or the named PostgreSQL database,
dropped and created again; it must not be one you care about), migrates it (not timed),
writes N housed households with their units, active leases, one declaration each with
1–4 declared members, and one campaign with a case per household, straight through
bulk_create (timed and printed, but not the subject), and then prints:

- `outcomes_compute` over the whole campaign: seconds and households per second, and
  how many came out at each outcome;
- the same again, when every case already has an outcome (it is computed again);
- the raw-database baseline: on a raw cursor, the same inputs read in full (the cases
  joined to their household and declaration, with the youngest member living in the
  unit as a correlated subquery, exactly the query the ORM sends), and an
  `executemany` UPDATE by primary key writing the same outcomes, multiples and reasons
  (computed beforehand), in one transaction;
- the ratio outcomes_compute ÷ baseline: what the outcome rules in Python, the rule
  lookups and the ORM cost on top of moving the same data;
- on PostgreSQL, a second baseline that writes the rows in one UPDATE … FROM unnest of
  arrays, as outcomes_compute itself does there, and the ratio against it;
- for comparison, Django's `bulk_update` writing the same rows (batches of 1,000): the
  write path outcomes_compute does not use, and why;
- `campaign_open` of a second campaign over the same estates: N cases, N SMS queued in
  the outbox and N timeline entries (`--no-open` skips it).
"""

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scratch  # noqa: E402  (bench/scratch.py)

CATEGORIES = ["low_income", "lower_middle", "new_employee", "migrant_worker", "special"]
ESTATES = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("households", nargs="?", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000, help="outcomes_compute's batch size")
    parser.add_argument("--database-url", help="a PostgreSQL URL for a scratch database")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--no-bulk-update", action="store_true", help="skip the bulk_update comparison"
    )
    parser.add_argument("--no-open", action="store_true", help="skip timing campaign_open")
    args = parser.parse_args()

    folder = scratch.open("recert", args.database_url)
    from django.db import connection

    print(f"{connection.vendor}, {args.households:,} households, batch {args.batch:,}")

    began = time.perf_counter()
    campaign, members = _populate(args.households, random.Random(args.seed))
    setup = time.perf_counter() - began
    print(f"setup (bulk_create)   {setup:>10.1f} s   {members:,} declared members")

    from anju.tenancy.models import RecertCase
    from anju.tenancy.services.recertification import outcomes_compute

    began = time.perf_counter()
    done = outcomes_compute(campaign, batch=args.batch)
    first = time.perf_counter() - began
    assert done == args.households, done

    began = time.perf_counter()
    outcomes_compute(campaign, batch=args.batch)
    again = time.perf_counter() - began

    outcomes = Counter(
        RecertCase.objects.filter(campaign=campaign).values_list("outcome", flat=True)
    )
    baseline = _baseline(connection, campaign)
    arrays = (
        _baseline(connection, campaign, arrays=True) if connection.vendor == "postgresql" else None
    )
    bulk = None if args.no_bulk_update else _bulk_update(campaign)

    print("outcomes              " + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())))
    print(f"outcomes_compute      {first:>10.2f} s   {done / first:>10,.0f} households/s")
    print(f"  again               {again:>10.2f} s   {done / again:>10,.0f} households/s")
    print(f"raw baseline          {baseline:>10.2f} s   {done / baseline:>10,.0f} households/s")
    print(f"ratio                 {first / baseline:>10.2f} ×  (again: {again / baseline:.2f} ×)")
    if arrays:
        print(
            f"raw, one statement    {arrays:>10.2f} s   {done / arrays:>10,.0f} households/s"
            f"   (unnest; ratio {first / arrays:.2f} ×)"
        )
    if bulk is not None:
        print(
            f"bulk_update (writes)  {bulk:>10.2f} s   {done / bulk:>10,.0f} households/s"
            "   (Django's bulk_update of the same rows, for comparison)"
        )

    if not args.no_open:
        from anju.tenancy.services.recertification import campaign_open

        began = time.perf_counter()
        second = campaign_open(
            actor=campaign.created_by,
            year=campaign.year + 1,
            name="bench",
            estates=list(campaign.estates.all()),
            on=campaign.opened_on,
        )
        opened = time.perf_counter() - began
        print(
            f"campaign_open         {opened:>10.2f} s   {second.cases.count():,} cases, each with"
            " an SMS in the outbox and a timeline entry"
        )

    scratch.close(args.database_url, folder, keep=args.keep)


def _populate(count: int, rng: random.Random):
    """Organisations, a published rule set, ESTATES estates, and `count` households, each
    in a unit of its own with an active lease, one declaration (1–4 members, incomes
    spread so that every outcome occurs) and a case in one campaign. Written with
    bulk_create; personal-data columns hold placeholders the computation never reads."""
    from django.db import transaction
    from django.utils import timezone

    from anju.admission.services.rules import ruleset_create, ruleset_publish
    from anju.core.models import Organisation, User
    from anju.households.models import Household, Lease
    from anju.housing.models import Building, Estate, Unit
    from anju.tenancy.models import Campaign, Declaration, DeclaredMember, RecertCase

    authority = Organisation.objects.create(code="AUTH", name="住房保障中心", kind="authority")
    street = Organisation.objects.create(code="S1", name="街道", kind="street", parent=authority)
    community = Organisation.objects.create(code="C1", name="社区", kind="community", parent=street)
    operator = Organisation.objects.create(
        code="O1", name="运营", kind="operator", parent=authority
    )
    company = Organisation.objects.create(code="P1", name="物业", kind="property", parent=authority)
    officer = User.objects.create(username="bench-officer", organisation=authority)
    ruleset = ruleset_create(
        actor=officer, year=2026, effective_from=date(2026, 1, 1), source="bench"
    )
    ruleset_publish(ruleset, actor=officer)
    estates = [
        Estate.objects.create(
            code=f"E{i:02d}",
            name=f"小区{i}",
            community=community,
            operator=operator,
            property_company=company,
        )
        for i in range(ESTATES)
    ]
    buildings = [
        Building.objects.create(estate=e, number="01", floors=99, units_per_floor=99)
        for e in estates
    ]
    campaign = Campaign.objects.create(
        year=2026,
        name="2026年度资格复核",
        ruleset=ruleset,
        opened_on=date(2026, 3, 1),
        declare_by=date(2026, 3, 31),
        created_by=officer,
    )
    campaign.estates.set(estates)

    now = timezone.now()
    total_members = 0
    chunk = 10_000
    with transaction.atomic():
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            at = [(start + i) % ESTATES for i in range(size)]
            units = Unit.objects.bulk_create(
                Unit(
                    code=f"U{start + i:09d}",
                    estate=estates[at[i]],
                    building=buildings[at[i]],
                    floor=(start + i) // ESTATES // 100 + 1,
                    position=(start + i) // ESTATES % 100 + 1,
                    area_m2=Decimal("45.00"),
                    rooms=2,
                    status="occupied",
                )
                for i in range(size)
            )
            households = Household.objects.bulk_create(
                Household(
                    number=f"B{start + i:09d}",
                    category=rng.choice(CATEGORIES),
                    status="tenant",
                    community=community,
                    estate=estates[at[i]],
                    unit=units[i],
                    created_at=now,
                )
                for i in range(size)
            )
            leases = Lease.objects.bulk_create(
                Lease(
                    number=f"L{start + i:09d}",
                    household=h,
                    unit=units[i],
                    start=date(2025, 1, 1),
                    end=date(2028, 1, 1),
                    monthly_rent=Decimal("455.00"),
                    status="active",
                )
                for i, h in enumerate(households)
            )
            sizes = [rng.choice([1, 1, 2, 2, 3, 3, 3, 4]) for _ in households]
            declarations = Declaration.objects.bulk_create(
                Declaration(
                    household=h,
                    channel="portal",
                    submitted_at=now,
                    submitted_by=officer,
                    member_count=sizes[i],
                    # Per head from well under the limit to well over five times it.
                    total_income=Decimal(rng.randrange(0, 2_000_000)) / 100 * sizes[i],
                    deposits=Decimal(rng.choice([0, 10_000, 80_000, 400_000, 900_000])),
                    housing_acquired="purchase" if rng.random() < 0.02 else "none",
                    other_subsidised=rng.random() < 0.01,
                    consent=True,
                )
                for i, h in enumerate(households)
            )
            members = []
            for declaration in declarations:
                for _k in range(declaration.member_count):
                    birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 70 * 365))
                    members.append(
                        DeclaredMember(
                            declaration=declaration,
                            name="成员",
                            birth_date=birth,
                            monthly_income=declaration.total_income / declaration.member_count,
                        )
                    )
            DeclaredMember.objects.bulk_create(members, batch_size=5000)
            total_members += len(members)
            RecertCase.objects.bulk_create(
                (
                    RecertCase(
                        campaign=campaign,
                        household=h,
                        lease=leases[i],
                        estate=estates[at[i]],
                        status="declared",
                        declaration=declarations[i],
                    )
                    for i, h in enumerate(households)
                ),
                batch_size=5000,
            )
    return campaign, total_members


def _baseline(connection, campaign, *, arrays: bool = False) -> float:
    """The same inputs read and the same outcomes written, on a raw cursor: with
    executemany, or (`arrays`, PostgreSQL) in one UPDATE … FROM unnest."""
    from django.db import transaction

    from anju.households.models import Household
    from anju.tenancy.models import Declaration, DeclaredMember, RecertCase

    cases = RecertCase._meta.db_table
    households = Household._meta.db_table
    declarations = Declaration._meta.db_table
    members = DeclaredMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, outcome, rent_multiple, reasons FROM {cases} WHERE campaign_id = %s",  # noqa: S608
            [campaign.pk],
        )
        rows = [
            (o, m, r if isinstance(r, str) else json.dumps(r, ensure_ascii=False), pk)
            for pk, o, m, r in cursor.fetchall()
        ]
    stamp = "2026-03-02 00:00:00"
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, h.category, d.member_count, d.total_income, d.deposits,"
            " d.housing_acquired, d.other_subsidised,"
            f" (SELECT m.birth_date FROM {members} m"  # noqa: S608
            " WHERE m.declaration_id = c.declaration_id AND m.present"
            " ORDER BY m.birth_date DESC NULLS FIRST LIMIT 1)"
            f" FROM {cases} c JOIN {households} h ON h.id = c.household_id"
            f" JOIN {declarations} d ON d.id = c.declaration_id"
            " WHERE c.campaign_id = %s AND c.status <> 'confirmed' ORDER BY c.id",
            [campaign.pk],
        )
        cursor.fetchall()
        if arrays:
            cursor.execute(
                f"UPDATE {cases} AS c SET outcome = v.outcome, rent_multiple = v.multiple,"  # noqa: S608
                " reasons = v.reasons, computed_at = %s"
                " FROM unnest(%s::bigint[], %s::varchar[], %s::numeric[], %s::jsonb[])"
                " AS v(id, outcome, multiple, reasons) WHERE c.id = v.id",
                [
                    stamp,
                    [r[3] for r in rows],
                    [r[0] for r in rows],
                    [r[1] for r in rows],
                    [r[2] for r in rows],
                ],
            )
        else:
            cursor.executemany(
                f"UPDATE {cases} SET outcome = %s, rent_multiple = %s, reasons = %s,"  # noqa: S608
                f" computed_at = '{stamp}' WHERE id = %s",
                rows,
            )
    return time.perf_counter() - began


def _bulk_update(campaign) -> float:
    """Django's bulk_update of the same rows (1,000 a statement), timed alone."""
    from django.db import transaction
    from django.utils import timezone

    from anju.tenancy.models import RecertCase

    cases = list(
        RecertCase.objects.filter(campaign=campaign).only(
            "pk", "outcome", "rent_multiple", "reasons", "computed_at"
        )
    )
    now = timezone.now()
    for case in cases:
        case.computed_at = now
    began = time.perf_counter()
    with transaction.atomic():
        RecertCase.objects.bulk_update(
            cases, ["outcome", "rent_multiple", "reasons", "computed_at"], batch_size=1000
        )
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
