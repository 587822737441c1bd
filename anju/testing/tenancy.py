"""Test builders for tenancy: a household housed in a unit of a building of its own,
so that tests and matrix modules do not share units."""

import datetime
from decimal import Decimal

from anju.households import services as hh
from anju.households.models import HouseholdStatus
from anju.housing.models import Building, Unit


def housed_household(
    estate,
    number: str,
    actor,
    *,
    start: datetime.date = datetime.date(2020, 1, 1),
    end: datetime.date | None = None,
    rent: str = "455.00",
    head: dict | None = None,
):
    """A household living in a unit of a new building of `estate`, with a lease from
    `start` to `end` (a year by default) at `rent` a month. `head` (member_add's
    arguments) adds a head of household first."""
    building = Building.objects.create(
        estate=estate,
        number=f"MB{Building.objects.filter(estate=estate).count() + 1}",
        floors=1,
        units_per_floor=1,
    )
    unit = Unit.objects.create(
        code=f"{estate.code}-{number}",
        estate=estate,
        building=building,
        floor=1,
        position=1,
        area_m2=Decimal("45.50"),
        rooms=2,
    )
    household = hh.household_create(
        actor=actor,
        number=number,
        category="low_income",
        community=estate.community,
        status=HouseholdStatus.WAITING,
    )
    if head is not None:
        hh.member_add(household, actor=actor, relation="head", **head)
    hh.lease_start(
        household,
        actor=actor,
        unit=unit,
        number=f"L-{number}",
        start=start,
        end=end or start.replace(year=start.year + 1),
        monthly_rent=Decimal(rent),
    )
    household.refresh_from_db()
    return household
