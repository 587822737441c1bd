"""How fast door events go in through the API and the command line, next to a raw bulk
insert of the same rows into the same table.

Not a test. Usage (from the repository root):

    .venv/bin/python bench/ingest.py                       # 200,000 events, scratch SQLite
    .venv/bin/python bench/ingest.py 50000 --units 1000
    .venv/bin/python bench/ingest.py --database-url postgres://postgres@127.0.0.1:5432/anju_bench_ingest

It makes a scratch database (a temporary SQLite file, or the named PostgreSQL database,
dropped and created again; it must not be one you care about), migrates it (not timed)
and writes `--units` occupied units with their households, members and enrolled
credentials straight through `executemany`. It then makes N door events as a CSV body
(a mix of registered faces and cards, other people's cards, no person reference and
mechanical keys; one lock per unit, registered beforehand by a small batch as a live
gateway's would be), brings the table statistics up to date (ANALYZE, as autovacuum
does in a running database) and times, `--repeat` times each, best kept:

- API: the body posted to /api/v1/ingest/access-events with an ingest key, in batches
  of `--batch` rows (a gateway's request; the default 50,000 rows is about 5 MB), through
  Django's test client: the whole request stack (middleware, key check, django-ninja,
  the service, the JSON answer) without the network;
- CLI: `anju ingest access FILE` on the whole file, in one batch;
- baseline: the same rows, already resolved to their ids, day numbers and registered
  flags, written straight into the table by PostgreSQL's COPY or SQLite's executemany
  of a plain INSERT, in one transaction (no duplicate check: the service's ON CONFLICT
  and its temporary table are part of what it is measured on).

The event table is emptied between timings. Each line prints accepted events per
second, and the ratio to the baseline (the goal is ≥ 0.5).
"""

import argparse
import datetime
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scratch  # noqa: E402  (bench/scratch.py)

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
HEADER = "event_id,device_id,unit_code,occurred_at,credential,person_ref,result\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", nargs="?", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=50_000, help="rows per API request")
    parser.add_argument("--repeat", type=int, default=3, help="timings of each, best kept")
    parser.add_argument("--database-url", help="a PostgreSQL URL for a scratch database")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    folder = scratch.open("ingest", args.database_url)
    from django.db import connection

    print(f"{connection.vendor}, {args.events:,} door events for {args.units:,} units")
    rng = random.Random(args.seed)
    began = time.perf_counter()
    refs = _populate(args.units, rng)
    lines = _events(args.events, args.units, refs, rng)
    key = _gateway()
    _register_locks(args.units)
    _analyze()
    print(f"setup (executemany)   {time.perf_counter() - began:>8.1f} s")
    try:
        _compare(lines, key, args)
    finally:
        scratch.close(args.database_url, folder, keep=args.keep)


# --- The data ------------------------------------------------------------------------------


def _unit_code(i: int) -> str:
    return f"B{1 + i // 500:02d}-{1 + i % 500:05d}"


def _populate(count: int, rng: random.Random) -> list[list[tuple[str, str]]]:
    """Estates of 500 units, each unit housing a household of one to four members, each
    member enrolled with a face and most with a card. Returns each unit's (kind, ref)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from anju.core.models import Organisation
    from anju.households.models import Credential, Household, Member
    from anju.housing.models import Building, Estate, Unit

    authority = Organisation.objects.create(code="AUTH", name="住房保障中心", kind="authority")
    street = Organisation.objects.create(code="S1", name="街道", kind="street", parent=authority)
    community = Organisation.objects.create(code="C1", name="社区", kind="community", parent=street)
    operator = Organisation.objects.create(
        code="O1", name="运营公司", kind="operator", parent=authority
    )
    company = Organisation.objects.create(code="P1", name="物业", kind="property", parent=authority)
    estates = 1 + (count - 1) // 500
    rows: dict[str, list[dict]] = {k: [] for k in ("e", "b", "u", "h", "m", "c")}
    for e in range(1, estates + 1):
        rows["e"].append(
            {
                "id": e,
                "code": f"B{e:02d}",
                "name": f"项目{e}",
                "community_id": community.pk,
                "operator_id": operator.pk,
                "property_company_id": company.pk,
            }
        )
        rows["b"].append(
            {"id": e, "estate_id": e, "number": "01", "floors": 99, "units_per_floor": 999}
        )
    refs: list[list[tuple[str, str]]] = []
    member_id = cred_id = 0
    for i in range(count):
        estate = 1 + i // 500
        rows["u"].append(
            {
                "id": i + 1,
                "code": _unit_code(i),
                "estate_id": estate,
                "building_id": estate,
                "floor": 1 + i % 99,
                "position": 1 + i % 500,
                "area_m2": Decimal("45.50"),
                "status": "occupied",
            }
        )
        rows["h"].append(
            {
                "id": i + 1,
                "number": f"H{i:08d}",
                "category": "low_income",
                "status": "tenant",
                "unit_id": i + 1,
                "estate_id": estate,
                "community_id": community.pk,
            }
        )
        mine = []
        for m in range(rng.randint(1, 4)):
            member_id += 1
            rows["m"].append(
                {
                    "id": member_id,
                    "household_id": i + 1,
                    "name": "成员",
                    "name_pinyin": "chengyuan",
                    "name_initials": "cy",
                    "relation": "head" if m == 0 else "child",
                    "id_number_enc": "x",
                    "id_number_hash": f"{member_id:064d}",
                    "id_number_masked": "1404**********0000",
                    "birth_date": datetime.date(1980, 1, 1),
                    "sex": "M",
                }
            )
            for kind in ("face", "card") if rng.random() < 0.8 else ("face",):
                cred_id += 1
                ref = f"{kind[0].upper()}{member_id:07d}"
                rows["c"].append({"id": cred_id, "member_id": member_id, "kind": kind, "ref": ref})
                mine.append((kind, ref))
        refs.append(mine)
    models = [
        (Estate, "e"),
        (Building, "b"),
        (Unit, "u"),
        (Household, "h"),
        (Member, "m"),
        (Credential, "c"),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for model, key in models:
            scratch.insert(cursor, model, rows[key])
        for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _k in models]):
            cursor.execute(sql)
    return refs


def _events(count: int, units: int, refs, rng: random.Random) -> list[str]:
    """CSV lines: 65% a member's own credential, 20% a card nobody enrolled, 10% no
    person reference, 5% a mechanical key; 3% denied."""
    lines = []
    for n in range(count):
        i = rng.randrange(units)
        at = START + datetime.timedelta(seconds=rng.randrange(120 * 86400))
        roll = rng.random()
        if roll < 0.65:
            kind, ref = rng.choice(refs[i])
        elif roll < 0.85:
            kind, ref = "card", f"X{rng.randrange(10**7):07d}"
        elif roll < 0.95:
            kind, ref = "face", ""
        else:
            kind, ref = "key", ""
        result = "denied" if rng.random() < 0.03 else "granted"
        lines.append(
            f"EV{n:09d},LK-{_unit_code(i)},{_unit_code(i)},{at.isoformat()},{kind},{ref},{result}\n"
        )
    return lines


def _gateway() -> str:
    from anju.core.models import Organisation
    from anju.core.roles import Role
    from anju.core.services import apikey_issue, user_create
    from anju.housing.models import Estate

    admin = user_create(
        actor=None,
        username="bench-admin",
        full_name="Bench",
        organisation=Organisation.objects.get(code="AUTH"),
        roles=[Role.SECURITY_ADMIN],
        password="bench-password-2026!",
    )
    _row, key = apikey_issue(
        actor=admin,
        name="bench gateway",
        organisation=Organisation.objects.get(code="O1"),
        estates=list(Estate.objects.all()),
        scopes=["ingest"],
    )
    return key


def _register_locks(units: int) -> None:
    """One event per lock, as the gateway's first report would: the locks exist before
    the timings, as they do in a running district."""
    from anju.supervision.models import AccessEvent, IngestBatch
    from anju.supervision.services.ingest import ingest

    at = START.isoformat()
    body = HEADER + "".join(
        f"WARM{i},LK-{_unit_code(i)},{_unit_code(i)},{at},key,,granted\n" for i in range(units)
    )
    ingest(kind="access", data=body.encode(), principal=None, channel="cli")
    AccessEvent.objects.all().delete()
    IngestBatch.objects.all().delete()


def _analyze() -> None:
    """Table statistics, as a running database has them (autovacuum keeps them on
    PostgreSQL): without them PostgreSQL plans the credential lookup of a batch as a
    nested loop over a partial index, 0.5 s instead of 7 ms."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- The timings ---------------------------------------------------------------------------


def _empty() -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM supervision_accessevent")
        # The baseline's rows name a batch of their own, kept.
        cursor.execute("DELETE FROM supervision_ingestbatch_estates")
        cursor.execute("DELETE FROM supervision_ingestbatch WHERE source <> 'baseline'")


def _best(repeat: int, run, check) -> float:
    best = float("inf")
    for _ in range(repeat):
        _empty()
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
        check()
    return best


def _stored_all(count):
    def check():
        from anju.supervision.models import AccessEvent

        stored = AccessEvent.objects.count()
        assert stored == count, f"{stored:,} stored, expected {count:,}"

    return check


def _compare(lines: list[str], key: str, args) -> None:
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client's "testserver" host in
    count = len(lines)
    client = Client()
    bodies = [
        (HEADER + "".join(lines[i : i + args.batch])).encode() for i in range(0, count, args.batch)
    ]

    def api():
        for body in bodies:
            response = client.post(
                "/api/v1/ingest/access-events",
                body,
                content_type="text/csv",
                HTTP_X_API_KEY=key,
            )
            assert response.status_code == 200, response.content[:300]
            assert response.json()["rejected"] == 0, response.content[:300]

    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as handle:
        handle.write((HEADER + "".join(lines)).encode())
        path = handle.name

    def cli():
        call_command("ingest", "access", path, stdout=_Null())

    baseline_rows = _resolved(lines)
    timings = {
        "baseline": _best(args.repeat, lambda: _raw(baseline_rows), _stored_all(count)),
        "API": _best(args.repeat, api, _stored_all(count)),
        "CLI": _best(args.repeat, cli, _stored_all(count)),
    }
    Path(path).unlink()
    raw = timings["baseline"]
    print(f"{'':<22}{'seconds':>9}{'events/s':>12}{'ratio':>8}")
    for name, label in (
        ("baseline", "raw COPY" if _pg() else "raw executemany"),
        ("API", f"API ({len(bodies)} requests)"),
        ("CLI", "CLI (one file)"),
    ):
        took = timings[name]
        ratio = "" if name == "baseline" else f"{raw / took:>8.2f}"
        print(f"{label:<22}{took:>9.2f}{count / took:>12,.0f}{ratio}")
    print("ratio = events/s of the path ÷ events/s of the raw insert (goal ≥ 0.5)")


class _Null:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


def _pg() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _resolved(lines: list[str]) -> list[tuple]:
    """The rows exactly as the service stores them, resolved beforehand (not timed)."""
    from django.utils import timezone

    from anju.households.models import Credential, Household
    from anju.housing.models import Unit
    from anju.supervision.models import Device, IngestBatch

    batch = IngestBatch.objects.create(
        kind="access", channel="cli", format="csv", source="baseline"
    )
    units = dict(Unit.objects.values_list("code", "pk"))
    devices = dict(Device.objects.values_list("code", "pk"))
    living = dict(Household.objects.values_list("unit_id", "pk"))
    enrolled = {
        (k, r): (m, h)
        for k, r, m, h in Credential.objects.values_list(
            "kind", "ref", "member_id", "member__household_id"
        )
    }
    tz = timezone.get_default_timezone()
    out = []
    for line in lines:
        event, device, unit, at, cred, ref, result = line.rstrip("\n").split(",")
        when = datetime.datetime.fromisoformat(at)
        unit_id = units[unit]
        household = living.get(unit_id)
        found = enrolled.get((cred, ref)) if ref and cred != "key" else None
        registered = found is not None and found[1] == household
        stored_at = when if _pg() else str(when.astimezone(datetime.UTC).replace(tzinfo=None))
        out.append(
            (
                event,
                devices[device],
                unit_id,
                household,
                found[0] if registered else None,
                stored_at,
                when.astimezone(tz).toordinal(),
                cred,
                ref,
                registered,
                result == "granted",
                batch.pk,
            )
        )
    return out


def _raw(rows: list[tuple]) -> None:
    from django.db import connection, transaction

    from anju.supervision.services.ingest import ACCESS_COLUMNS

    cols = ", ".join(ACCESS_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if _pg():
            with cursor.cursor.copy(f"COPY supervision_accessevent ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(ACCESS_COLUMNS))
            sql = f"INSERT INTO supervision_accessevent ({cols}) VALUES ({marks})"  # noqa: S608
            for start in range(0, len(rows), 20_000):
                cursor.executemany(sql, rows[start : start + 20_000])


if __name__ == "__main__":
    main()
