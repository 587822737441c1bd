"""Writing the ledger back out in the import format: one row per current member of
each housed household, and one row for each vacant unit. It is the authority's own
ledger, so ID and phone numbers are written in full; each export is logged as an
access to personal data."""

import csv
import io
from dataclasses import asdict, dataclass
from pathlib import Path

from anju.core import audit
from anju.core.models import AuditKind
from anju.households.models import Credential, Household, Lease, LeaseStatus, Member
from anju.housing.models import Unit

from .columns import COLUMNS, ROLE_HEAD, ROLE_MEMBER
from .validate import in_chunks


@dataclass
class LedgerExport:
    format: str
    rows: int = 0
    households: int = 0
    members: int = 0
    vacant_units: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def ledger_export(dest, *, actor, estates=None, units=None, fmt: str | None = None) -> LedgerExport:
    """Write the ledger of `units` (a queryset; all units by default), narrowed to
    `estates` when given, to `dest` (a path, or a binary file object with `fmt`
    "xlsx" or "csv"). The view passes querysets already scoped to the user."""
    fmt = (fmt or _format_of(dest)).lower()
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"unknown ledger format {fmt!r}")
    units = Unit.objects.all() if units is None else units
    if estates is not None:
        units = units.filter(estate__in=estates)
    units = units.select_related("estate__community__parent", "building").order_by(
        "estate__code", "code"
    )
    result = LedgerExport(format=fmt)
    rows = _rows(units, result)
    extra = next(rows)  # the note columns, known once the households are loaded
    header = list(COLUMNS) + extra
    if fmt == "xlsx":
        _write_xlsx(dest, header, rows)
    else:
        _write_csv(dest, header, rows)
    estate_codes = sorted(set(units.values_list("estate__code", flat=True)))
    audit.record(
        actor=actor,
        kind=AuditKind.ACCESS,
        action="ledger.export",
        target=("ledger", "", "ledger export"),
        changes={
            "count": result.rows,
            "households": result.households,
            "members": result.members,
            "vacant_units": result.vacant_units,
            "format": fmt,
            "estates": estate_codes,
        },
    )
    return result


def _format_of(dest) -> str:
    name = str(dest) if isinstance(dest, str | Path) else getattr(dest, "name", "") or ""
    suffix = Path(name).suffix.lower().lstrip(".")
    return suffix or "xlsx"


def _rows(units, result: LedgerExport):
    """A generator: first yields the extra (note) column names, then each row."""
    units = list(units)
    unit_ids = [u.pk for u in units]
    households: dict[int, Household] = {}
    for chunk in in_chunks(unit_ids):
        for household in Household.objects.filter(unit_id__in=chunk):
            households[household.unit_id] = household
    household_ids = [h.pk for h in households.values()]
    leases: dict[int, Lease] = {}
    members: dict[int, list[Member]] = {}
    credentials: dict[int, list[str]] = {}
    for chunk in in_chunks(household_ids):
        # The active lease, or failing that the latest one.
        for lease in Lease.objects.filter(household_id__in=chunk).order_by("start"):
            best = leases.get(lease.household_id)
            if best is None or lease.status == LeaseStatus.ACTIVE or best.status != "active":
                leases[lease.household_id] = lease
        for member in Member.objects.current().filter(household_id__in=chunk).order_by("id"):
            members.setdefault(member.household_id, []).append(member)
        for member_id, kind, ref in (
            Credential.objects.filter(member__household_id__in=chunk, revoked_at__isnull=True)
            .order_by("kind", "ref")
            .values_list("member_id", "kind", "ref")
        ):
            credentials.setdefault(member_id, []).append(f"{kind}:{ref}")

    extra: list[str] = []
    for household in households.values():
        for key, value in (household.notes or {}).items():
            if key not in extra and key not in COLUMNS and _scalar(value):
                extra.append(key)
    yield extra

    for unit in units:
        community = unit.estate.community
        base = [
            unit.estate.code,
            unit.estate.name,
            community.parent.name if community.parent_id else "",
            community.name,
            unit.building.number,
            unit.code,
            unit.floor,
            unit.area_m2,
            unit.rooms,
        ]
        household = households.get(unit.pk)
        if household is None:
            result.rows += 1
            result.vacant_units += 1
            yield base + [""] * (len(COLUMNS) - len(base) + len(extra))
            continue
        result.households += 1
        lease = leases.get(household.pk)
        notes = household.notes or {}
        household_cells = [
            household.number,
            household.category,
            lease.start.isoformat() if lease else "",
            lease.end.isoformat() if lease else "",
            lease.monthly_rent if lease else "",
        ]
        note_cells = [str(notes[k]) if _scalar(notes.get(k)) else "" for k in extra]
        people = sorted(
            members.get(household.pk, []), key=lambda m: (m.pk != household.head_id, m.pk)
        ) or [None]
        for member in people:
            result.rows += 1
            if member is None:
                yield base + household_cells + [""] * 7 + note_cells
                continue
            result.members += 1
            yield (
                base
                + household_cells
                + [
                    ROLE_HEAD if member.pk == household.head_id else ROLE_MEMBER,
                    member.name,
                    member.reveal_id_number(),
                    member.relation,
                    member.reveal_phone(),
                    member.monthly_income,
                    ";".join(credentials.get(member.pk, [])),
                ]
                + note_cells
            )


def _scalar(value) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _write_xlsx(dest, header, rows) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("ledger")
    sheet.freeze_panes = "A2"
    sheet.append(header)
    for row in rows:
        # An empty cell is left out of the sheet rather than written as "".
        sheet.append([None if v == "" else v for v in row])
    workbook.save(dest)


def _write_csv(dest, header, rows) -> None:
    def text(value):
        return "" if value is None else str(value)

    if isinstance(dest, str | Path):
        handle = open(dest, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        wrapper = None
    else:
        # Excel needs the BOM to read UTF-8 CSV as such.
        wrapper = handle = io.TextIOWrapper(dest, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([text(v) for v in row])
    finally:
        if wrapper is not None:
            wrapper.flush()
            wrapper.detach()
        else:
            handle.close()
