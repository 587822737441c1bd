"""The named cast every test uses, built through the real services.

Two streets, each with one community and one estate. Estate E1 (street A) is run by
operator O1 and served by property company P1; estate E2 (street B) by O2 and P2.
Alice's household lives in E1, Charlie's in E2. Every staff member below belongs to
the side of E1, so E2 and Charlie are out of scope for all but the district-wide roles."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from anju.core import services as core_services
from anju.core.models import AgencyFunction, Organisation, OrgKind, User
from anju.core.roles import Role
from anju.households import services as hh
from anju.households.models import Household, HouseholdStatus
from anju.housing.models import Building, Estate, Unit
from anju.housing.services import rent_standard_add

PASSWORD = "cast-password-2026!"

# Valid resident ID numbers (correct check digits), Changzhi area codes.
IDS = {
    "alice": "140402199001011243",
    "alice_child": "140402201503150024",
    "charlie": "140404198507070011",
    "bob": "14040319771212003X",
}


@dataclass
class Cast:
    authority: Organisation
    street_a: Organisation
    street_b: Organisation
    community_a: Organisation
    community_b: Organisation
    operator_1: Organisation
    operator_2: Organisation
    property_1: Organisation
    property_2: Organisation
    agency: Organisation
    e1: Estate
    e2: Estate
    unit_a: Unit
    unit_c: Unit
    vacant_e1: Unit
    alice_household: Household
    charlie_household: Household
    users: dict[str, User]

    def __getattr__(self, name):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


ROLE_USERS = {
    "officer": Role.AUTHORITY_OFFICER,
    "street": Role.STREET_REVIEWER,
    "community": Role.COMMUNITY_WORKER,
    "operator": Role.OPERATOR_CLERK,
    "repairer": Role.PROPERTY_STAFF,
    "propmgr": Role.PROPERTY_MANAGER,
    "agency": Role.PARTNER_AGENCY,
    "auditor": Role.AUDITOR,
    "sysadmin": Role.SYSTEM_ADMIN,
    "secadmin": Role.SECURITY_ADMIN,
    "alice": Role.TENANT,
    "charlie": Role.TENANT,
}


def _org(code, name, kind, parent=None, **extra):
    return Organisation.objects.create(code=code, name=name, kind=kind, parent=parent, **extra)


def _estate(code, name, community, operator, prop, actor):
    estate = Estate.objects.create(
        code=code, name=name, community=community, operator=operator, property_company=prop
    )
    rent_standard_add(
        estate,
        actor=actor,
        price_per_m2=Decimal("10.00"),
        effective_from=date(2024, 1, 1),
        source="cast",
    )
    building = Building.objects.create(estate=estate, number="01", floors=3, units_per_floor=2)
    units = [
        Unit.objects.create(
            code=f"{code}-01-{f:02d}{p:02d}",
            estate=estate,
            building=building,
            floor=f,
            position=p,
            area_m2=Decimal("45.50"),
            rooms=2,
        )
        for f in range(1, 4)
        for p in range(1, 3)
    ]
    return estate, units


def _household(number, estate, unit, head_name, head_id, actor, extra=()):
    household = hh.household_create(
        actor=actor,
        number=number,
        category="low_income",
        community=estate.community,
        status=HouseholdStatus.WAITING,
    )
    hh.member_add(
        household,
        actor=actor,
        name=head_name,
        id_number=head_id,
        relation="head",
        phone="13800000000" if number.endswith("A") else "13900000000",
        monthly_income=Decimal("1500"),
    )
    for name, id_number, relation in extra:
        hh.member_add(household, actor=actor, name=name, id_number=id_number, relation=relation)
    hh.lease_start(
        household,
        actor=actor,
        unit=unit,
        number=f"L-{number}",
        start=date(2025, 1, 1),
        end=date(2028, 1, 1),
        monthly_rent=Decimal("455.00"),
    )
    household.refresh_from_db()
    return household


def build_cast() -> Cast:
    authority = _org("AUTH", "长治市L区住房保障中心", OrgKind.AUTHORITY)
    street_a = _org("SA", "英雄南路街道", OrgKind.STREET, authority)
    street_b = _org("SB", "太行东街街道", OrgKind.STREET, authority)
    community_a = _org("CA", "康乐社区", OrgKind.COMMUNITY, street_a)
    community_b = _org("CB", "太行社区", OrgKind.COMMUNITY, street_b)
    operator_1 = _org("O1", "安居运营公司", OrgKind.OPERATOR, authority)
    operator_2 = _org("O2", "宏达运营公司", OrgKind.OPERATOR, authority)
    property_1 = _org("P1", "康居物业", OrgKind.PROPERTY, authority)
    property_2 = _org("P2", "宏达物业", OrgKind.PROPERTY, authority)
    agency = _org(
        "AG", "民政局", OrgKind.AGENCY, authority, agency_function=AgencyFunction.CIVIL_AFFAIRS
    )

    orgs = {
        Role.AUTHORITY_OFFICER: authority,
        Role.STREET_REVIEWER: street_a,
        Role.COMMUNITY_WORKER: community_a,
        Role.OPERATOR_CLERK: operator_1,
        Role.PROPERTY_STAFF: property_1,
        Role.PROPERTY_MANAGER: property_1,
        Role.PARTNER_AGENCY: agency,
        Role.AUDITOR: authority,
        Role.SYSTEM_ADMIN: authority,
        Role.SECURITY_ADMIN: authority,
    }
    users = {}
    for username, role in ROLE_USERS.items():
        if role == Role.TENANT:
            continue
        users[username] = core_services.user_create(
            actor=None,
            username=username,
            full_name=username.title(),
            organisation=orgs[role],
            roles=[role],
            password=PASSWORD,
        )
    officer = users["officer"]
    e1, units_1 = _estate("E1", "康居苑", community_a, operator_1, property_1, officer)
    e2, units_2 = _estate("E2", "安泰小区", community_b, operator_2, property_2, officer)
    alice_household = _household(
        "HH-A",
        e1,
        units_1[0],
        "王小明",
        IDS["alice"],
        officer,
        extra=[("王乐乐", IDS["alice_child"], "child")],
    )
    charlie_household = _household("HH-C", e2, units_2[0], "张查理", IDS["charlie"], officer)
    for username, household in (("alice", alice_household), ("charlie", charlie_household)):
        users[username] = core_services.user_create(
            actor=None,
            username=username,
            full_name=username.title(),
            organisation=None,
            roles=[Role.TENANT],
            password=PASSWORD,
            household=household,
        )
    return Cast(
        authority=authority,
        street_a=street_a,
        street_b=street_b,
        community_a=community_a,
        community_b=community_b,
        operator_1=operator_1,
        operator_2=operator_2,
        property_1=property_1,
        property_2=property_2,
        agency=agency,
        e1=e1,
        e2=e2,
        unit_a=units_1[0],
        unit_c=units_2[0],
        vacant_e1=units_1[1],
        alice_household=alice_household,
        charlie_household=charlie_household,
        users=users,
    )
