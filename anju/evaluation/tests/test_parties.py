"""Who is scored in a period: active organisations of the kind, and every household
that held a lease on a day of the period, with its latest lease's estate."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from anju.core.models import Organisation, OrgKind
from anju.evaluation.indicators.parties import Party, parties
from anju.households.models import Household, Lease
from anju.housing.models import Unit

D = datetime.date
Q1 = (D(2026, 1, 1), D(2026, 3, 31))


def _tenancy(cast, number, unit, start, end, ended_on=None, status="ended"):
    household = Household.objects.create(
        number=number, category="low_income", status="exited", community=unit.estate.community
    )
    Lease.objects.create(
        number=f"L-{number}",
        household=household,
        unit=unit,
        start=start,
        end=end,
        ended_on=ended_on,
        monthly_rent=Decimal("455.00"),
        status=status,
    )
    return household


def test_organisations_are_the_active_ones_of_the_kind(cast):
    closed = Organisation.objects.create(
        code="CX", name="已撤并社区", kind=OrgKind.COMMUNITY, parent=cast.street_a, is_active=False
    )
    communities = parties("community", *Q1)
    assert communities == [Party(cast.community_a.pk), Party(cast.community_b.pk)]
    assert closed.pk not in {p.id for p in communities}
    assert {p.id for p in parties("property", *Q1)} == {cast.property_1.pk, cast.property_2.pk}
    assert {p.id for p in parties("street", *Q1)} == {cast.street_a.pk, cast.street_b.pk}


def test_households_that_held_a_lease_on_any_day_of_the_period(cast):
    units = {u.code: u for u in Unit.objects.filter(estate=cast.e1)}
    gone = _tenancy(
        cast, "HH-GONE", units["E1-01-0102"], D(2023, 1, 1), D(2026, 1, 1), ended_on=D(2025, 12, 31)
    )
    last_day = _tenancy(
        cast, "HH-LAST", units["E1-01-0102"], D(2023, 1, 1), D(2026, 1, 1), ended_on=D(2026, 1, 1)
    )
    term = _tenancy(cast, "HH-TERM", units["E1-01-0201"], D(2023, 1, 1), D(2026, 1, 1))
    late = _tenancy(
        cast, "HH-LATE", units["E1-01-0202"], D(2026, 3, 31), D(2029, 3, 31), status="active"
    )
    future = _tenancy(
        cast, "HH-NEXT", units["E1-01-0301"], D(2026, 4, 1), D(2029, 4, 1), status="upcoming"
    )
    # A household that moved from E1 to E2 in February is scored once, in E2.
    moved = _tenancy(
        cast, "HH-MOVE", units["E1-01-0302"], D(2024, 1, 1), D(2027, 1, 1), ended_on=D(2026, 2, 10)
    )
    Lease.objects.create(
        number="L-HH-MOVE-2",
        household=moved,
        unit=Unit.objects.get(code="E2-01-0102"),
        start=D(2026, 2, 11),
        end=D(2029, 2, 11),
        monthly_rent=Decimal("455.00"),
    )
    with CaptureQueriesContext(connection) as queries:
        found = parties("tenant", *Q1)
    assert len(queries) == 1
    by_id = {p.id: p.estate_id for p in found}
    assert len(by_id) == len(found)
    assert by_id == {
        cast.alice_household.pk: cast.e1.pk,
        cast.charlie_household.pk: cast.e2.pk,
        last_day.pk: cast.e1.pk,
        term.pk: cast.e1.pk,
        late.pk: cast.e1.pk,
        moved.pk: cast.e2.pk,
    }
    assert gone.pk not in by_id and future.pk not in by_id
