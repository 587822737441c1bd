"""The plan of a synthetic L District: every organisation, estate, unit, household and
member as plain Python data, drawn from one `random.Random(seed)`.

Nothing here touches the database, so the same seed always gives the same plan and
tests can compare plans directly. `district.py` writes a plan to the database. All
dates are counted back from BASE_DATE, never from today."""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from . import names as N
from .base import BASE_DATE, TZ, years_before
from .people import MemberPlan, People

__all__ = ["BASE_DATE", "TZ", "DistrictPlan", "MemberPlan", "plan_district"]

UNITS_PER_ESTATE = 500
MIN_ESTATES = 6
MIN_UNITS = 60
MAX_BUILDING_UNITS = 33 * 6

# Shares of the household categories, in per cent.
CATEGORY_WEIGHTS = {
    "low_income": 35,
    "lower_middle": 30,
    "new_employee": 15,
    "migrant_worker": 15,
    "special": 5,
}
# Status of units nobody lives in.
EMPTY_STATUS_WEIGHTS = {"vacant": 65, "reserved": 10, "under_repair": 15, "withheld": 10}


@dataclass(slots=True)
class OrgPlan:
    code: str
    name: str
    kind: str
    parent: str | None
    phone: str = ""
    address: str = ""
    agency_function: str = ""


@dataclass(slots=True)
class EstatePlan:
    code: str
    name: str
    address: str
    community: str
    operator: str
    property_company: str
    completed_year: int
    price_per_m2: Decimal
    old_price_per_m2: Decimal
    pk: int | None = None


@dataclass(slots=True)
class BuildingPlan:
    estate: int
    number: str
    floors: int
    units_per_floor: int
    has_lift: bool
    pk: int | None = None


@dataclass(slots=True)
class UnitPlan:
    code: str
    estate: int
    building: int
    floor: int
    position: int
    area_m2: Decimal
    rooms: int
    orientation: str
    accessible: bool
    accessibility_notes: str
    status: str = "vacant"
    status_changed_at: datetime | None = None
    pk: int | None = None


@dataclass(slots=True)
class HouseholdPlan:
    category: str
    unit: int
    created_at: datetime
    members: list[MemberPlan]
    lease_start: date
    lease_end: date
    monthly_rent: Decimal
    number: str = ""
    lease_number: str = ""
    pk: int | None = None


@dataclass(slots=True)
class UserPlan:
    username: str
    full_name: str
    role: str
    organisation: str
    household: int | None = None


@dataclass
class DistrictPlan:
    seed: int
    orgs: list[OrgPlan] = field(default_factory=list)
    estates: list[EstatePlan] = field(default_factory=list)
    buildings: list[BuildingPlan] = field(default_factory=list)
    units: list[UnitPlan] = field(default_factory=list)
    households: list[HouseholdPlan] = field(default_factory=list)
    users: list[UserPlan] = field(default_factory=list)

    @property
    def members(self):
        for household in self.households:
            yield from household.members


def plan_district(units: int, seed: int) -> DistrictPlan:
    if units < MIN_UNITS:
        raise ValueError(f"A district needs at least {MIN_UNITS} units.")
    return _Planner(seed).build(units)


class _Planner:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.plan = DistrictPlan(seed=seed)
        self.streets: list[OrgPlan] = []

    def build(self, units: int) -> DistrictPlan:
        self._organisations()
        self._estates(units)
        self._households()
        self._number_households()
        self._users()
        return self.plan

    # --- Organisations ------------------------------------------------------------

    def _org(self, code, name, kind, parent, address=True) -> OrgPlan:
        rng = self.rng
        org = OrgPlan(
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            phone=f"{N.PHONE_AREA}-{rng.randint(2000000, 8999999)}",
            address=self._address() if address else "",
        )
        self.plan.orgs.append(org)
        return org

    def _address(self) -> str:
        return f"{N.CITY}{N.DISTRICT}{self.rng.choice(N.ROADS)}{self.rng.randint(1, 399)}号"

    def _organisations(self) -> None:
        rng = self.rng
        authority = self._org(*N.AUTHORITY, "authority", None).code
        street_names = rng.sample(N.STREETS, rng.randint(4, 6))
        community_names = rng.sample(N.COMMUNITIES, len(N.COMMUNITIES))
        self.communities: list[OrgPlan] = []
        for i, street_name in enumerate(street_names, 1):
            street = self._org(f"JD{i:02d}", f"{street_name}街道办事处", "street", authority)
            self.streets.append(street)
            for j in range(1, rng.randint(2, 4) + 1):
                name = f"{community_names.pop()}社区居委会"
                self.communities.append(
                    self._org(f"{street.code}-SQ{j:02d}", name, "community", street.code)
                )
        self.operators = [
            self._org(f"YY{i:02d}", name, "operator", authority)
            for i, name in enumerate(rng.sample(N.OPERATORS, 3), 1)
        ]
        self.property_companies = [
            self._org(f"WY{i:02d}", name, "property", authority)
            for i, name in enumerate(rng.sample(N.PROPERTY_COMPANIES, 3), 1)
        ]
        self.agencies = []
        for code, name, function in N.AGENCIES:
            agency = self._org(code, name, "agency", authority)
            agency.agency_function = function
            self.agencies.append(agency)
        self.people = People(rng, [street.name for street in self.streets])

    # --- Estates, buildings and units ---------------------------------------------

    def _estates(self, units: int) -> None:
        rng = self.rng
        count = max(MIN_ESTATES, round(units / UNITS_PER_ESTATE))
        sizes = _split(rng, units, count, low=10)
        prefixes = rng.sample(N.ESTATE_PREFIXES, len(N.ESTATE_PREFIXES))
        suffixes = {p: rng.choice(N.ESTATE_SUFFIXES) for p in prefixes}
        # HS01 sits in the first community of the first street, so that the demo
        # street reviewer and community worker both see it; the rest are spread out.
        order = [0, *rng.sample(range(1, len(self.communities)), len(self.communities) - 1)]
        for i, size in enumerate(sizes):
            prefix = prefixes[i % len(prefixes)]
            phase = i // len(prefixes)
            phase_name = N.PHASES[phase] if phase < len(N.PHASES) else f"{phase + 1}期"
            price = Decimal(rng.randint(80, 120)) / 10
            estate = EstatePlan(
                code=f"HS{i + 1:02d}",
                name=f"{prefix}{suffixes[prefix]}{phase_name}",
                address=self._address(),
                community=self.communities[order[i % len(order)]].code,
                operator=self.operators[i % 3].code,
                property_company=self.property_companies[(2 * i) % 3].code,
                completed_year=rng.randint(2010, 2022),
                price_per_m2=price.quantize(Decimal("0.01")),
                old_price_per_m2=(price - Decimal(rng.randint(5, 15)) / 10).quantize(
                    Decimal("0.01")
                ),
            )
            self.plan.estates.append(estate)
            self._buildings(i, size)

    def _buildings(self, estate_index: int, size: int) -> None:
        rng = self.rng
        estate = self.plan.estates[estate_index]
        count = max(math.ceil(size / MAX_BUILDING_UNITS), round(size / rng.uniform(60, 140)), 1)
        count = min(count, max(1, size // 12))
        while True:
            split = _split(rng, size, count, low=min(12, size // count), mixed=True)
            if max(split) <= MAX_BUILDING_UNITS:
                break
            count += 1
        for number, building_units in enumerate(split, 1):
            upf, floors = self._building_shape(building_units)
            building = BuildingPlan(
                estate=estate_index,
                number=f"{number:02d}",
                floors=floors,
                units_per_floor=upf,
                has_lift=floors > 6,
            )
            self.plan.buildings.append(building)
            b_index = len(self.plan.buildings) - 1
            # Every floor repeats the same layouts, as in a real building.
            layouts = [self._layout(pos, upf) for pos in range(1, upf + 1)]
            n = 0
            for floor in range(1, floors + 1):
                for pos in range(1, upf + 1):
                    if n == building_units:
                        break
                    n += 1
                    area, rooms, orientation = layouts[pos - 1]
                    accessible = floor == 1 and rng.random() < 0.35
                    self.plan.units.append(
                        UnitPlan(
                            code=f"{estate.code}-{building.number}-{floor:02d}{pos:02d}",
                            estate=estate_index,
                            building=b_index,
                            floor=floor,
                            position=pos,
                            area_m2=area,
                            rooms=rooms,
                            orientation=orientation,
                            accessible=accessible,
                            accessibility_notes=(
                                rng.choice(N.ACCESSIBILITY_NOTES) if accessible else ""
                            ),
                        )
                    )

    def _building_shape(self, n: int) -> tuple[int, int]:
        """(units per floor, floors) holding exactly n units; the top floor may be
        partly built when n has no convenient divisor."""
        rng = self.rng
        if n <= 36:  # a six-storey walk-up
            upf = min(6, max(2, math.ceil(n / 6)))
            return upf, math.ceil(n / upf)
        exact = [(u, n // u) for u in range(2, 7) if n % u == 0 and 6 <= n // u <= 33]
        if exact and rng.random() < 0.8:
            return rng.choice(exact)
        fits = [u for u in range(2, 7) if 6 <= math.ceil(n / u) <= 33]
        upf = rng.choice(fits) if fits else (2 if n < 12 else 6)
        return upf, math.ceil(n / upf)

    def _layout(self, pos: int, upf: int) -> tuple[Decimal, int, str]:
        rng = self.rng
        area = Decimal(rng.randint(3500, 6000)) / 100
        rooms = 1 if area < 42 else 2 if area >= 50 else rng.choice((1, 2))
        if upf == 2:
            orientation = "SN"
        elif pos == 1:
            orientation = rng.choice(("W", "SN"))
        elif pos == upf:
            orientation = rng.choice(("E", "SN"))
        else:
            orientation = "S" if pos % 2 else "N"
        return area, rooms, orientation

    # --- Households -----------------------------------------------------------------

    def _households(self) -> None:
        rng = self.rng
        by_estate: dict[int, list[int]] = {}
        for i, unit in enumerate(self.plan.units):
            by_estate.setdefault(unit.estate, []).append(i)
        categories = list(CATEGORY_WEIGHTS)
        weights = list(CATEGORY_WEIGHTS.values())
        empty_statuses = list(EMPTY_STATUS_WEIGHTS)
        empty_weights = list(EMPTY_STATUS_WEIGHTS.values())
        for estate_index, unit_indexes in by_estate.items():
            estate = self.plan.estates[estate_index]
            housed_count = round(len(unit_indexes) * rng.uniform(0.88, 0.93))
            housed = set(rng.sample(unit_indexes, housed_count))
            opened = date(estate.completed_year + 1, 3, 1)
            for i in unit_indexes:
                unit = self.plan.units[i]
                if i not in housed:
                    unit.status = rng.choices(empty_statuses, empty_weights)[0]
                    unit.status_changed_at = self._moment(BASE_DATE - _days(rng, 1, 400))
                    continue
                category = rng.choices(categories, weights)[0]
                term = 3 if rng.random() < 0.7 else 5
                earliest = max(opened, years_before(BASE_DATE, term) + timedelta(days=1))
                latest = BASE_DATE - timedelta(days=10)
                start = earliest + timedelta(days=rng.randint(0, max(0, (latest - earliest).days)))
                end = years_before(start, -term) - timedelta(days=1)
                created = self._moment(start - _days(rng, 45, 540))
                household = HouseholdPlan(
                    category=category,
                    unit=i,
                    created_at=created,
                    members=self.people.household(category, created.date()),
                    lease_start=start,
                    lease_end=end,
                    monthly_rent=(unit.area_m2 * estate.price_per_m2).quantize(
                        Decimal("0.01"), ROUND_HALF_UP
                    ),
                )
                self.plan.households.append(household)
                if rng.random() < 0.01:
                    unit.status = "vacating"
                    unit.status_changed_at = self._moment(BASE_DATE - _days(rng, 1, 40))
                else:
                    unit.status = "occupied"
                    unit.status_changed_at = datetime.combine(start, time(10), TZ)

    def _number_households(self) -> None:
        """Household and lease numbers count up through each year in date order."""
        households = self.plan.households
        per_year: dict[int, int] = {}
        for h in sorted(households, key=lambda h: (h.created_at, h.unit)):
            year = h.created_at.year
            per_year[year] = per_year.get(year, 0) + 1
            h.number = f"LQ-{year}-{per_year[year]:05d}"
        per_year.clear()
        for h in sorted(households, key=lambda h: (h.lease_start, h.unit)):
            year = h.lease_start.year
            per_year[year] = per_year.get(year, 0) + 1
            h.lease_number = f"L{year}-{per_year[year]:06d}"

    def _moment(self, day: date) -> datetime:
        rng = self.rng
        return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), TZ)

    # --- Demo log-ins -----------------------------------------------------------------

    def _users(self) -> None:
        plan = self.plan
        hs01 = plan.estates[0]
        first_street = self.streets[0].code
        first_community = next(o.code for o in plan.orgs if o.parent == first_street)
        authority = N.AUTHORITY[0]
        staff = [
            ("officer", "authority_officer", authority),
            ("street", "street_reviewer", first_street),
            ("community", "community_worker", first_community),
            ("operator", "operator_clerk", hs01.operator),
            ("property", "property_staff", hs01.property_company),
            ("propmgr", "property_manager", hs01.property_company),
            ("agency", "partner_agency", "AG-MZ"),
            ("auditor", "auditor", authority),
            ("sysadmin", "system_admin", authority),
            ("secadmin", "security_admin", authority),
        ]
        for username, role, org in staff:
            plan.users.append(UserPlan(username, N.DEMO_STAFF_NAMES[username], role, org))
        # The tenant lives in the lowest-numbered housed unit of HS01.
        index = min(
            (i for i, h in enumerate(plan.households) if plan.units[h.unit].estate == 0),
            key=lambda i: plan.units[plan.households[i].unit].code,
        )
        head = plan.households[index].members[0]
        plan.users.append(UserPlan("tenant", head.name, "tenant", hs01.community, index))


def _split(rng: random.Random, total: int, parts: int, *, low: int, mixed=False) -> list[int]:
    """Split `total` into `parts` random sizes, each at least `low`, summing exactly.
    `mixed` makes some parts much smaller (walk-ups among the towers)."""
    if mixed:
        weights = [rng.choice((0.3, 1, 1, 1, 1.5)) * rng.uniform(0.8, 1.2) for _ in range(parts)]
    else:
        weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    scale = (total - low * parts) / sum(weights)
    sizes = [low + int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % parts] += 1
    return sizes


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))
