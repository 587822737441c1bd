"""Reads of the housing stock that more than one view (or the API) needs."""

from django.db.models import Count

from anju.core.access import get_or_404
from anju.core.counting import count_of

from .models import Building, Estate, Unit, UnitStatus


def estate_for_user(user, pk) -> Estate:
    return get_or_404(
        Estate.objects.visible_to(user).select_related(
            "community__parent", "operator", "property_company"
        ),
        pk=pk,
    )


def building_for_user(user, pk) -> Building:
    return get_or_404(Building.objects.visible_to(user).select_related("estate"), pk=pk)


def unit_for_user(user, pk) -> Unit:
    return get_or_404(Unit.objects.visible_to(user).select_related("estate", "building"), pk=pk)


def status_counts(units) -> dict[str, int]:
    """{status: count} for every status, zeros included, in one query."""
    counts = dict(units.values_list("status").annotate(n=Count("id")).order_by())
    return {s: counts.get(s, 0) for s in UnitStatus.values}


def estates_with_occupancy(user):
    """Visible estates, each annotated with its unit counts, for lists and the chart."""
    units = Unit.objects.all()
    return (
        Estate.objects.visible_to(user)
        .select_related("community", "operator", "property_company")
        .annotate(
            unit_count=count_of(units, "estate"),
            occupied_count=count_of(units.filter(status=UnitStatus.OCCUPIED), "estate"),
            vacant_count=count_of(units.filter(status=UnitStatus.VACANT), "estate"),
            building_count=count_of(Building.objects.all(), "estate"),
        )
    )


def occupancy_rate(occupied: int, total: int) -> float:
    return round(100 * occupied / total, 1) if total else 0.0


def board(building: Building, units=None):
    """The status board: floors from the top down, each a list of units (or None for a
    position without a unit), and the counts by status."""
    if units is None:
        units = list(
            building.units.only(
                "id", "code", "floor", "position", "status", "area_m2", "building_id"
            )
        )
    positions = max([building.units_per_floor, *(u.position for u in units)], default=0)
    by_place = {(u.floor, u.position): u for u in units}
    floors = sorted({u.floor for u in units} | set(range(1, building.floors + 1)), reverse=True)
    rows = [
        (floor, [by_place.get((floor, p)) for p in range(1, positions + 1)]) for floor in floors
    ]
    counts = {s: 0 for s in UnitStatus.values}
    for u in units:
        counts[u.status] += 1
    return {
        "rows": rows,
        "positions": range(1, positions + 1),
        "counts": counts,
        "total": len(units),
    }


def estate_boards(estate: Estate) -> list[tuple[Building, dict]]:
    """Every building's board of an estate, from two queries."""
    units_by_building: dict[int, list] = {}
    for unit in estate.units.only(
        "id", "code", "floor", "position", "status", "area_m2", "building_id"
    ):
        units_by_building.setdefault(unit.building_id, []).append(unit)
    return [(b, board(b, units_by_building.get(b.pk, []))) for b in estate.buildings.all()]
