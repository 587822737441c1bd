"""The legacy-ledger import: good files, re-imports, corrections, and every kind of bad
row, each reported with its line number."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
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
    authority = Organisation.objects.create(
        code="AUTH", name="住房保障中心", kind=OrgKind.AUTHORITY
    )
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
        member_row(
            u1, "H2019-001", "member", "王小明", IDS["wang_child"], "child", monthly_income=""
        ),
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


# --- Corrections ---------------------------------------------------------------------


def test_corrected_file_updates_in_place(district):
    run(good_rows(), district)
    wang = Household.objects.get(number="H2019-001")
    child = wang.members.get(relation="child")
    before = counts()

    rows = good_rows()
    rows[0]["category"] = "special"
    for row in rows[:3]:
        row["monthly_rent"] = "520.00"
        row["category"] = "special"
    rows[1]["phone"] = "13912345678"
    del rows[2]  # the child moved out
    rows.insert(
        2,
        member_row(
            unit_row(E01, "E01-03-1502", 15),
            "H2019-001",
            "member",
            "孙桂兰",
            IDS["sun"],
            "parent",
            category="special",
            monthly_rent="520.00",
        ),
    )
    rows[3]["area_m2"] = "43.50"  # Zhang's unit was measured again
    report = run(rows, district)

    assert report.errors == []
    assert report.written
    assert report.created["members"] == 1
    assert report.updated == {
        "buildings": 0,
        "units": 1,
        "households": 1,
        "members": 1,
        "leases": 1,
    }
    assert report.removed["members_left"] == 1
    assert report.unchanged["households"] == 2
    wang.refresh_from_db()
    assert wang.category == "special"
    assert wang.leases.get().monthly_rent == Decimal("520.00")
    assert wang.members.get(relation="spouse").reveal_phone() == "13912345678"
    child.refresh_from_db()
    assert child.left_at is not None
    assert wang.members.current().count() == 3
    assert Unit.objects.get(code="E01-03-1601").area_m2 == Decimal("43.50")
    # The same records were changed, not replaced.
    after = counts()
    assert after["households"] == before["households"]
    assert after["leases"] == before["leases"]
    assert after["members"] == before["members"] + 1
    actions = set(AuditEntry.objects.filter(pk__gt=0).values_list("action", flat=True))
    assert {
        "household.update",
        "member.update",
        "member.leave",
        "member.add",
        "lease.update",
        "unit.update",
    } <= actions
    updated = TimelineEntry.objects.filter(verb="household.updated")
    assert [(e.household.number, sorted(e.data["fields"].split(", "))) for e in updated] == [
        ("H2019-001", ["category", "lease", "members"])
    ]
    # And the corrected file, imported again, is a no-op.
    again = counts()
    assert run(rows, district).change_count == 0
    assert counts() == again


def test_newer_lease_in_the_file_ends_the_current_one(district):
    run(good_rows(), district)
    rows = good_rows()
    for row in rows[:3]:
        row["lease_start"], row["lease_end"] = "2026-01-01", "2028-12-31"

    report = run(rows, district)

    assert report.created["leases"] == 1
    assert report.removed["leases_ended"] == 1
    leases = Household.objects.get(number="H2019-001").leases.order_by("start")
    assert [(le.start, le.end, le.status) for le in leases] == [
        (date(2023, 1, 1), date(2025, 12, 31), LeaseStatus.ENDED),
        (date(2026, 1, 1), date(2028, 12, 31), LeaseStatus.ACTIVE),
    ]


def test_a_new_head_in_the_file_becomes_head_of_household(district):
    run(good_rows(), district)
    rows = good_rows()
    rows[0].update(member_role="member", relation="spouse")
    rows[1].update(member_role="head", relation="head")

    run(rows, district)

    wang = Household.objects.get(number="H2019-001")
    assert wang.head.name == "李秀英"
    assert wang.members.get(name="王建国").relation == "spouse"


def test_credentials_in_the_file_replace_those_enrolled(district):
    run(good_rows(), district)
    rows = good_rows()
    rows[0]["credential_refs"] = "card:A1001;fingerprint:FP-9"
    rows[1]["credential_refs"] = "face:F-77"  # moves from husband to wife

    report = run(rows, district)

    assert report.errors == []
    household = Household.objects.get(number="H2019-001")
    active = Credential.objects.filter(member__household=household, revoked_at__isnull=True)
    assert sorted(active.values_list("member__name", "kind", "ref")) == [
        ("李秀英", "face", "F-77"),
        ("王建国", "card", "A1001"),
        ("王建国", "fingerprint", "FP-9"),
    ]


# --- Bad rows ----------------------------------------------------------------------------
# Lines: 1 header; 2–4 household H2019-001; 5 H2020-017; 6 H2021-005; 7 a vacant unit.


def _set(line, **values):
    def change(rows):
        rows[line - 2].update(values)

    return change


def _household_elsewhere_in_db(district, unit_code="E02-01-0301", number="H-OLD"):
    from anju.households import services as hh

    estate = Estate.objects.get(code=unit_code[:3])
    number_part, place = unit_code.split("-")[1:]
    building, _created = Building.objects.get_or_create(
        estate=estate, number=number_part, defaults={"floors": 20, "units_per_floor": 2}
    )
    unit = Unit.objects.create(
        code=unit_code,
        estate=estate,
        building=building,
        floor=int(place[:-2]),
        position=int(place[-2:]),
        area_m2=60,
    )
    household = hh.household_create(
        actor=None, number=number, category="low_income", community=estate.community
    )
    hh.member_add(household, actor=None, name="孙桂兰", id_number=IDS["sun"], relation="head")
    hh.lease_start(
        household,
        actor=None,
        unit=unit,
        number="L-OLD",
        start=date(2022, 1, 1),
        end=date(2025, 1, 1),
        monthly_rent=Decimal(300),
    )
    return household


BAD_ROWS = {
    "wrong ID checksum": (_set(3, id_number=wrong_check_digit(IDS["li"])), 3, "id_number_checksum"),
    "ID too short": (_set(3, id_number="14040219870704"), 3, "id_number_length"),
    "same person in two households": (_set(6, id_number=IDS["li"]), 6, "person_twice"),
    "unit code not of its estate": (_set(5, unit_code="E02-03-1601"), 5, "unit_code_estate"),
    "unit code without a position": (_set(7, unit_code="E01-03-16B"), 7, "unit_code_position"),
    "a date that is not a date": (_set(5, lease_start="2024-13-01"), 5, "not_a_date"),
    "a date in another format": (_set(5, lease_start="01.03.2024"), 5, "not_a_date"),
    "non-numeric area": (_set(7, area_m2="四十二"), 7, "not_a_number"),
    "non-numeric rent": (_set(5, monthly_rent="abc"), 5, "not_a_number"),
    "non-numeric income": (_set(6, monthly_income="n/a"), 6, "not_a_number"),
    "negative rent": (_set(5, monthly_rent="-1"), 5, "out_of_range"),
    "floor not a whole number": (_set(7, floor="16.5"), 7, "not_a_whole_number"),
    "unknown category": (_set(5, category="rich"), 5, "unknown_category"),
    "unknown relation": (_set(3, relation="cousin"), 3, "unknown_relation"),
    "unknown member role": (_set(3, member_role="lodger"), 3, "unknown_member_role"),
    "missing name": (_set(6, name=""), 6, "required"),
    "missing floor": (_set(7, floor=""), 7, "required"),
    "lease ends before it starts": (_set(5, lease_end="2024-02-01"), 5, "lease_dates"),
    "household rows disagree on rent": (_set(3, monthly_rent="500"), 3, "household_disagrees"),
    "household rows disagree on unit": (
        _set(3, unit_code="E01-03-1602", floor="16"),
        3,
        "household_disagrees",
    ),
    "household with no head": (
        _set(5, member_role="member", relation="spouse"),
        5,
        "no_head",
    ),
    "household with two heads": (_set(3, member_role="head", relation="head"), 3, "two_heads"),
    "head whose relation is not head": (_set(5, relation="spouse"), 5, "head_relation"),
    "unknown estate without a name": (
        _set(7, estate_code="E09", estate_name="", unit_code="E09-01-0101"),
        7,
        "unknown_estate",
    ),
    "unknown estate with a name": (
        _set(7, estate_code="E09", estate_name="新苑", unit_code="E09-01-0101"),
        7,
        "unknown_estate",
    ),
    "unknown street": (_set(6, street="不存在街道"), 6, "unknown_street"),
    "community not under its street": (_set(6, community="康乐社区"), 6, "unknown_community"),
    "community not the estate's": (
        _set(7, street="太行东街街道", community="太行社区"),
        7,
        "community_mismatch",
    ),
    "bad credential kind": (_set(5, credential_refs="iris:123"), 5, "bad_credential"),
    "same credential for two people": (_set(6, credential_refs="B2002"), 6, "credential_twice"),
    "bad phone": (_set(2, phone="12345"), 2, "phone_invalid"),
    "household details without household_no": (_set(7, name="无名"), 7, "household_no_missing"),
    "unit listed for two households": (
        _set(6, **E01, unit_code="E01-03-1601", floor="16", area_m2="42.00", rooms="1"),
        6,
        "unit_twice",
    ),
    "unit described differently": (_set(7, area_m2="50"), 7, "unit_disagrees"),
    "two codes for one place": (_set(7, unit_code="E01-3-1601"), 7, "unit_place_taken"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_each_bad_row_is_reported_with_its_line_and_reason(district, case):
    change, line, code = BAD_ROWS[case]
    rows = good_rows()
    if case == "unit described differently":
        rows[5]["unit_code"] = "E01-03-1601"  # the vacant row names Zhang's unit
        rows[5]["floor"] = "16"
    change(rows)
    before = counts()

    report = run(rows, district)

    assert code in errors_by_line(report).get(line, []), report.errors
    assert all(e.reason for e in report.errors)
    assert not report.written
    assert counts() == before


def test_a_bad_row_makes_its_whole_household_bad(district):
    rows = good_rows()
    rows[1]["id_number"] = wrong_check_digit(IDS["li"])

    with translation.override("en"):
        report = run(rows, district, only_good_rows=True)

    found = errors_by_line(report)
    assert found[3] == ["id_number_checksum"]
    assert found[2] == found[4] == ["household_has_errors"]
    assert "line 3" in next(e.reason for e in report.errors if e.line == 2)
    assert report.bad_households == 1
    assert not Household.objects.filter(number="H2019-001").exists()
    assert Household.objects.count() == 2


def test_person_already_in_another_household_is_refused(district):
    _household_elsewhere_in_db(district, unit_code="E02-01-0501")
    rows = good_rows()
    rows[4]["id_number"] = IDS["sun"]

    report = run(rows, district)

    assert "person_in_other_household" in errors_by_line(report)[6]
    assert "H-OLD" in report.errors[0].reason


def test_unit_let_to_another_household_is_refused(district):
    _household_elsewhere_in_db(district)

    report = run(good_rows(), district)

    assert "unit_let" in errors_by_line(report)[6]
    assert "H-OLD" in next(e.reason for e in report.errors if e.line == 6)


def test_vacant_row_for_a_let_unit_is_refused(district):
    _household_elsewhere_in_db(district, unit_code="E01-03-1602")

    report = run(good_rows(), district)

    assert errors_by_line(report) == {7: ["unit_let"]}


def test_unit_in_another_estate_in_the_database_is_refused(district):
    estate = district["e02"]
    building = Building.objects.create(estate=estate, number="09", floors=2, units_per_floor=1)
    Unit.objects.create(
        code="E01-03-1602", estate=estate, building=building, floor=1, position=2, area_m2=42
    )

    report = run(good_rows(), district)

    assert errors_by_line(report) == {7: ["unit_other_estate"]}


def test_unit_on_another_floor_in_the_database_is_refused(district):
    run(good_rows(), district)
    rows = good_rows()
    rows[5]["floor"] = "12"

    report = run(rows, district)

    assert errors_by_line(report) == {7: ["unit_place_differs"]}


def test_household_living_elsewhere_is_not_moved_by_the_ledger(district):
    run(good_rows(), district)
    rows = good_rows()
    rows[3].update(unit_code="E01-03-1602")  # Zhang "moves" to the vacant unit
    del rows[5]

    report = run(rows, district)

    assert errors_by_line(report) == {5: ["household_elsewhere"]}


def test_credential_enrolled_in_another_household_is_refused(district):
    _household_elsewhere_in_db(district, unit_code="E02-01-0501")
    from anju.households import services as hh

    hh.credential_add(
        Member.objects.get(household__number="H-OLD"), actor=None, kind="card", ref="B2002"
    )

    report = run(good_rows(), district)

    assert errors_by_line(report) == {5: ["credential_taken"]}


def test_missing_columns_are_reported_on_line_one(district):
    data = to_csv(good_rows()).replace(b"monthly_income,", b"income,")

    report = ledger_import(data, actor=None, name="x.csv")

    assert [(e.line, e.code) for e in report.errors] == [(1, "missing_columns")]
    assert "monthly_income" in report.errors[0].reason


# --- Writing nothing, or only the good -----------------------------------------------


def test_one_bad_household_stops_the_whole_file_by_default(district):
    rows = good_rows()
    rows[3]["lease_start"] = "someday"
    before = counts()

    report = run(rows, district)

    assert not report.written
    assert counts() == before
    # The preview still says what the good households would do.
    assert report.created["households"] == 2
    assert report.good_households == 2 and report.bad_households == 1


def test_only_good_rows_writes_the_good_households(district):
    rows = good_rows()
    rows[3]["lease_start"] = "someday"

    report = run(rows, district, only_good_rows=True)

    assert report.written
    assert errors_by_line(report) == {5: ["not_a_date"]}
    assert sorted(Household.objects.values_list("number", flat=True)) == [
        "H2019-001",
        "H2021-005",
    ]
    # Zhang's unit was only on his bad row, so it is not created either.
    assert not Unit.objects.filter(code="E01-03-1601").exists()


def test_dry_run_writes_nothing(district):
    before = counts()

    report = run(good_rows(), district, dry_run=True)

    assert report.dry_run and not report.written
    assert report.created["households"] == 3
    assert [c.household for c in report.changes] == ["H2019-001", "H2020-017", "H2021-005"]
    assert counts() == before


def test_check_is_the_preview_and_writes_nothing(district):
    before = counts()

    report = ledger_check(to_csv(good_rows()), name="ledger.csv")

    assert report.to_dict()["created"]["units"] == 4
    assert counts() == before


def test_new_estate_is_created_only_when_allowed(district):
    rows = good_rows()
    rows[5].update(estate_code="E03", estate_name="幸福里", unit_code="E03-01-0101", floor="1")

    refused = run(rows, district)
    report = run(rows, district, allow_new_estates=True)

    assert errors_by_line(refused) == {7: ["unknown_estate"]}
    assert report.written
    assert report.new_estates == [
        {
            "code": "E03",
            "name": "幸福里",
            "community": "康乐社区",
            "operator": "安居运营公司",
            "property_company": "康居物业",
        }
    ]
    estate = Estate.objects.get(code="E03")
    assert estate.community == district["community_a"]
    assert estate.operator == district["operator"]
    assert Unit.objects.get(code="E03-01-0101").estate == estate


def test_report_is_json_serialisable(district):
    import json

    rows = good_rows()
    rows[1]["id_number"] = "123"
    report = run(rows, district, dry_run=True)

    data = json.loads(json.dumps(report.to_dict()))
    assert data["errors_total"] == 3
    assert data["errors"][0] == {
        "line": 2,
        "reason": data["errors"][0]["reason"],
        "code": "household_has_errors",
        "household": "H2019-001",
    }


def test_unit_under_repair_cannot_be_let_by_the_ledger(district):
    run(good_rows(), district)
    from anju.housing.services import unit_set_status

    unit_set_status(
        Unit.objects.get(code="E01-03-1602"), actor=None, status=UnitStatus.UNDER_REPAIR
    )
    rows = good_rows()
    rows[5] = member_row(
        unit_row(E01, "E01-03-1602", 16, area="42.00", rooms="1"),
        "H2022-009",
        "head",
        "孙桂兰",
        IDS["sun"],
        "head",
    )

    report = run(rows, district)

    assert errors_by_line(report) == {7: ["unit_unavailable"]}


def test_exited_household_is_not_reopened(district):
    run(good_rows(), district)
    # The exits app has no service yet; set the outcome it will record.
    Household.objects.filter(number="H2021-005").update(status="exited")

    report = run(good_rows(), district)

    assert errors_by_line(report) == {6: ["household_closed"]}


def test_lease_starting_before_the_current_one_is_refused(district):
    run(good_rows(), district)
    rows = good_rows()
    rows[4]["lease_start"] = "2022-06-01"

    report = run(rows, district)

    assert errors_by_line(report) == {6: ["lease_earlier"]}


def test_new_estate_needs_an_operating_company(district):
    Estate.objects.all().delete()
    Organisation.objects.filter(kind__in=["operator", "property"]).delete()
    rows = [good_rows()[5]]

    report = run(rows, district, allow_new_estates=True)

    assert errors_by_line(report) == {2: ["no_operator"]}


def test_new_estate_rows_must_agree(district):
    rows = good_rows()
    rows[3].update(estate_code="E03", estate_name="幸福里", unit_code="E03-03-1601")
    rows[5].update(estate_code="E03", estate_name="幸福苑", unit_code="E03-03-1602")

    report = run(rows, district, allow_new_estates=True)

    assert errors_by_line(report) == {7: ["estate_disagrees"]}
