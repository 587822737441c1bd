"""Ingest of door and meter data (DESIGN.md, "Data that arrives from outside").

One call stores one batch: a gateway's request body, a file given to `anju ingest`, or
what the demo generator writes. Each row is checked on its own; a bad row is rejected
with its line, a stable code and a reason, and the good rows of the same batch are
stored. Records are idempotent on their source id: a row whose id is already stored,
or repeated within the batch, is counted as a duplicate and stores nothing.

The whole batch is one transaction, so a batch is either stored whole or not at all,
and the API answers only after the commit. The rows go in through the bulk path of the
database: on PostgreSQL a COPY of the rows whose ids are not stored yet (falling back,
should another batch store one in between, to COPY into a temporary table and INSERT …
SELECT … ON CONFLICT DO NOTHING), on SQLite one executemany of INSERT … ON CONFLICT DO
NOTHING; the number of rows inserted is the number accepted. Every lookup a batch needs
(units, devices, credentials, households) is a handful of bulk queries, never one per
row.

A device (lock, gate or meter) seen for the first time is registered to the unit and
estate of the row that names it, unconfirmed, for a staff member to confirm."""

from __future__ import annotations

import datetime
import gc
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import audit
from anju.core.api_auth import ApiKeyPrincipal
from anju.households.models import Credential, Household, Member
from anju.housing.models import Estate, Unit

from ..models import (
    AccessEvent,
    CredentialType,
    Device,
    DeviceKind,
    IngestBatch,
    IngestChannel,
    IngestKind,
    MeterKind,
    MeterReading,
)
from .ingest_read import (
    ACCESS_FIELDS,
    FORMATS,
    METER_FIELDS,
    NOT_AN_OBJECT,
    IngestBodyError,
    decode,
    detect,
    read_rows,
)

ID_MAX = 64  # the columns of these fields
ID_FIELDS = frozenset({"event_id", "reading_id", "device_id", "meter_id", "person_ref"})
ERRORS_KEPT = 1000  # the batch keeps the first rejected rows; the count is exact
# A gateway's clock may run a little fast; a time further ahead than this is an error.
FUTURE_SLACK = datetime.timedelta(days=1)
# A device whose clock battery died reports 1970 or 2000-01-01; no real record is older.
EARLIEST = datetime.datetime(2000, 1, 2, tzinfo=datetime.UTC)
EARLIEST_TS = EARLIEST.timestamp()
parse_time = datetime.datetime.fromisoformat
VALUE_MAX = Decimal("99999999999.999")  # the register column: 14 digits, 3 decimals
MILLI = Decimal("0.001")
CHUNK = 500  # ids per IN (…) lookup

CREDENTIALS = frozenset(CredentialType.values)
METER_KINDS = frozenset(MeterKind.values)
RESULTS = {"granted": True, "denied": False}

# The stable error codes and their reasons. A reason is stored in the language of the
# request and shown again in the reader's language from its code and arguments.
REASONS = {
    "bad_json": _("the line is not a JSON object"),
    "missing_field": _("missing field: %(field)s"),
    "id_too_long": _("%(field)s is longer than %(max)s characters"),
    "unknown_unit": _("no unit %(value)s among your estates"),
    "bad_timestamp": _(
        "%(field)s is not an ISO 8601 time with an offset (e.g. 2026-03-01T08:15:00+08:00): "
        "%(value)s"
    ),
    "future_timestamp": _("%(field)s is in the future: %(value)s"),
    "old_timestamp": _("%(field)s is before the year 2000 (a device clock not set?): %(value)s"),
    "bad_credential": _(
        "unknown credential type %(value)s (face, card, fingerprint, password or key)"
    ),
    "bad_result": _("unknown result %(value)s (granted or denied)"),
    "bad_meter_kind": _("unknown meter kind %(value)s (electricity, water or gas)"),
    "bad_value": _("the register %(value)s is not a number of zero or more"),
    "device_other_estate": _("device %(value)s is registered to another estate (%(estate)s)"),
    "device_other_kind": _("device %(value)s is registered as %(kind)s"),
}


# What a device is registered as, for the device_other_kind reason.
REGISTERED_AS = {
    "lock": _("a door lock"),
    "gate": _("a gate"),
    "electricity": _("an electricity meter"),
    "water": _("a water meter"),
    "gas": _("a gas meter"),
}


def _render(code: str, args: dict) -> str:
    if "kind" in args:
        args = {**args, "kind": REGISTERED_AS.get(args["kind"], args["kind"])}
    return str(REASONS[code]) % args


def reason_of(error: dict) -> str:
    """The reason of a stored error in the active language."""
    if error.get("code") not in REASONS:
        return error.get("reason", "")
    try:
        return _render(error["code"], error.get("args", {}))
    except (KeyError, TypeError, ValueError):
        return error.get("reason", "")


class _Rejects:
    def __init__(self):
        self.count = 0
        self.kept: list[dict] = []

    def add(self, line: int, code: str, rid: str | None, **args) -> None:
        self.count += 1
        if len(self.kept) < ERRORS_KEPT:
            args = {k: (str(v)[:100] if isinstance(v, str) else v) for k, v in args.items()}
            self.kept.append(
                {
                    "line": line,
                    "code": code,
                    "reason": _render(code, args),
                    "id": (rid or "")[:ID_MAX],
                    "args": args,
                }
            )


def ingest(
    *,
    kind: str,
    data: bytes,
    principal,
    channel: str,
    source: str = "",
    fmt: str | None = None,
    estate_codes: Iterable[str] | None = None,
) -> IngestBatch:
    """kind: "access" | "meters"; data: the CSV (header row, UTF-8 with/without BOM or
    GB18030) or NDJSON body; fmt None = detect. principal: an ApiKeyPrincipal (its
    estates only), a staff User (Unit.objects.visible_to), or None (command line and the
    demo generator: every estate). channel: IngestChannel value. `estate_codes` narrows
    the estates further (the command line's --estate). Returns the saved batch with
    rows/accepted/duplicates/rejected and errors [{line, code, reason, id}].

    Raises IngestBodyError (nothing stored) when the body cannot be read at all."""
    if kind not in IngestKind.values:
        raise ValueError(f"unknown ingest kind {kind!r}")
    if channel not in IngestChannel.values:
        raise ValueError(f"unknown ingest channel {channel!r}")
    if not data or not data.strip():
        raise IngestBodyError(_("The body is empty."), code="empty_body")
    text = decode(data)
    if fmt is None:
        fmt = detect(text)
    elif fmt not in FORMATS:
        raise IngestBodyError(_("Unknown format: use csv or ndjson."), code="bad_format")
    with _no_gc():
        raw = read_rows(kind, text, fmt)
        # A CSV without a blank or a tab anywhere has nothing to strip (the usual
        # gateway file), which spares a list per row.
        plain = fmt == "csv" and " " not in text and "\t" not in text
        del text
        total = len(raw)
        # The reads and the checks come before the transaction, which holds SQLite's
        # write lock (and PostgreSQL's row locks) only for the writes.
        codes = {v[2] for _line, v in raw if v is not NOT_AN_OBJECT}
        units = _units_in_scope(principal, estate_codes, codes)
        rejects = _Rejects()
        checker = _Checker(units, rejects, strip=not plain)
        rows = checker.access(raw) if kind == IngestKind.ACCESS else checker.meters(raw)
        del raw
    people = _people(rows) if kind == IngestKind.ACCESS else None

    api_key = principal.key if isinstance(principal, ApiKeyPrincipal) else None
    actor = None if principal is None or api_key is not None else principal
    with transaction.atomic():
        batch = IngestBatch.objects.create(
            kind=kind,
            channel=channel,
            format=fmt,
            api_key=api_key,
            actor=actor,
            source=source[:200],
        )
        devices, devices_new = _devices_for(kind, checker.first_of_device)
        if kind == IngestKind.ACCESS:
            with _no_gc():
                records, repeats, estate_ids = _access_records(
                    rows, devices, people, rejects, batch.pk
                )
            accepted = bulk_insert(AccessEvent._meta.db_table, ACCESS_COLUMNS, "event_id", records)
        else:
            with _no_gc():
                records, repeats, estate_ids = _meter_records(rows, devices, rejects, batch.pk)
            accepted = bulk_insert(
                MeterReading._meta.db_table, METER_COLUMNS, "reading_id", records
            )
        batch.rows = total
        batch.accepted = accepted
        batch.duplicates = len(records) - accepted + repeats
        batch.rejected = rejects.count
        rejects.kept.sort(key=lambda e: e["line"])
        batch.errors = rejects.kept
        batch.save(update_fields=["rows", "accepted", "duplicates", "rejected", "errors"])
        if api_key is not None:
            estate_ids |= set(principal.estate_ids)
        if estate_ids:
            batch.estates.add(*estate_ids)
        audit.record(
            actor=actor,
            action="ingest.batch",
            target=batch,
            changes={
                "kind": kind,
                "channel": channel,
                "source": batch.source,
                "rows": batch.rows,
                "accepted": batch.accepted,
                "duplicates": batch.duplicates,
                "rejected": batch.rejected,
                "devices_registered": devices_new,
            },
        )
    return batch


# --- Checking rows (no database) ----------------------------------------------------------


@contextmanager
def _no_gc():
    """The cyclic garbage collector off while a batch's rows are made: they are
    hundreds of thousands of small lists that are not garbage, and the collector kept
    walking them (it took more time than reading the CSV). Reference counting still
    frees everything; the collector's previous state is restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# A checked row is a plain list (an object per record cost more than the checks):
LINE, RID, DEVICE, UNIT, ESTATE, AT, DAY, A, B = range(9)
# A and B are the credential and person reference of a door event, the meter kind and
# register of a reading; a door event has a tenth item, granted.


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _select_in(select: str, column: str, values) -> list[tuple]:
    """The rows of `select` (SQL ending in a WHERE clause or FROM) whose `column` is one
    of `values`: one statement with an array on PostgreSQL, IN lists of 500 on SQLite.
    The batch lookups go through here rather than the ORM's `__in`, which spends longer
    preparing a few thousand parameters than the database spends answering."""
    values = sorted(values)
    if not values:
        return []
    joiner = " AND " if " WHERE " in select else " WHERE "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{select}{joiner}{column} = ANY(%s)", [values])
            return cursor.fetchall()
        out = []
        for part in _chunks(values):
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"{select}{joiner}{column} IN ({marks})", part)
            out += cursor.fetchall()
        return out


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _units_in_scope(principal, estate_codes, codes: set) -> dict[str, tuple[int, int]]:
    """unit code → (unit id, estate id), for the named units the caller may write to.
    A unit outside the caller's estates is not found, exactly like an unknown one. The
    scope is the caller's visible estates (`Estate.objects.visible_to`, the same rule
    as `Unit.objects.visible_to`)."""
    estates = None if principal is None else Estate.objects.visible_to(principal)
    if estate_codes is not None:
        estates = (estates if estates is not None else Estate.objects.all()).filter(
            code__in=list(estate_codes)
        )
    allowed = None if estates is None else set(estates.values_list("pk", flat=True))
    wanted = {c.strip() for c in codes if c and c.strip()}
    rows = _select_in(f"SELECT code, id, estate_id FROM {_table(Unit)}", "code", wanted)
    return {code: (pk, estate) for code, pk, estate in rows if allowed is None or estate in allowed}


class _Checker:
    """The row checks, written for speed: a batch may hold hundreds of thousands of rows,
    and these loops are most of an ingest's Python time. A good row takes the straight
    path; any doubt goes to `_why`, which finds the first fault and rejects the row.
    Keeps the first good row naming each device, which registers it."""

    def __init__(self, units, rejects, *, strip=True):
        self.units = units
        self.strip = strip
        self.rejects = rejects
        self.latest = timezone.now() + FUTURE_SLACK
        self.latest_ts = self.latest.timestamp()
        self.tz = timezone.get_default_timezone()  # the district's day, not the reader's
        self.days: dict[int, int] = {}
        self.first_of_device: dict[str, list] = {}

    def _day(self, at: datetime.datetime) -> int:
        # The local date is the same within a quarter hour (every zone's offset and
        # every daylight-saving change falls on one), so it is worked out once for each.
        quarter = int(at.timestamp()) // 900
        day = self.days.get(quarter)
        if day is None:
            day = self.days[quarter] = timezone.localtime(at, self.tz).toordinal()
        return day

    def _time(self, text: str):
        """(aware datetime, POSIX seconds) of a plausible time, else (None, None): a bare
        date or no offset, the future, the last century. The range is checked on the
        seconds, which is cheaper than comparing aware datetimes."""
        try:
            at = parse_time(text)
        except ValueError:
            return None, None
        if at.tzinfo is None or len(text) < 16:
            return None, None
        ts = at.timestamp()
        if not EARLIEST_TS <= ts <= self.latest_ts:
            return None, None
        return at, ts

    def _why(self, line, values, names, at_index) -> None:
        """Reject the row for its first fault among the checks both kinds share."""
        reject = self.rejects.add
        rid = values[0]
        for name, v in zip(names, values, strict=True):
            if not v and name != "person_ref":
                return reject(line, "missing_field", rid, field=name)
        for name, v in zip(names, values, strict=True):
            if name in ID_FIELDS and len(v) > ID_MAX:
                return reject(line, "id_too_long", rid, field=name, max=ID_MAX)
        if values[2] not in self.units:
            return reject(line, "unknown_unit", rid, value=values[2])
        field, text = names[at_index], values[at_index]
        try:
            at = datetime.datetime.fromisoformat(text)
        except ValueError:
            at = None
        if at is None or at.tzinfo is None or len(text) < 16:
            return reject(line, "bad_timestamp", rid, field=field, value=text)
        if at > self.latest:
            return reject(line, "future_timestamp", rid, field=field, value=text)
        return reject(line, "old_timestamp", rid, field=field, value=text)

    def access(self, raw) -> list[list]:
        out = []
        reject = self.rejects.add
        units, first, days, time_of = self.units, self.first_of_device, self.days, self._time
        strip = self.strip
        for line, values in raw:
            if values is NOT_AN_OBJECT:
                reject(line, "bad_json", None)
                continue
            if strip:
                values = [v.strip() if v else "" for v in values]
            rid, device, unit_code, text, cred, person, result = values
            unit = units.get(unit_code)
            at, ts = time_of(text)
            if (
                unit is None
                or at is None
                or not (rid and device and cred and result)
                or len(rid) > ID_MAX
                or len(device) > ID_MAX
                or len(person) > ID_MAX
            ):
                self._why(line, values, ACCESS_FIELDS, 3)
                continue
            if cred not in CREDENTIALS:
                cred = cred.lower()
                if cred not in CREDENTIALS:
                    reject(line, "bad_credential", rid, value=values[4])
                    continue
            granted = RESULTS.get(result)
            if granted is None:
                granted = RESULTS.get(result.lower())
                if granted is None:
                    reject(line, "bad_result", rid, value=result)
                    continue
            day = days.get(int(ts) // 900)
            if day is None:
                day = self._day(at)
            row = [line, rid, device, unit[0], unit[1], at, day, cred, person, granted]
            if device not in first:
                first[device] = row
            out.append(row)
        return out

    def meters(self, raw) -> list[list]:
        out = []
        reject = self.rejects.add
        units, first, strip = self.units, self.first_of_device, self.strip
        for line, values in raw:
            if values is NOT_AN_OBJECT:
                reject(line, "bad_json", None)
                continue
            if strip:
                values = [v.strip() if v else "" for v in values]
            rid, device, unit_code, kind, text, number = values
            unit = units.get(unit_code)
            at, _ts = self._time(text)
            if (
                unit is None
                or at is None
                or not (rid and device and kind and number)
                or len(rid) > ID_MAX
                or len(device) > ID_MAX
            ):
                self._why(line, values, METER_FIELDS, 4)
                continue
            if kind not in METER_KINDS:
                kind = kind.lower()
                if kind not in METER_KINDS:
                    reject(line, "bad_meter_kind", rid, value=values[3])
                    continue
            try:
                value = Decimal(number)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite() or value < 0 or value > VALUE_MAX:
                reject(line, "bad_value", rid, value=number)
                continue
            row = [
                line,
                rid,
                device,
                unit[0],
                unit[1],
                at,
                self._day(at),
                kind,
                value.quantize(MILLI),
            ]
            if device not in first:
                first[device] = row
            out.append(row)
        return out


# --- Devices and people (a few bulk queries) ----------------------------------------------


def _devices_for(kind, first_of_device) -> tuple[dict[str, tuple], int]:
    """code → (pk, kind, meter kind, estate id) for every device the rows name,
    registering those seen for the first time (for the unit and estate of the first
    row naming them). Returns the map and the number registered."""
    known = _devices(first_of_device)
    new = []
    for code, row in first_of_device.items():
        if code in known:
            continue
        meter = kind == IngestKind.METERS
        new.append(
            Device(
                code=code,
                kind=DeviceKind.METER if meter else DeviceKind.LOCK,
                meter_kind=row[A] if meter else "",
                estate_id=row[ESTATE],
                unit_id=row[UNIT],
            )
        )
    if new:
        # Another batch may register the same device at the same moment: keep its row.
        Device.objects.bulk_create(new, ignore_conflicts=True, batch_size=CHUNK)
        known.update(_devices(d.code for d in new))
    return known, len(new)


def _devices(codes) -> dict[str, tuple]:
    select = f"SELECT code, id, kind, meter_kind, estate_id FROM {_table(Device)}"
    return {code: tuple(rest) for code, *rest in _select_in(select, "code", set(codes))}


def _people(rows) -> tuple[dict, dict]:
    """(unit id → the household living there, (credential kind, ref) → (member,
    household)) for the active credentials of the current members of those households.
    A credential enrolled anywhere else cannot make an event in these units registered,
    so it is not read."""
    units = {r[UNIT] for r in rows}
    select = f"SELECT unit_id, id FROM {_table(Household)}"
    living: dict[int, int] = dict(_select_in(select, "unit_id", units))
    select = (
        f"SELECT c.kind, c.ref, c.member_id, m.household_id FROM {_table(Credential)} c "
        f"JOIN {_table(Member)} m ON m.id = c.member_id "
        "WHERE c.revoked_at IS NULL AND m.left_at IS NULL"
    )
    enrolled = {
        (ckind, ref): (member, household)
        for ckind, ref, member, household in _select_in(
            select, "m.household_id", set(living.values())
        )
    }
    return living, enrolled


def _conflict(row, known, kind, rejects, estate_codes: dict) -> int | None:
    """The device's pk, or None after rejecting the row: the device belongs to another
    estate, or is of another kind (a meter opening a door, a lock reading water, a water
    meter reading gas)."""
    pk, dkind, meter_kind, estate_id = known[row[DEVICE]]
    registered_as = meter_kind if dkind == DeviceKind.METER else dkind
    if estate_id != row[ESTATE]:
        if not estate_codes:  # read once, on the first conflict of the batch
            estate_codes.update(Estate.objects.values_list("pk", "code"))
        code = estate_codes.get(estate_id, "")
        rejects.add(row[LINE], "device_other_estate", row[RID], value=row[DEVICE], estate=code)
        return None
    if (kind == IngestKind.ACCESS and dkind == DeviceKind.METER) or (
        kind == IngestKind.METERS and registered_as != row[A]
    ):
        rejects.add(row[LINE], "device_other_kind", row[RID], value=row[DEVICE], kind=registered_as)
        return None
    return pk


def _access_records(rows, known, people, rejects, batch_id):
    """The tuples to insert (first row of each id), the repeats within the batch, and
    the estates written to. Registered: the credential is enrolled (active) for a
    current member of the household that lives in the event's unit; anything else (no
    person reference, a mechanical key, an unknown reference, another household's
    member) is unregistered."""
    living, enrolled = people
    sqlite = connection.vendor != "postgresql"
    estate_codes: dict[int, str] = {}
    seen: set[str] = set()
    estates: set[int] = set()
    out = []
    repeats = 0
    for row in rows:
        pk, dkind, _meter_kind, estate_id = known[row[DEVICE]]
        if estate_id != row[ESTATE] or dkind == DeviceKind.METER:
            pk = _conflict(row, known, IngestKind.ACCESS, rejects, estate_codes)
            if pk is None:
                continue
        rid = row[RID]
        if rid in seen:
            repeats += 1
            continue
        seen.add(rid)
        estates.add(row[ESTATE])
        unit, cred, person = row[UNIT], row[A], row[B]
        household = living.get(unit)
        member = None
        if household is not None and person and cred != "key":
            found = enrolled.get((cred, person))
            if found is not None and found[1] == household:
                member = found[0]
        at = row[AT]
        out.append(
            (
                rid,
                pk,
                unit,
                household,
                member,
                _sqlite_time(at) if sqlite else at,
                row[DAY],
                cred,
                person,
                member is not None,
                row[9],
                batch_id,
            )
        )
    return out, repeats, estates


def _meter_records(rows, known, rejects, batch_id):
    sqlite = connection.vendor != "postgresql"
    estate_codes: dict[int, str] = {}
    seen: set[str] = set()
    estates: set[int] = set()
    out = []
    repeats = 0
    for row in rows:
        pk = _conflict(row, known, IngestKind.METERS, rejects, estate_codes)
        if pk is None:
            continue
        rid = row[RID]
        if rid in seen:
            repeats += 1
            continue
        seen.add(rid)
        estates.add(row[ESTATE])
        at, value = row[AT], row[B]
        out.append(
            (
                rid,
                pk,
                row[UNIT],
                row[A],
                _sqlite_time(at) if sqlite else at,
                row[DAY],
                str(value) if sqlite else value,
                batch_id,
            )
        )
    return out, repeats, estates


# --- Storing (the bulk paths) ------------------------------------------------------------

ACCESS_COLUMNS = (
    "event_id",
    "device_id",
    "unit_id",
    "household_id",
    "member_id",
    "occurred_at",
    "day",
    "credential",
    "person_ref",
    "registered",
    "granted",
    "batch_id",
)
METER_COLUMNS = ("reading_id", "meter_id", "unit_id", "kind", "read_at", "day", "value", "batch_id")
PG_TYPES = {
    "event_id": "varchar(64)",
    "reading_id": "varchar(64)",
    "device_id": "bigint",
    "meter_id": "bigint",
    "unit_id": "bigint",
    "household_id": "bigint",
    "member_id": "bigint",
    "occurred_at": "timestamptz",
    "read_at": "timestamptz",
    "day": "integer",
    "credential": "varchar(12)",
    "person_ref": "varchar(64)",
    "kind": "varchar(12)",
    "registered": "boolean",
    "granted": "boolean",
    "value": "numeric(14,3)",
    "batch_id": "bigint",
}


def _sqlite_time(at: datetime.datetime) -> str:
    # What Django's SQLite backend stores for an aware datetime: naive UTC text
    # ("2026-03-01 00:15:00", microseconds only when there are some).
    return at.astimezone(datetime.UTC).isoformat(" ")[:-6]


def bulk_insert(table: str, columns, key: str, rows) -> int:
    """Insert the rows (tuples in the order of `columns`, the key first), skipping any
    whose key is already stored; returns how many were inserted. Runs inside the
    batch's transaction."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return _copy(table, columns, key, rows)
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = (
        f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks}) "
        f"ON CONFLICT ({quote(key)}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return cursor.rowcount


def _copy(table, columns, key, rows) -> int:
    """PostgreSQL: leave out the ids already stored (one probe of the unique index for
    the whole batch), then COPY the rest straight into the table. Should another batch
    store some of the same ids in between, the COPY fails on the unique index, and the
    rows go through a temporary table and INSERT … SELECT … ON CONFLICT DO NOTHING."""
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(key)} FROM {quote(table)} WHERE {quote(key)} = ANY(%s)",
            [[row[0] for row in rows]],
        )
        stored = {found for (found,) in cursor.fetchall()}
        fresh = [row for row in rows if row[0] not in stored] if stored else rows
        if not fresh:
            return 0
        direct = f"COPY {quote(table)} ({cols}) FROM STDIN"
        try:
            # A savepoint to fall back to; the raw cursor raises psycopg's own error.
            with transaction.atomic(), cursor.cursor.copy(direct) as copy:
                for row in fresh:
                    copy.write_row(row)
            return len(fresh)
        except (IntegrityError, connection.Database.IntegrityError):  # type: ignore[attr-defined]
            pass
        temp = quote(f"_ingest_{table}")
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMP TABLE {temp} ("
            + ", ".join(f"{quote(c)} {PG_TYPES[c]}" for c in columns)
            + ")"
        )
        with cursor.cursor.copy(f"COPY {temp} ({cols}) FROM STDIN") as copy:
            for row in fresh:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {quote(table)} ({cols}) SELECT {cols} FROM {temp} "
            f"ON CONFLICT ({quote(key)}) DO NOTHING"
        )
        inserted = cursor.rowcount
        cursor.execute(f"DROP TABLE {temp}")
        return inserted
