"""The legacy-ledger import: good files, re-imports, corrections, and every kind of bad
row, each reported with its line number."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from stdnum.cn import ric

from anju.core.models import AuditEntry, Organisation, OrgKind, TimelineEntry, User
from anju.households.ledger import ledger_check, ledger_import
from anju.households.ledger.columns import COLUMNS
from anju.households.models import Credential, Household, Lease, LeaseStatus, Member
from anju.housing.models import Building, Estate, Unit, UnitStatus

pytestmark = pytest.mark.django_db


def make_id(region: str = "140402", birth: str = "19850312", seq: int = 1) -> str:
    body = f"{region}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def wrong_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


IDS = {
    "wang": make_id(seq=11),
    "li": make_id(birth="19870704", seq=22),
    "wang_child": make_id(birth="20120101", seq=33),
    "zhang": make_id(region="140411", birth="19700909", seq=15),
    "zhao": make_id(region="140411", birth="19920202", seq=26),
    "sun": make_id(birth="19660606", seq=37),
}


@pytest.fixture
def district(db):
    """The organisations and two estates a ledger refers to; no units yet."""
    authority = Organisation.objects.create(code="AUTH", name="住房保障中心", kind=OrgKind.AUTHORITY)
    street_a = Organisation.objects.create(
        code="SA", name="英雄南路街道", kind=OrgKind.STREET, parent=authority
    )
    street_b = Organisation.objects.create(
        code="SB", name="太行东街街道", kind=OrgKind.STREET, parent=authority
    )
    community_a = Organisation.objects.create(
        code="CA", name="康乐社区", kind=OrgKind.COMMUNITY, parent=street_a
    )
    community_b = Organisation.objects.create(
        code="CB", name="太行社区", kind=OrgKind.COMMUNITY, parent=street_b
    )
    operator = Organisation.objects.create(
        code="O1", name="安居运营公司", kind=OrgKind.OPERATOR, parent=authority
    )
    prop = Organisation.objects.create(
        code="P1", name="康居物业", kind=OrgKind.PROPERTY, parent=authority
    )
    e01 = Estate.objects.create(
        code="E01", name="康居苑", community=community_a, operator=operator, property_company=prop
    )
    e02 = Estate.objects.create(
        code="E02", name="安泰小区", community=community_b, operator=operator, property_company=prop
    )
    officer = User.objects.create_user("ledger-officer", password="x" * 12)
    return {
        "officer": officer,
        "e01": e01,
        "e02": e02,
        "street_a": street_a,
        "community_a": community_a,
        "operator": operator,
        "property": prop,
    }


E01 = {
    "estate_code": "E01",
    "estate_name": "康居苑",
    "street": "英雄南路街道",
    "community": "康乐社区",
    "building_no": "03",
}
E02 = {
    "estate_code": "E02",
    "estate_name": "安泰小区",
    "street": "太行东街街道",
    "community": "太行社区",
    "building_no": "01",
}


def unit_row(estate, unit_code, floor, area="55.20", rooms="2"):
    return {**estate, "unit_code": unit_code, "floor": str(floor), "area_m2": area, "rooms": rooms}


def member_row(unit, household, role, name, id_number, relation, **more):
    return {
        **unit,
        "household_no": household,
        "category": more.pop("category", "low_income"),
        "lease_start": more.pop("lease_start", "2023-01-01"),
        "lease_end": more.pop("lease_end", "2025-12-31"),
        "monthly_rent": more.pop("monthly_rent", "496.80"),
        "member_role": role,
        "name": name,
        "id_number": id_number,
        "relation": relation,
        "phone": more.pop("phone", ""),
        "monthly_income": more.pop("monthly_income", "1500"),
        "credential_refs": more.pop("credential_refs", ""),
        **more,
    }


def good_rows():
    """Three households across two estates and one vacant unit."""
    u1 = unit_row(E01, "E01-03-1502", 15)
    u2 = unit_row(E01, "E01-03-1601", 16, area="42.00", rooms="1")
    u3 = unit_row(E02, "E02-01-0301", 3, area="60.50", rooms="2")
    vacant = unit_row(E01, "E01-03-1602", 16, area="42.00", rooms="1")
    return [
        member_row(
            u1,
            "H2019-001",
            "head",
            "王建国",
            IDS["wang"],
            "head",
            phone="13803550001",
            credential_refs="card:A1001;face:F-77",
            note="三楼走廊",
        ),
        member_row(u1, "H2019-001", "member", "李秀英", IDS["li"], "spouse", monthly_income="800"),
        member_row(u1, "H2019-001", "member", "王小明", IDS["wang_child"], "child", monthly_income=""),
        member_row(
            u2,
            "H2020-017",
            "head",
            "张伟",
            IDS["zhang"],
            "head",
            category="new_employee",
            lease_start="2024/03/01",
            lease_end="2027/02/28",
            monthly_rent="378",
            credential_refs="B2002",
        ),
        member_row(
            u3,
            "H2021-005",
            "head",
            "赵敏",
            IDS["zhao"],
            "head",
            category="migrant_worker",
            monthly_rent="544.50",
        ),
        {**vacant},
    ]


def to_csv(rows, *, extra=("note",), encoding="utf-8", bom=False) -> bytes:
    header = list(COLUMNS) + [c for c in extra if any(c in r for r in rows)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, restval="", extrasaction="raise")
    writer.writeheader()
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def run(rows, district, **kwargs):
    return ledger_import(to_csv(rows), actor=district["officer"], name="ledger.csv", **kwargs)


def counts():
    return {
        "households": Household.objects.count(),
        "members": Member.objects.count(),
        "current": Member.objects.current().count(),
        "units": Unit.objects.count(),
        "buildings": Building.objects.count(),
        "leases": Lease.objects.count(),
        "credentials": Credential.objects.filter(revoked_at__isnull=True).count(),
        "audit": AuditEntry.objects.count(),
        "timeline": TimelineEntry.objects.count(),
    }


def errors_by_line(report):
    found = {}
    for error in report.errors:
        found.setdefault(error.line, []).append(error.code)
    return found


# --- A good file ------------------------------------------------------------------------


def test_good_file_imports_households_units_and_leases(district):
    report = run(good_rows(), district)

    assert report.errors == []
    assert report.written
    assert report.created == {
        "estates": 0,
        "buildings": 2,
        "units": 4,
        "households": 3,
        "members": 5,
        "leases": 3,
        "credentials": 3,
    }
    wang = Household.objects.get(number="H2019-001")
    assert wang.status == "tenant"
    assert wang.unit.code == "E01-03-1502"
    assert wang.estate == district["e01"]
    assert wang.community == district["community_a"]
    assert wang.head.name == "王建国"
    assert wang.notes == {"note": "三楼走廊"}
    assert wang.members.count() == 3
    lease = wang.leases.get()
    assert lease.status == LeaseStatus.ACTIVE
    assert lease.number == "LEDGER-H2019-001-20230101"
    assert (lease.start, lease.end, lease.monthly_rent) == (
        date(2023, 1, 1),
        date(2025, 12, 31),
        Decimal("496.80"),
    )
    assert wang.unit.status == UnitStatus.OCCUPIED
    head = wang.head
    assert head.reveal_id_number() == IDS["wang"]
    assert head.reveal_phone() == "13803550001"
    assert head.joined_at == date(2023, 1, 1)
    assert sorted(head.credentials.values_list("kind", "ref")) == [
        ("card", "A1001"),
        ("face", "F-77"),
    ]
    zhang = Household.objects.get(number="H2020-017")
    assert zhang.category == "new_employee"
    assert zhang.head.credentials.get().kind == "card"  # a bare reference is a card
    assert zhang.leases.get().start == date(2024, 3, 1)  # YYYY/MM/DD is accepted
    vacant = Unit.objects.get(code="E01-03-1602")
    assert vacant.status == UnitStatus.VACANT
    assert (vacant.floor, vacant.position, vacant.rooms) == (16, 2, 1)
    building = Building.objects.get(estate__code="E01", number="03")
    assert (building.floors, building.units_per_floor) == (16, 2)
    assert TimelineEntry.objects.filter(verb="household.imported").count() == 3
    assert AuditEntry.objects.filter(action="ledger.import").count() == 1


def test_reimporting_the_same_file_changes_nothing(district):
    run(good_rows(), district)
    before = counts()

    report = run(good_rows(), district)

    assert report.errors == []
    assert report.change_count == 0
    assert not report.written
    assert report.unchanged == {"units": 4, "households": 3, "members": 5}
    assert counts() == before
