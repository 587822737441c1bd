from django.db.models import Count
from django.shortcuts import redirect, render

from anju.core.access import staff_view
from anju.households.models import Category, Household, HouseholdStatus
from anju.housing.models import Unit, UnitStatus
from anju.housing.selectors import estates_with_occupancy, occupancy_rate, status_counts


@staff_view(None)
def home(request):
    user = request.user
    if user.role_set == {"tenant"}:
        return redirect("portal_home")
    if not user.can("housing.view"):
        return render(request, "core/home_plain.html")
    units = Unit.objects.visible_to(user)
    by_status = status_counts(units)
    total = sum(by_status.values())
    households = Household.objects.visible_to(user).filter(status=HouseholdStatus.TENANT)
    by_category = dict(households.values_list("category").annotate(n=Count("id")).order_by())
    estates = list(estates_with_occupancy(user).order_by("code"))
    chart = {
        "estates": [e.name for e in estates],
        "rates": [occupancy_rate(e.occupied_count, e.unit_count) for e in estates],
        "status": [
            {"name": str(UnitStatus(s).label), "value": n, "code": s} for s, n in by_status.items()
        ],
        "categories": [
            {"name": str(Category(c).label), "value": by_category.get(c, 0)}
            for c in Category.values
        ],
    }
    return render(
        request,
        "core/home.html",
        {
            "total_units": total,
            "by_status": [(UnitStatus(s), n) for s, n in by_status.items()],
            "occupancy": occupancy_rate(by_status[UnitStatus.OCCUPIED], total),
            "household_count": sum(by_category.values()),
            "estates": estates,
            "chart": chart,
        },
    )
