"""Checking a ledger: row by row, then household by household across the file, then
against the database with a few set-based queries. A household is all-or-nothing:
when one of its rows is bad, every row of it is reported."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import F
from django.utils.translation import gettext as _

from anju.core.models import Organisation, OrgKind
from anju.households.models import (
    Credential,
    Household,
    HouseholdStatus,
    Lease,
    LeaseStatus,
    Member,
)
from anju.housing.models import Estate, Unit, UnitStatus

from .columns import HOUSEHOLD_COLUMNS, ROLE_HEAD
from .parse import MemberIn, ParsedRow, UnitIn, parse_row
from .read import LedgerFile
from .report import RowError

CHUNK = 2000


def in_chunks(values, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class HouseholdIn:
    number: str
    rows: list[ParsedRow]

    @property
    def first(self) -> ParsedRow:
        return self.rows[0]

    @property
    def unit(self) -> UnitIn:
        return self.first.unit

    @property
    def lines(self) -> list[int]:
        return [r.line for r in self.rows]

    @property
    def members(self) -> list[MemberIn]:
        return [r.member for r in self.rows if r.member]

    @property
    def head(self) -> MemberIn:
        return next(m for m in self.members if m.role == ROLE_HEAD)


@dataclass
class NewEstate:
    code: str
    name: str
    community: Organisation
    operator: Organisation
    property_company: Organisation
    line: int


class HeldCredential(NamedTuple):
    pk: int
    member_id: int
    kind: str
    ref: str


@dataclass
class World:
    """What the database holds that the file touches, loaded once."""

    estates: dict[str, Estate] = field(default_factory=dict)
    new_estates: dict[str, NewEstate] = field(default_factory=dict)
    streets: dict[str, list[Organisation]] = field(default_factory=dict)
    communities: dict[tuple[int, str], Organisation] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)  # annotated estate_code, building_number
    # (estate code, building no., floor, position) -> unit code, for every unit of the
    # file's estates: a new unit must not take an existing one's place.
    places: dict[tuple, str] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)  # annotated unit_code
    occupant: dict[str, str] = field(default_factory=dict)  # unit code -> household no.
    active_lease_on_unit: dict[str, str] = field(default_factory=dict)  # the same, by lease
    leases: dict[int, list[Lease]] = field(default_factory=dict)  # by household; unit_code
    members: dict[int, list[Member]] = field(default_factory=dict)  # current, by household
    person_household: dict[str, str] = field(default_factory=dict)  # id hash -> number
    credential_holder: dict[tuple[str, str], HeldCredential] = field(default_factory=dict)
    credentials: dict[int, list[HeldCredential]] = field(default_factory=dict)  # by member


@dataclass
class Checked:
    file: LedgerFile
    world: World
    households: list[HouseholdIn]  # the good ones
    vacant: list[UnitIn]  # the good vacant-unit rows
    errors: list[RowError]
    household_count: int
    vacant_count: int
    bad_households: int
    bad_vacant: int


class LedgerCheck:
    def __init__(
        self,
        file: LedgerFile,
        *,
        allow_new_estates: bool = False,
        only_estates: set[str] | None = None,
        progress=None,
    ):
        self.file = file
        self.allow_new_estates = allow_new_estates
        # A caller bound to some estates (an API key) may touch only those.
        self.only_estates = only_estates
        self.progress = progress
        self.errors: dict[int, list[RowError]] = defaultdict(list)
        self.world = World()

    def error(self, line: int, code: str, reason, household: str = "") -> None:
        reason = str(reason)
        if any(e.reason == reason for e in self.errors[line]):
            return
        self.errors[line].append(RowError(line, reason, code, household))

    # --- the run -------------------------------------------------------------------

    def run(self) -> Checked:
        rows = self._parse()
        households: dict[str, list[ParsedRow]] = {}
        vacant: list[ParsedRow] = []
        for row in rows:
            if row.household_no:
                households.setdefault(row.household_no, []).append(row)
            else:
                vacant.append(row)
        self._check_units_in_file(rows)
        for number, hh_rows in households.items():
            self._check_household_in_file(number, hh_rows)
        self._check_people_in_file(rows)
        self._load(rows)
        self._check_estates(rows)
        self._check_units_in_db(rows)
        for number, hh_rows in households.items():
            self._check_household_in_db(number, hh_rows)
        for row in vacant:
            self._check_vacant_in_db(row)
        return self._result(households, vacant)

    def _parse(self) -> list[ParsedRow]:
        rows = []
        total = len(self.file.rows)
        for index, raw in enumerate(self.file.rows, start=1):
            row = parse_row(raw)
            for code, reason in row.errors:
                self.error(row.line, code, reason, row.household_no)
            rows.append(row)
            if self.progress and index % 1000 == 0:
                self.progress(index, total)
        return rows

    def _result(self, households, vacant) -> Checked:
        good: list[HouseholdIn] = []
        bad_households = 0
        for number, hh_rows in households.items():
            bad_lines = [r.line for r in hh_rows if self.errors.get(r.line)]
            if not bad_lines:
                good.append(HouseholdIn(number, hh_rows))
                continue
            bad_households += 1
            listed = ", ".join(str(n) for n in bad_lines)
            for row in hh_rows:
                if not self.errors.get(row.line):
                    self.error(
                        row.line,
                        "household_has_errors",
                        _("Household %(number)s has errors on line %(lines)s.")
                        % {"number": number, "lines": listed},
                        number,
                    )
        good_vacant = [r.unit for r in vacant if not self.errors.get(r.line)]
        errors = [e for line in sorted(self.errors) for e in self.errors[line]]
        # A new estate is created only for the rows that will be written.
        needed = {h.unit.estate_code for h in good} | {u.estate_code for u in good_vacant}
        self.world.new_estates = {
            code: estate for code, estate in self.world.new_estates.items() if code in needed
        }
        return Checked(
            file=self.file,
            world=self.world,
            households=good,
            vacant=good_vacant,
            errors=errors,
            household_count=len(households),
            vacant_count=len(vacant),
            bad_households=bad_households,
            bad_vacant=len(vacant) - len(good_vacant),
        )

    # --- rules across the file -----------------------------------------------------

    def _check_units_in_file(self, rows: list[ParsedRow]) -> None:
        first: dict[str, ParsedRow] = {}
        users: dict[str, list[tuple[str, int]]] = defaultdict(list)  # unit -> (who, line)
        for row in rows:
            code = row.unit.code
            if not code:
                continue
            if code not in first:
                first[code] = row
            elif _differs(first[code].unit.describe(), row.unit.describe()):
                self.error(
                    row.line,
                    "unit_disagrees",
                    _("Unit %(unit)s is described differently on line %(line)s.")
                    % {"unit": code, "line": first[code].line},
                    row.household_no,
                )
            who = row.household_no or ""
            if not any(w == who and who for w, _line in users[code]):
                users[code].append((who, row.line))
        for code, holders in users.items():
            if len(holders) < 2:
                continue
            for who, line in holders:
                others = ", ".join(str(other) for w, other in holders if other != line)
                self.error(
                    line,
                    "unit_twice",
                    _(
                        "Unit %(unit)s is also listed on line %(lines)s for another household "
                        "or as vacant."
                    )
                    % {"unit": code, "lines": others},
                    who,
                )

    def _check_household_in_file(self, number: str, rows: list[ParsedRow]) -> None:
        reference = rows[0]
        ref_values = reference.household_values()
        for row in rows[1:]:
            values = row.household_values()
            for column in HOUSEHOLD_COLUMNS:
                a, b = ref_values[column], values[column]
                if a not in (None, "") and b not in (None, "") and a != b:
                    self.error(
                        row.line,
                        "household_disagrees",
                        _("Household %(number)s: %(column)s differs from line %(line)s.")
                        % {"number": number, "column": column, "line": reference.line},
                        number,
                    )
        heads = [r for r in rows if r.member and r.member.role == ROLE_HEAD]
        if not heads and all(r.member for r in rows):
            self.error(
                reference.line,
                "no_head",
                _("Household %(number)s has no head (a row with member_role head).")
                % {"number": number},
                number,
            )
        for row in heads[1:]:
            self.error(
                row.line,
                "two_heads",
                _("Household %(number)s already has a head on line %(line)s.")
                % {"number": number, "line": heads[0].line},
                number,
            )

    def _check_people_in_file(self, rows: list[ParsedRow]) -> None:
        people: dict[str, list[ParsedRow]] = defaultdict(list)
        holders: dict[tuple[str, str], list[ParsedRow]] = defaultdict(list)
        for row in rows:
            if not row.member:
                continue
            people[row.member.id_hash].append(row)
            for credential in row.member.credentials or ():
                holders[credential].append(row)
        for same in people.values():
            if len(same) < 2:
                continue
            for row in same:
                others = ", ".join(str(o.line) for o in same if o is not row)
                self.error(
                    row.line,
                    "person_twice",
                    _("The same person (ID number) is also on line %(lines)s.") % {"lines": others},
                    row.household_no,
                )
        for (kind, ref), same in holders.items():
            if len({r.member.id_hash for r in same}) < 2:
                continue
            for row in same:
                others = ", ".join(str(o.line) for o in same if o is not row)
                self.error(
                    row.line,
                    "credential_twice",
                    _("Credential %(credential)s is also given on line %(lines)s.")
                    % {"credential": f"{kind}:{ref}", "lines": others},
                    row.household_no,
                )

    # --- the database --------------------------------------------------------------

    def _load(self, rows: list[ParsedRow]) -> None:
        w = self.world
        estate_codes = {r.unit.estate_code for r in rows if r.unit.estate_code}
        unit_codes = {r.unit.code for r in rows if r.unit.code}
        numbers = {r.household_no for r in rows if r.household_no}
        hashes = {r.member.id_hash for r in rows if r.member}
        refs = {ref for r in rows if r.member for _kind, ref in r.member.credentials or ()}
        street_names = {r.unit.street for r in rows if r.unit.street}

        for chunk in in_chunks(estate_codes):
            for estate in Estate.objects.filter(code__in=chunk).select_related("community__parent"):
                w.estates[estate.code] = estate
        for street in Organisation.objects.filter(kind=OrgKind.STREET, name__in=street_names):
            w.streets.setdefault(street.name, []).append(street)
        street_ids = [s.pk for group in w.streets.values() for s in group]
        for community in Organisation.objects.filter(
            kind=OrgKind.COMMUNITY, parent_id__in=street_ids
        ):
            w.communities[(community.parent_id, community.name)] = community
        for chunk in in_chunks(unit_codes):
            for unit in Unit.objects.filter(code__in=chunk).annotate(
                estate_code=F("estate__code"), building_number=F("building__number")
            ):
                w.units[unit.code] = unit
        for code, number, floor, position, unit_code in Unit.objects.filter(
            estate__code__in=estate_codes
        ).values_list("estate__code", "building__number", "floor", "position", "code"):
            w.places[(code, number, floor, position)] = unit_code
        for chunk in in_chunks(numbers):
            for household in Household.objects.filter(number__in=chunk).annotate(
                unit_code=F("unit__code")
            ):
                w.households[household.number] = household
        for chunk in in_chunks(unit_codes):
            w.occupant.update(
                Household.objects.filter(unit__code__in=chunk).values_list("unit__code", "number")
            )
            w.active_lease_on_unit.update(
                Lease.objects.filter(unit__code__in=chunk, status=LeaseStatus.ACTIVE).values_list(
                    "unit__code", "household__number"
                )
            )
        household_ids = [h.pk for h in w.households.values()]
        for chunk in in_chunks(household_ids):
            for lease in Lease.objects.filter(household_id__in=chunk).annotate(
                unit_code=F("unit__code")
            ):
                w.leases.setdefault(lease.household_id, []).append(lease)
            for member in Member.objects.current().filter(household_id__in=chunk):
                w.members.setdefault(member.household_id, []).append(member)
        for chunk in in_chunks(hashes):
            for id_hash, number in (
                Member.objects.current()
                .filter(id_number_hash__in=chunk)
                .values_list("id_number_hash", "household__number")
            ):
                w.person_household[id_hash] = number
        fields = ("pk", "member_id", "kind", "ref")
        for chunk in in_chunks(refs):
            for held in Credential.objects.filter(
                ref__in=chunk, revoked_at__isnull=True
            ).values_list(*fields):
                held = HeldCredential(*held)
                w.credential_holder[(held.kind, held.ref)] = held
        member_ids = [m.pk for group in w.members.values() for m in group]
        for chunk in in_chunks(member_ids):
            for held in Credential.objects.filter(
                member_id__in=chunk, revoked_at__isnull=True
            ).values_list(*fields):
                held = HeldCredential(*held)
                w.credentials.setdefault(held.member_id, []).append(held)

    def _check_estates(self, rows: list[ParsedRow]) -> None:
        w = self.world
        operator = property_company = None
        for row in rows:
            unit = row.unit
            who = row.household_no
            community = self._community(row)
            code = unit.estate_code
            if not code:
                continue
            if self.only_estates is not None and code not in self.only_estates:
                self.error(
                    row.line,
                    "out_of_scope",
                    _("Estate %(code)s is outside the estates you may import for.")
                    % {"code": code},
                    who,
                )
                continue
            estate = w.estates.get(code)
            if estate is not None:
                if community is not None and community.pk != estate.community_id:
                    self.error(
                        row.line,
                        "community_mismatch",
                        _("Estate %(code)s belongs to community %(community)s, not %(name)s.")
                        % {
                            "code": code,
                            "community": estate.community.name,
                            "name": unit.community,
                        },
                        who,
                    )
                continue
            if not unit.estate_name:
                self.error(
                    row.line,
                    "unknown_estate",
                    _(
                        "Unknown estate code %(code)s (to create the estate, give its "
                        "estate_name and allow new estates)."
                    )
                    % {"code": code},
                    who,
                )
                continue
            if not self.allow_new_estates:
                self.error(
                    row.line,
                    "unknown_estate",
                    _(
                        "Unknown estate code %(code)s (to create the estate “%(name)s”, allow "
                        "new estates)."
                    )
                    % {"code": code, "name": unit.estate_name},
                    who,
                )
                continue
            if operator is None:
                operator = _first_org(OrgKind.OPERATOR)
                property_company = _first_org(OrgKind.PROPERTY)
            if operator is None or property_company is None:
                self.error(
                    row.line,
                    "no_operator",
                    _(
                        "No operating company or property company exists to run the new "
                        "estate %(code)s; add them first."
                    )
                    % {"code": code},
                    who,
                )
                continue
            if community is None:
                continue
            known = w.new_estates.get(code)
            if known is None:
                w.new_estates[code] = NewEstate(
                    code=code,
                    name=unit.estate_name,
                    community=community,
                    operator=operator,
                    property_company=property_company,
                    line=row.line,
                )
            elif known.name != unit.estate_name or known.community.pk != community.pk:
                self.error(
                    row.line,
                    "estate_disagrees",
                    _("The new estate %(code)s is described differently on line %(line)s.")
                    % {"code": code, "line": known.line},
                    who,
                )

    def _community(self, row: ParsedRow) -> Organisation | None:
        unit = row.unit
        if not (unit.street and unit.community):
            return None
        streets = self.world.streets.get(unit.street, [])
        if not streets:
            self.error(
                row.line,
                "unknown_street",
                _("No street office is named %(name)s.") % {"name": unit.street},
                row.household_no,
            )
            return None
        found = [
            c
            for s in streets
            if (c := self.world.communities.get((s.pk, unit.community))) is not None
        ]
        if len(found) != 1:
            self.error(
                row.line,
                "unknown_community",
                _("No community named %(name)s exists under street office %(street)s.")
                % {"name": unit.community, "street": unit.street}
                if not found
                else _(
                    "Several communities named %(name)s exist under street offices named "
                    "%(street)s."
                )
                % {"name": unit.community, "street": unit.street},
                row.household_no,
            )
            return None
        return found[0]

    def _check_units_in_db(self, rows: list[ParsedRow]) -> None:
        w = self.world
        new_places: dict[tuple, str] = {}
        for row in rows:
            unit = row.unit
            if not unit.code:
                continue
            existing = w.units.get(unit.code)
            if existing is None:
                if None in (unit.floor, unit.position) or not unit.building_no:
                    continue
                place = (unit.estate_code, unit.building_no, unit.floor, unit.position)
                other = w.places.get(place) or new_places.setdefault(place, unit.code)
                if other != unit.code:
                    self.error(
                        row.line,
                        "unit_place_taken",
                        _(
                            "Unit %(unit)s would take the place of unit %(other)s (same "
                            "building, floor and position)."
                        )
                        % {"unit": unit.code, "other": other},
                        row.household_no,
                    )
                continue
            if unit.estate_code and existing.estate_code != unit.estate_code:
                self.error(
                    row.line,
                    "unit_other_estate",
                    _("Unit %(unit)s belongs to estate %(estate)s in the database.")
                    % {"unit": unit.code, "estate": existing.estate_code},
                    row.household_no,
                )
            elif (unit.building_no and existing.building_number != unit.building_no) or (
                unit.floor is not None and existing.floor != unit.floor
            ):
                self.error(
                    row.line,
                    "unit_place_differs",
                    _(
                        "Unit %(unit)s is in building %(building)s on floor %(floor)s in the "
                        "database."
                    )
                    % {
                        "unit": unit.code,
                        "building": existing.building_number,
                        "floor": existing.floor,
                    },
                    row.household_no,
                )

    def _check_household_in_db(self, number: str, rows: list[ParsedRow]) -> None:
        w = self.world
        first = rows[0]
        unit_code = first.unit.code
        existing = w.households.get(number)
        line = first.line
        if existing is not None:
            if existing.status == HouseholdStatus.EXITED or existing.closed_at:
                self.error(
                    line,
                    "household_closed",
                    _("Household %(number)s has exited or its archive is closed.")
                    % {"number": number},
                    number,
                )
            leases = w.leases.get(existing.pk, [])
            active = next((le for le in leases if le.status == LeaseStatus.ACTIVE), None)
            current_unit = existing.unit_code or (active.unit_code if active else None)
            if current_unit and unit_code and current_unit != unit_code:
                self.error(
                    line,
                    "household_elsewhere",
                    _(
                        "Household %(number)s lives in unit %(unit)s in the database; move it "
                        "with an exchange, not through the ledger."
                    )
                    % {"number": number, "unit": current_unit},
                    number,
                )
            elif first.lease_start and unit_code:
                same = next(
                    (
                        le
                        for le in leases
                        if le.unit_code == unit_code and le.start == first.lease_start
                    ),
                    None,
                )
                if same is not None and same.status != LeaseStatus.ACTIVE:
                    self.error(
                        line,
                        "lease_ended",
                        _("The lease of %(number)s from %(start)s has ended in the database.")
                        % {"number": number, "start": first.lease_start},
                        number,
                    )
                elif same is None and active is not None and active.start > first.lease_start:
                    self.error(
                        line,
                        "lease_earlier",
                        _(
                            "The lease in the file starts before the current lease (from "
                            "%(start)s); correct it on the lease's page."
                        )
                        % {"start": active.start},
                        number,
                    )
        unit = w.units.get(unit_code)
        if unit is not None:
            occupant = w.occupant.get(unit_code)
            lease = w.active_lease_on_unit.get(unit_code)
            other = next((n for n in (occupant, lease) if n and n != number), None)
            if other:
                self.error(
                    line,
                    "unit_let",
                    _("Unit %(unit)s is let to household %(number)s in the database.")
                    % {"unit": unit_code, "number": other},
                    number,
                )
            elif occupant is None and unit.status not in (
                UnitStatus.VACANT,
                UnitStatus.RESERVED,
                UnitStatus.OCCUPIED,
            ):
                self.error(
                    line,
                    "unit_unavailable",
                    _("Unit %(unit)s is not available: its status is %(status)s.")
                    % {"unit": unit_code, "status": UnitStatus(unit.status).label},
                    number,
                )
        own = {m.pk for m in w.members.get(existing.pk, [])} if existing else set()
        for row in rows:
            member = row.member
            if member is None:
                continue
            elsewhere = w.person_household.get(member.id_hash)
            if elsewhere and elsewhere != number:
                self.error(
                    row.line,
                    "person_in_other_household",
                    _("This person is already a current member of household %(number)s.")
                    % {"number": elsewhere},
                    number,
                )
            for kind, ref in member.credentials or ():
                holder = w.credential_holder.get((kind, ref))
                if holder is not None and holder.member_id not in own:
                    self.error(
                        row.line,
                        "credential_taken",
                        _("Credential %(credential)s is enrolled for someone in another household.")
                        % {"credential": f"{kind}:{ref}"},
                        number,
                    )

    def _check_vacant_in_db(self, row: ParsedRow) -> None:
        code = row.unit.code
        other = self.world.occupant.get(code) or self.world.active_lease_on_unit.get(code)
        if other:
            self.error(
                row.line,
                "unit_let",
                _(
                    "Unit %(unit)s is let to household %(number)s in the database, but the "
                    "ledger shows it vacant."
                )
                % {"unit": code, "number": other},
            )


def _differs(a: tuple, b: tuple) -> bool:
    return any(x is not None and y is not None and x != y for x, y in zip(a, b, strict=True))


def _first_org(kind: str) -> Organisation | None:
    return Organisation.objects.filter(kind=kind, is_active=True).order_by("code").first()


def check_ledger(
    file: LedgerFile,
    *,
    allow_new_estates: bool = False,
    only_estates: set[str] | None = None,
    progress=None,
) -> Checked:
    return LedgerCheck(
        file, allow_new_estates=allow_new_estates, only_estates=only_estates, progress=progress
    ).run()
