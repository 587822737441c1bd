from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from stdnum.cn import ric

from anju.core.models import Organisation, TimelineEntry, User, UserRole
from anju.core.roles import SEPARATED_ROLES, Role
from anju.demo import district
from anju.demo.plan import CATEGORY_WEIGHTS, plan_district
from anju.households.models import Credential, Household, Lease, LeaseStatus, Member
from anju.housing.models import Building, Estate, RentStandard, Unit, UnitStatus
from anju.testing.shared_world import FAST_HASHERS

HOUSED = (UnitStatus.OCCUPIED, UnitStatus.VACATING)


@pytest.fixture(autouse=True)
def fast_hashing(request, settings):
    # Argon2 with production parameters takes ~0.4 s a hash; only the test that asks
    # for `real_hashing` pays for it.
    if "real_hashing" not in request.fixturenames:
        settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def real_hashing(settings):
    from anju import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def _snapshot():
    return {
        "units": list(Unit.objects.order_by("code").values_list("code", "status", "area_m2")),
        "households": list(
            Household.objects.order_by("number").values_list("number", "category", "unit__code")
        ),
        "members": list(
            Member.objects.order_by("household__number", "id").values_list(
                "household__number", "name", "relation", "id_number_masked", "phone_masked"
            )
        ),
        "leases": list(
            Lease.objects.order_by("number").values_list("number", "start", "end", "monthly_rent")
        ),
        "orgs": list(Organisation.objects.order_by("code").values_list("code", "name")),
    }


def _wipe():
    TimelineEntry.objects.all().delete()
    Credential.objects.all().delete()
    Lease.objects.all().delete()
    UserRole.objects.all().delete()
    User.objects.all().delete()
    Household.objects.update(head=None)
    Member.objects.all().delete()
    Household.objects.all().delete()
    Unit.objects.all().delete()
    Building.objects.all().delete()
    RentStandard.objects.all().delete()
    Estate.objects.all().delete()
    for kind in ("community", "street", "operator", "property", "agency", "authority"):
        Organisation.objects.filter(kind=kind).delete()


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_district_twice():
    district.generate(units=200, seed=11, admission=False, tenancy=False, services=False)
    first = _snapshot()
    _wipe()
    assert not Estate.objects.exists()
    district.generate(units=200, seed=11, admission=False, tenancy=False, services=False)
    second = _snapshot()
    assert first == second
    assert len(first["units"]) == 200
    assert first["members"]


def test_another_seed_plans_another_district():
    a, b = plan_district(200, 1), plan_district(200, 2)
    assert [m.name for m in a.members] != [m.name for m in b.members]
    assert [m.name for m in a.members] == [m.name for m in plan_district(200, 1).members]


@pytest.mark.django_db
def test_every_id_number_decrypts_to_a_valid_unique_resident_id():
    district.generate(units=120, seed=3, admission=False, tenancy=False, services=False)
    members = list(Member.objects.all())
    numbers = [m.reveal_id_number() for m in members]
    assert all(ric.is_valid(n) for n in numbers)
    assert all(ric.get_birth_date(n) == m.birth_date for n, m in zip(numbers, members, strict=True))
    assert all(n.startswith("1404") for n in numbers)
    hashes = Counter(m.id_number_hash for m in members)
    assert hashes.most_common(1)[0][1] == 1
    phones = [m.phone_hash for m in members if m.phone_hash]
    assert len(phones) == len(set(phones))
    # Nothing readable is stored: the ciphertext does not contain the number.
    assert all(n not in m.id_number_enc for n, m in zip(numbers, members, strict=True))


@pytest.mark.django_db
def test_housed_units_have_exactly_one_active_lease_for_the_household_living_there():
    district.generate(units=120, seed=5, admission=False, tenancy=False, services=False)
    leases = list(Lease.objects.filter(status=LeaseStatus.ACTIVE).select_related("household"))
    per_unit = Counter(lease.unit_id for lease in leases)
    by_unit = {lease.unit_id: lease for lease in leases}
    price = {
        standard.estate_id: standard.price_per_m2
        for standard in RentStandard.objects.filter(effective_from="2024-01-01")
    }
    assert RentStandard.objects.filter(effective_from="2021-01-01").count() == len(price)
    housed = 0
    for unit in Unit.objects.all():
        if unit.status in HOUSED:
            housed += 1
            assert per_unit[unit.pk] == 1, unit.code
            lease = by_unit[unit.pk]
            assert lease.household.unit_id == unit.pk
            assert lease.end > lease.start
            # Rent = area × the standard in force × the category's relief tier.
            assert (lease.area_m2, lease.price_per_m2) == (unit.area_m2, price[unit.estate_id])
            expected = (unit.area_m2 * price[unit.estate_id] * lease.relief_tier).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            assert lease.monthly_rent == expected
        else:
            assert per_unit[unit.pk] == 0, unit.code
    assert housed == Household.objects.count() == len(leases)


@pytest.mark.django_db
def test_households_are_consistent_with_their_unit_and_members():
    district.generate(units=120, seed=9, admission=False, tenancy=False, services=False)
    households = Household.objects.select_related(
        "unit__estate", "head", "community"
    ).prefetch_related("members")
    for household in households:
        assert household.estate_id == household.unit.estate_id
        assert household.community_id == household.unit.estate.community_id
        assert household.community.kind == "community"
        assert household.head.household_id == household.pk
        assert household.head.relation == "head"
        members = list(household.members.all())
        assert 1 <= len(members) <= 5
        for member in members:
            if member.relation in ("child", "grandchild"):
                assert member.birth_date > household.head.birth_date
            if member.relation == "parent":
                assert member.birth_date < household.head.birth_date
    adults_without_face = Member.objects.filter(birth_date__lte="2008-11-01").exclude(
        credentials__kind="face"
    )
    assert not adults_without_face.exists()
    assert TimelineEntry.objects.filter(verb="lease.started").count() == Household.objects.count()


@pytest.mark.django_db
def test_demo_users_have_the_right_roles_and_no_account_mixes_separated_duties(real_hashing):
    district.generate(units=120, seed=7, admission=False, tenancy=False, services=False)
    expected = {
        "officer": (Role.AUTHORITY_OFFICER, "authority"),
        "street": (Role.STREET_REVIEWER, "street"),
        "community": (Role.COMMUNITY_WORKER, "community"),
        "operator": (Role.OPERATOR_CLERK, "operator"),
        "property": (Role.PROPERTY_STAFF, "property"),
        "propmgr": (Role.PROPERTY_MANAGER, "property"),
        "agency": (Role.PARTNER_AGENCY, "agency"),
        "auditor": (Role.AUDITOR, "authority"),
        "sysadmin": (Role.SYSTEM_ADMIN, "authority"),
        "secadmin": (Role.SECURITY_ADMIN, "authority"),
        "tenant": (Role.TENANT, "community"),
    }
    hs01 = Estate.objects.get(code="HS01")
    for username, (role, kind) in expected.items():
        user = User.objects.select_related("organisation").get(username=username)
        assert user.role_set == {role}
        assert user.organisation.kind == kind
        assert user.full_name
    assert User.objects.get(username="operator").organisation_id == hs01.operator_id
    assert User.objects.get(username="property").organisation_id == hs01.property_company_id
    assert User.objects.get(username="propmgr").organisation_id == hs01.property_company_id
    community = User.objects.get(username="community").organisation
    assert community == hs01.community
    assert User.objects.get(username="street").organisation_id == community.parent_id
    assert User.objects.get(username="agency").organisation.name == "长治市L区民政局"
    tenant = User.objects.get(username="tenant")
    assert tenant.household.estate_id == hs01.pk
    assert tenant.full_name == tenant.household.head.name
    assert tenant.password.startswith("argon2")
    assert tenant.check_password(district.DEMO_PASSWORD)
    assert User.objects.filter(password=tenant.password).count() == len(expected)
    for user in User.objects.all():
        assert len(user.role_set & SEPARATED_ROLES) <= 1


@pytest.mark.django_db
def test_the_command_refuses_a_second_district_but_if_empty_prints_the_logins():
    with pytest.raises(CommandError):
        call_command("generate_district", units=10, stdout=StringIO())
    out = StringIO()
    call_command("generate_district", units=120, seed=1, stdout=out)
    assert "officer" in out.getvalue() and "anju-demo-2026" in out.getvalue()
    estates = Estate.objects.count()
    with pytest.raises(CommandError):
        call_command("generate_district", units=120, seed=1, stdout=StringIO())
    out = StringIO()
    call_command("generate_district", units=120, seed=2, if_empty=True, stdout=out)
    assert "tenant" in out.getvalue()
    assert Estate.objects.count() == estates


def test_a_larger_plan_has_believable_proportions():
    plan = plan_district(3000, 4)
    housed = sum(1 for u in plan.units if u.status in HOUSED)
    assert 0.87 <= housed / len(plan.units) <= 0.94
    assert housed == len(plan.households)
    shares = Counter(h.category for h in plan.households)
    total = sum(CATEGORY_WEIGHTS.values())
    for category, weight in CATEGORY_WEIGHTS.items():
        assert abs(shares[category] / len(plan.households) - weight / total) < 0.04
    sizes = Counter(len(h.members) for h in plan.households)
    assert sizes[2] + sizes[3] > sizes[1] + sizes[4] + sizes[5]
    assert all(35 <= u.area_m2 <= 60 for u in plan.units)
    assert len({u.code for u in plan.units}) == 3000
    assert len({h.number for h in plan.households}) == len(plan.households)
    assert len(plan.estates) >= 6
