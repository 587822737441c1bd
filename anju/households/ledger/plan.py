"""What importing the good households would change, worked out before anything is
written: the same plan feeds the preview (a dry run) and the writing."""

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from anju.core import pii
from anju.households.models import (
    Household,
    HouseholdStatus,
    Lease,
    LeaseStatus,
    Member,
)
from anju.housing.models import Building, Unit, UnitStatus

from .parse import MemberIn, UnitIn
from .report import HouseholdChange, LedgerReport
from .validate import Checked, HeldCredential, HouseholdIn, NewEstate

_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE_LIKE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def mask_text(value: str) -> str:
    """Extra columns are kept as notes; an ID or mobile number in one is masked, since
    notes are not a protected field."""
    value = _ID_LIKE.sub(lambda m: pii.mask_id_number(m.group(0).upper()), value)
    return _MOBILE_LIKE.sub(lambda m: pii.mask_phone(m.group(0)), value)


@dataclass
class BuildingPlan:
    estate_code: str
    number: str
    floors: int
    units_per_floor: int
    existing: Building | None = None
    changes: dict = field(default_factory=dict)


@dataclass
class UnitPlan:
    data: UnitIn
    existing: Unit | None
    changes: dict = field(default_factory=dict)
    occupy: bool = False  # a household moves in: the unit becomes occupied


@dataclass
class MemberUpdate:
    member: Member
    data: MemberIn
    changes: dict  # audit form, masked


@dataclass
class HouseholdPlan:
    data: HouseholdIn
    existing: Household | None
    changes: dict = field(default_factory=dict)  # household fields, audit form
    notes: dict = field(default_factory=dict)
    head_changed: bool = False
    new_members: list[MemberIn] = field(default_factory=list)
    member_updates: list[MemberUpdate] = field(default_factory=list)
    unchanged_members: int = 0
    leaving: list[Member] = field(default_factory=list)
    lease_number: str = ""
    lease_create: bool = False
    lease_update: Lease | None = None
    lease_changes: dict = field(default_factory=dict)
    lease_end: Lease | None = None  # the lease a newer one in the file replaces
    credentials_add: list[tuple[str, str, str]] = field(default_factory=list)  # hash, kind, ref
    credentials_revoke: list[HeldCredential] = field(default_factory=list)

    @property
    def number(self) -> str:
        return self.data.number

    @property
    def changed_fields(self) -> list[str]:
        fields = list(self.changes)
        if self.head_changed:
            fields.append("head")
        if self.new_members or self.member_updates or self.leaving:
            fields.append("members")
        if self.lease_create or self.lease_changes:
            fields.append("lease")
        if self.credentials_add or self.credentials_revoke:
            fields.append("credentials")
        return fields

    @property
    def action(self) -> str:
        if self.existing is None:
            return "create"
        return "update" if self.changed_fields else "unchanged"


@dataclass
class Plan:
    checked: Checked
    new_estates: list[NewEstate]
    buildings: dict[tuple[str, str], BuildingPlan]
    units: dict[str, UnitPlan]
    households: list[HouseholdPlan]

    @property
    def is_empty(self) -> bool:
        return not (
            self.new_estates
            or any(b.existing is None or b.changes for b in self.buildings.values())
            or any(u.existing is None or u.changes or u.occupy for u in self.units.values())
            or any(h.action != "unchanged" for h in self.households)
        )

    def fill_report(self, report: LedgerReport) -> None:
        checked = self.checked
        report.rows = len(checked.file.rows)
        report.households = checked.household_count
        report.vacant_units = checked.vacant_count
        report.good_households = len(checked.households)
        report.bad_households = checked.bad_households
        report.bad_vacant_units = checked.bad_vacant
        report.errors = checked.errors
        report.bad_lines = len({e.line for e in checked.errors})
        report.new_estates = [
            {
                "code": e.code,
                "name": e.name,
                "community": e.community.name,
                "operator": e.operator.name,
                "property_company": e.property_company.name,
            }
            for e in self.new_estates
        ]
        created, updated = report.created, report.updated
        created["estates"] = len(self.new_estates)
        for b in self.buildings.values():
            if b.existing is None:
                created["buildings"] += 1
            elif b.changes:
                updated["buildings"] += 1
        for u in self.units.values():
            if u.existing is None:
                created["units"] += 1
            elif u.changes:
                updated["units"] += 1
            else:
                report.unchanged["units"] += 1
        for h in self.households:
            action = h.action
            if action == "create":
                created["households"] += 1
            elif action == "update":
                updated["households"] += 1
            else:
                report.unchanged["households"] += 1
            if action != "unchanged":
                report.changes.append(
                    HouseholdChange(
                        household=h.number,
                        unit=h.data.unit.code,
                        action=action,
                        fields=h.changed_fields if action == "update" else [],
                        line=h.data.first.line,
                    )
                )
            created["members"] += len(h.new_members)
            updated["members"] += len(h.member_updates)
            report.unchanged["members"] += h.unchanged_members
            report.removed["members_left"] += len(h.leaving)
            created["leases"] += int(h.lease_create)
            updated["leases"] += int(bool(h.lease_changes))
            report.removed["leases_ended"] += int(h.lease_end is not None)
            created["credentials"] += len(h.credentials_add)
            report.removed["credentials_revoked"] += len(h.credentials_revoke)


def plan_import(checked: Checked) -> Plan:
    world = checked.world
    units = _plan_units(checked)
    buildings = _plan_buildings(checked, units)
    households = [_plan_household(h, checked) for h in checked.households]
    for hp in households:
        if hp.lease_create:
            units[hp.data.unit.code].occupy = (
                units[hp.data.unit.code].existing is None
                or units[hp.data.unit.code].existing.status != UnitStatus.OCCUPIED
            )
    _number_leases(households)
    return Plan(
        checked=checked,
        new_estates=list(world.new_estates.values()),
        buildings=buildings,
        units=units,
        households=households,
    )


def _plan_units(checked: Checked) -> dict[str, UnitPlan]:
    plans: dict[str, UnitPlan] = {}
    described = [h.unit for h in checked.households] + checked.vacant
    for data in described:
        existing = checked.world.units.get(data.code)
        plan = UnitPlan(data=data, existing=existing)
        if existing is not None:
            if data.area is not None and existing.area_m2 != data.area:
                plan.changes["area_m2"] = [str(existing.area_m2), str(data.area)]
            if data.rooms is not None and existing.rooms != data.rooms:
                plan.changes["rooms"] = [existing.rooms, data.rooms]
        plans[data.code] = plan
    return plans


def _plan_buildings(checked: Checked, units: dict[str, UnitPlan]) -> dict:
    seen: dict[tuple[str, str], BuildingPlan] = {}
    for plan in units.values():
        if plan.existing is not None:
            continue
        data = plan.data
        key = (data.estate_code, data.building_no)
        building = seen.setdefault(key, BuildingPlan(data.estate_code, data.building_no, 1, 1))
        building.floors = max(building.floors, data.floor)
        building.units_per_floor = max(building.units_per_floor, data.position)
    existing = Building.objects.filter(
        estate__code__in={code for code, _number in seen}
    ).select_related("estate")
    for building in existing:
        plan = seen.get((building.estate.code, building.number))
        if plan is None:
            continue
        plan.existing = building
        if plan.floors > building.floors:
            plan.changes["floors"] = [building.floors, plan.floors]
        if plan.units_per_floor > building.units_per_floor:
            plan.changes["units_per_floor"] = [building.units_per_floor, plan.units_per_floor]
    return seen


def _notes(data: HouseholdIn, existing: Household | None) -> dict:
    notes = dict(existing.notes) if existing is not None and existing.notes else {}
    # The head's row speaks for the household; other rows fill what it leaves empty.
    rows = sorted(data.rows, key=lambda r: not (r.member and r.member.role == "head"))
    from_file: dict[str, str] = {}
    for row in rows:
        for column, value in row.extras.items():
            from_file.setdefault(column, mask_text(value))
    for column, value in from_file.items():
        if str(notes.get(column, "")) != value:
            notes[column] = value
    return notes


def _plan_household(data: HouseholdIn, checked: Checked) -> HouseholdPlan:
    world = checked.world
    existing = world.households.get(data.number)
    plan = HouseholdPlan(data=data, existing=existing)
    unit = data.unit
    estate = world.estates.get(unit.estate_code)
    community_id = (
        estate.community_id if estate else world.new_estates[unit.estate_code].community.pk
    )
    plan.notes = _notes(data, existing)
    if existing is None:
        plan.changes = {
            "number": data.number,
            "category": data.first.category,
            "status": HouseholdStatus.TENANT,
            "unit": unit.code,
            "estate": unit.estate_code,
            "community": community_id,
        }
        plan.new_members = list(data.members)
        plan.head_changed = True
        plan.lease_create = True
        for member in data.members:
            plan.credentials_add += [(member.id_hash, k, r) for k, r in member.credentials or ()]
        return plan

    changes = plan.changes
    if existing.category != data.first.category:
        changes["category"] = [existing.category, data.first.category]
    if existing.status != HouseholdStatus.TENANT:
        changes["status"] = [existing.status, HouseholdStatus.TENANT]
    if existing.unit_id is None:
        changes["unit"] = [None, unit.code]
    if estate is None or existing.estate_id != estate.pk:
        changes["estate"] = [existing.estate_id, unit.estate_code]
    if existing.community_id != community_id:
        changes["community"] = [existing.community_id, community_id]
    old_notes = existing.notes or {}
    if plan.notes != old_notes:
        keys = [k for k in plan.notes if plan.notes[k] != old_notes.get(k)]
        changes["notes"] = [{k: old_notes.get(k) for k in keys}, {k: plan.notes[k] for k in keys}]

    current = {m.id_number_hash: m for m in world.members.get(existing.pk, [])}
    by_member = {m.pk: m for m in current.values()}
    in_file = {m.id_hash for m in data.members}
    plan.leaving = [m for h, m in current.items() if h not in in_file]
    for member in data.members:
        found = current.get(member.id_hash)
        if found is None:
            plan.new_members.append(member)
            plan.credentials_add += [(member.id_hash, k, r) for k, r in member.credentials or ()]
            continue
        member_changes = _member_changes(found, member)
        if member_changes:
            plan.member_updates.append(MemberUpdate(found, member, member_changes))
        else:
            plan.unchanged_members += 1
        if member.credentials is not None:
            held = {(c.kind, c.ref): c for c in world.credentials.get(found.pk, [])}
            wanted = set(member.credentials)
            plan.credentials_add += [
                (member.id_hash, k, r) for k, r in member.credentials if (k, r) not in held
            ]
            plan.credentials_revoke += [c for key, c in held.items() if key not in wanted]
    for member in plan.leaving:
        plan.credentials_revoke += world.credentials.get(member.pk, [])
    # A credential moving to another member of the household is revoked from the first.
    revoking = {c.pk for c in plan.credentials_revoke}
    for _hash, kind, ref in plan.credentials_add:
        holder = world.credential_holder.get((kind, ref))
        if holder is not None and holder.member_id in by_member and holder.pk not in revoking:
            plan.credentials_revoke.append(holder)
            revoking.add(holder.pk)

    head = data.head
    old_head = by_member.get(existing.head_id)
    if old_head is None or old_head.id_number_hash != head.id_hash:
        plan.head_changed = True

    leases = world.leases.get(existing.pk, [])
    start = data.first.lease_start
    same = next((le for le in leases if le.unit_code == unit.code and le.start == start), None)
    if same is not None:
        if same.end != data.first.lease_end:
            plan.lease_changes["end"] = [str(same.end), str(data.first.lease_end)]
        if same.monthly_rent != data.first.rent:
            plan.lease_changes["monthly_rent"] = [str(same.monthly_rent), str(data.first.rent)]
        if plan.lease_changes:
            plan.lease_update = same
    else:
        plan.lease_create = True
        plan.lease_end = next((le for le in leases if le.status == LeaseStatus.ACTIVE), None)
    return plan


def _member_changes(member: Member, data: MemberIn) -> dict:
    changes = {}
    if member.name != data.name.strip():
        changes["name"] = [member.name, data.name.strip()]
    if member.relation != data.relation:
        changes["relation"] = [member.relation, data.relation]
    # An empty phone or income cell keeps what the archive has.
    if data.phone and member.phone_hash != data.phone_hash:
        changes["phone_masked"] = [member.phone_masked, pii.mask_phone(data.phone)]
    if data.income is not None and member.monthly_income != data.income:
        changes["monthly_income"] = [str(member.monthly_income), str(data.income)]
    return changes


def lease_number_for(number: str, start) -> str:
    candidate = f"LEDGER-{number}-{start:%Y%m%d}"
    if len(candidate) <= Lease._meta.get_field("number").max_length - 3:
        return candidate
    digest = hashlib.sha1(number.encode()).hexdigest()[:10]
    return f"LEDGER-{digest}-{start:%Y%m%d}"


def _number_leases(households: list[HouseholdPlan]) -> None:
    if not any(hp.lease_create for hp in households):
        return
    taken = set(Lease.objects.filter(number__startswith="LEDGER-").values_list("number", flat=True))
    for hp in households:
        if not hp.lease_create:
            continue
        base = lease_number_for(hp.number, hp.data.first.lease_start)
        number, suffix = base, 1
        while number in taken:
            suffix += 1
            number = f"{base}-{suffix}"
        taken.add(number)
        hp.lease_number = number


def income_or_zero(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal("0.00")
