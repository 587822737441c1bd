"""Writing a plan: bulk creates and updates in dependency order, then the audit entries
and one timeline entry per created or changed household. The caller holds the
transaction."""

from django.db import connection
from django.utils import timezone

from anju.core import audit, timeline
from anju.core.models import TimelineEntry
from anju.households import protected
from anju.households.models import (
    Credential,
    Household,
    HouseholdStatus,
    Lease,
    LeaseStatus,
    Member,
)
from anju.households.services import MEMBER_FIELDS, lease_rents_backfill
from anju.housing.models import Building, Estate, Unit, UnitStatus

from .plan import Plan, income_or_zero
from .validate import in_chunks

BATCH = 500
HOUSEHOLD_UPDATE_FIELDS = ["category", "status", "unit", "estate", "community", "notes"]
MEMBER_UPDATE_FIELDS = [
    "name",
    "name_pinyin",
    "name_initials",
    "relation",
    "phone_enc",
    "phone_hash",
    "phone_masked",
    "monthly_income",
]


class _Writer:
    def __init__(self, plan: Plan, *, actor, source: str, progress):
        self.plan = plan
        self.actor = actor
        self.source = source
        self.progress = progress
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.audit_items: list[tuple] = []
        self.timeline: list = []
        self.estates: dict[str, Estate] = dict(plan.checked.world.estates)
        self.buildings: dict[tuple[str, str], Building] = {}
        self.units: dict[str, Unit] = {}
        self.households: dict[str, Household] = {}
        self.members: dict[tuple[str, str], Member] = {}  # (household no., id hash)
        self.plan_by_number = {hp.number: hp for hp in plan.households}
        self.created_households = [hp.number for hp in plan.households if hp.existing is None]
        self.new_members: list[Member] = []
        self.new_leases: dict[str, Lease] = {}
        self.new_credentials: dict[int, list[str]] = {}

    def note(self, action: str, target, changes: dict) -> None:
        self.audit_items.append((action, target, changes))

    def run(self, report_counts: dict) -> None:
        steps = [
            self.write_estates,
            self.write_buildings,
            self.write_units,
            self.write_households,
            self.write_members,
            self.write_heads,
            self.write_leases,
            self.write_credentials,
        ]
        for index, step in enumerate(steps, start=1):
            step()
            if self.progress:
                self.progress(index, len(steps) + 1)
        self.note_created()
        if self.audit_items:
            self.audit_items.append(
                ("ledger.import", ("ledger", "", self.source or "ledger"), report_counts)
            )
            audit.record_many(actor=self.actor, items=self.audit_items)
        insert_all(TimelineEntry, self.timeline)

    def note_created(self) -> None:
        """A new household gets one entry holding its lease and its members (masked,
        with the credentials enrolled for them); a member who joins a household already
        in the archive gets an entry of their own."""
        created = set(self.created_households)
        members: dict[str, list[dict]] = {}
        for member in self.new_members:
            changes = audit.snapshot(member, MEMBER_FIELDS)
            credentials = self.new_credentials.get(id(member))
            if credentials:
                changes["credentials"] = credentials
            number = member.household.number
            if number in created:
                changes["id"] = member.pk
                members.setdefault(number, []).append(changes)
            else:
                self.note("member.add", member, {"household": number, **changes})
        for number in self.created_households:
            household = self.households[number]
            lease = self.new_leases[number]
            changes = dict(self.plan_by_number[number].changes)
            changes["head"] = household.head.name
            changes["lease"] = audit.snapshot(lease, ["number", "start", "end", "monthly_rent"])
            changes["members"] = members.get(number, [])
            self.note("household.create", household, changes)

    # --- the housing stock -----------------------------------------------------------

    def write_estates(self) -> None:
        created = []
        for new in self.plan.new_estates:
            created.append(
                Estate(
                    code=new.code,
                    name=new.name,
                    community=new.community,
                    operator=new.operator,
                    property_company=new.property_company,
                )
            )
        Estate.objects.bulk_create(created, batch_size=BATCH)
        for estate in created:
            self.estates[estate.code] = estate
            self.note(
                "estate.create",
                estate,
                audit.snapshot(
                    estate, ["code", "name", "community", "operator", "property_company"]
                ),
            )

    def write_buildings(self) -> None:
        created, updated = [], []
        for key, plan in self.plan.buildings.items():
            if plan.existing is None:
                building = Building(
                    estate=self.estates[plan.estate_code],
                    number=plan.number,
                    floors=plan.floors,
                    units_per_floor=plan.units_per_floor,
                )
                created.append(building)
            else:
                building = plan.existing
                if plan.changes:
                    building.floors = max(building.floors, plan.floors)
                    building.units_per_floor = max(building.units_per_floor, plan.units_per_floor)
                    updated.append(building)
                    self.note("building.update", building, plan.changes)
            self.buildings[key] = building
        Building.objects.bulk_create(created, batch_size=BATCH)
        update_all(Building, updated, ["floors", "units_per_floor"])
        for building in created:
            self.note(
                "building.create",
                building,
                audit.snapshot(building, ["estate", "number", "floors", "units_per_floor"]),
            )

    def write_units(self) -> None:
        created, updated = [], []
        for code, plan in self.plan.units.items():
            data = plan.data
            if plan.existing is None:
                unit = Unit(
                    code=code,
                    estate=self.estates[data.estate_code],
                    building=self.buildings[(data.estate_code, data.building_no)],
                    floor=data.floor,
                    position=data.position,
                    area_m2=data.area,
                    rooms=data.rooms or 1,
                    status=UnitStatus.OCCUPIED if plan.occupy else UnitStatus.VACANT,
                    status_changed_at=self.now,
                )
                created.append(unit)
            else:
                unit = plan.existing
                changes = dict(plan.changes)
                if "area_m2" in changes:
                    unit.area_m2 = data.area
                if "rooms" in changes:
                    unit.rooms = data.rooms
                if plan.occupy:
                    changes["status"] = [unit.status, UnitStatus.OCCUPIED]
                    unit.status = UnitStatus.OCCUPIED
                    unit.status_changed_at = self.now
                if changes:
                    updated.append(unit)
                    self.note("unit.update", unit, changes)
            self.units[code] = unit
        insert_all(Unit, created)
        update_all(Unit, updated, ["area_m2", "rooms", "status", "status_changed_at"])
        for unit in created:
            self.note(
                "unit.create",
                unit,
                audit.snapshot(
                    unit, ["estate", "building", "floor", "position", "area_m2", "rooms", "status"]
                ),
            )
            self.timeline.append(
                timeline.build("unit.created", actor=self.actor, for_unit=unit, unit=unit.code)
            )

    # --- households and members --------------------------------------------------------

    def write_households(self) -> None:
        created, updated = [], []
        for plan in self.plan.households:
            data = plan.data
            unit = self.units[data.unit.code]
            estate = self.estates[data.unit.estate_code]
            if plan.existing is None:
                household = Household(
                    number=data.number,
                    category=data.first.category,
                    status=HouseholdStatus.TENANT,
                    unit=unit,
                    estate=estate,
                    community_id=estate.community_id,
                    notes=plan.notes,
                )
                created.append(household)
            else:
                household = plan.existing
                if plan.changes:
                    household.category = data.first.category
                    household.status = HouseholdStatus.TENANT
                    household.unit = unit
                    household.estate = estate
                    household.community_id = estate.community_id
                    household.notes = plan.notes
                    updated.append(household)
            self.households[data.number] = household
        insert_all(Household, created)
        update_all(Household, updated, HOUSEHOLD_UPDATE_FIELDS)
        for plan in self.plan.households:
            household = self.households[plan.number]
            if plan.existing is None:
                self.timeline.append(
                    timeline.build(
                        "household.imported",
                        actor=self.actor,
                        for_household=household,
                        source=self.source,
                    )
                )
            elif plan.changed_fields:
                if plan.changes:
                    self.note("household.update", household, plan.changes)
                self.timeline.append(
                    timeline.build(
                        "household.updated",
                        actor=self.actor,
                        for_household=household,
                        fields=", ".join(plan.changed_fields),
                    )
                )

    def write_members(self) -> None:
        leaving, updated, created = [], [], []
        for plan in self.plan.households:
            household = self.households[plan.number]
            for member in plan.leaving:
                member.left_at = self.today
                leaving.append(member)
                self.note(
                    "member.leave",
                    member,
                    {"household": plan.number, "left_at": [None, str(self.today)]},
                )
            for update in plan.member_updates:
                member, data = update.member, update.data
                protected.set_name(member, data.name)
                member.relation = data.relation
                if data.phone:
                    protected.set_phone(member, data.phone)
                if data.income is not None:
                    member.monthly_income = data.income
                updated.append(member)
                self.note("member.update", member, update.changes)
            for data in plan.new_members:
                member = Member(
                    household=household,
                    relation=data.relation,
                    monthly_income=income_or_zero(data.income),
                    # A household that arrives with the ledger has lived together since
                    # its lease began; someone added later joins today.
                    joined_at=plan.data.first.lease_start if plan.existing is None else self.today,
                )
                protected.set_name(member, data.name)
                protected.set_id_number(member, data.id_number)
                protected.set_phone(member, data.phone)
                created.append(member)
                self.members[(plan.number, data.id_hash)] = member
            if plan.existing is not None:
                for member in self.plan.checked.world.members.get(plan.existing.pk, []):
                    if member.left_at is None:
                        self.members.setdefault((plan.number, member.id_number_hash), member)
        # Those who left free their place before anyone is added.
        update_all(Member, leaving, ["left_at"])
        update_all(Member, updated, MEMBER_UPDATE_FIELDS)
        insert_all(Member, created)
        self.new_members = created

    def write_heads(self) -> None:
        updated = []
        for plan in self.plan.households:
            if not plan.head_changed:
                continue
            household = self.households[plan.number]
            old = None
            if plan.existing is not None:
                members = self.plan.checked.world.members.get(plan.existing.pk, [])
                old = next((m.name for m in members if m.pk == plan.existing.head_id), None)
            head = self.members[(plan.number, plan.data.head.id_hash)]
            household.head = head
            updated.append(household)
            if plan.existing is not None:
                self.note("household.head", household, {"head": [old, head.name]})
        update_all(Household, updated, ["head"])

    # --- leases and credentials --------------------------------------------------------

    def write_leases(self) -> None:
        ended, updated, created = [], [], []
        for plan in self.plan.households:
            household = self.households[plan.number]
            first = plan.data.first
            if plan.lease_end is not None:
                lease = plan.lease_end
                old_end = lease.end
                lease.status = LeaseStatus.ENDED
                lease.end = min(lease.end, first.lease_start)
                ended.append(lease)
                self.note(
                    "lease.end",
                    lease,
                    {
                        "status": [LeaseStatus.ACTIVE, LeaseStatus.ENDED],
                        "end": [str(old_end), str(lease.end)],
                    },
                )
            if plan.lease_update is not None:
                lease = plan.lease_update
                lease.end, lease.monthly_rent = first.lease_end, first.rent
                updated.append(lease)
                self.note("lease.update", lease, plan.lease_changes)
            if plan.lease_create:
                created.append(
                    Lease(
                        number=plan.lease_number,
                        household=household,
                        unit=self.units[plan.data.unit.code],
                        start=first.lease_start,
                        end=first.lease_end,
                        monthly_rent=first.rent,
                        status=LeaseStatus.ACTIVE,
                    )
                )
        update_all(Lease, ended, ["status", "end"])
        update_all(Lease, updated, ["end", "monthly_rent"])
        insert_all(Lease, created)
        lease_rents_backfill([lease.pk for lease in [*created, *updated]])
        for lease in created:
            self.new_leases[lease.household.number] = lease
            if lease.household.number in self.created_households:
                continue
            self.note(
                "lease.start",
                lease,
                {
                    "household": lease.household.number,
                    "unit": lease.unit.code,
                    **audit.snapshot(lease, ["number", "start", "end", "monthly_rent"]),
                },
            )

    def write_credentials(self) -> None:
        revoked, created = [], []
        for plan in self.plan.households:
            for held in plan.credentials_revoke:
                revoked.append(held.pk)
                self.note(
                    "credential.revoke",
                    ("households.credential", held.pk, f"{held.kind}:{held.ref}"),
                    {"kind": held.kind, "ref": held.ref},
                )
            for id_hash, kind, ref in plan.credentials_add:
                member = self.members[(plan.number, id_hash)]
                created.append(Credential(member=member, kind=kind, ref=ref, enrolled_at=self.now))
        # Revoked first: a credential may move to another member of the household.
        for chunk in in_chunks(revoked):
            Credential.objects.filter(pk__in=chunk).update(revoked_at=self.now)
        insert_all(Credential, created)
        new_members = {id(m) for m in self.new_members}
        for credential in created:
            if id(credential.member) in new_members:
                self.new_credentials.setdefault(id(credential.member), []).append(
                    f"{credential.kind}:{credential.ref}"
                )
                continue
            self.note(
                "credential.add",
                credential,
                {"member": credential.member.name, "kind": credential.kind, "ref": credential.ref},
            )


def insert_all(model, objs: list) -> None:
    """bulk_create for the big tables of a first import. Django's bulk_create spends
    most of its time assembling SQL in Python; this builds one multi-row INSERT …
    RETURNING per batch directly, converting each value as the ORM does, and sets the
    primary keys in order (which Django's own bulk_create also relies on)."""
    if not objs:
        return
    if not connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or 999
    batch = max(1, min(BATCH, limit // len(fields)))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch):
            chunk = objs[start : start + batch]
            params = []
            for obj in chunk:
                obj._prepare_related_fields_for_save(operation_name="bulk_create")
                params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
            cursor.execute(
                f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES "
                f"{', '.join([placeholders] * len(chunk))} RETURNING {qn(meta.pk.column)}",
                params,
            )
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def update_all(model, objs: list, fields: list[str]) -> None:
    """bulk_update for many rows: one UPDATE … WHERE pk = %s run with executemany,
    the values converted as the ORM does. Django's bulk_update builds a CASE
    expression per column per batch, which grows slow past a few thousand rows."""
    if not objs:
        return
    qn = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in columns)
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"
    rows = [
        [*(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns), obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def apply_plan(plan: Plan, *, actor, source: str, counts: dict, progress=None) -> None:
    _Writer(plan, actor=actor, source=source, progress=progress).run(counts)
