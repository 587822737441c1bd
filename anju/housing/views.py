from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page, sorted_by
from anju.core.roles import Perm

from . import selectors, services
from .filters import UnitFilter
from .forms import RentStandardForm, UnitStatusForm
from .models import LEASE_STATUSES, UNIT_TRANSITIONS, Unit, UnitStatus


@staff_view(Perm.HOUSING_VIEW)
def estate_list(request):
    estates = sorted_by(
        selectors.estates_with_occupancy(request.user),
        request,
        {"code", "name", "unit_count", "occupied_count"},
        "code",
        unique={"code"},
    )
    return list_page(
        request,
        "housing/estate_list.html",
        estates,
        {},
        export=(
            "estates.xlsx",
            [
                _("Code"),
                _("Name"),
                _("Community"),
                _("Operator"),
                _("Property company"),
                _("Units"),
                _("Occupied"),
                _("Vacant"),
            ],
            lambda e: [
                e.code,
                e.name,
                e.community.name,
                e.operator.name,
                e.property_company.name,
                e.unit_count,
                e.occupied_count,
                e.vacant_count,
            ],
        ),
    )


@staff_view(Perm.HOUSING_VIEW, find=selectors.estate_for_user)
def estate_detail(request, estate, pk):
    boards = selectors.estate_boards(estate)
    counts = {s: sum(b["counts"][s] for _, b in boards) for s in UnitStatus.values}
    return render(
        request,
        "housing/estate_detail.html",
        {
            "estate": estate,
            "boards": boards,
            "counts": counts,
            "statuses": UnitStatus,
            "rent_standards": estate.rent_standards.all(),
            "rent_form": RentStandardForm(),
        },
    )


@staff_view(Perm.HOUSING_CHANGE, find=selectors.estate_for_user, methods=("POST",))
def rent_standard_add(request, estate, pk):
    form = RentStandardForm(request.POST)
    if form.is_valid():
        try:
            services.rent_standard_add(estate, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Rent standard saved."))
    else:
        messages.error(
            request,
            _("Check the rent standard: %(e)s")
            % {"e": "; ".join(m for ms in form.errors.values() for m in ms)},
        )
    return redirect("estate_detail", pk=estate.pk)


@staff_view(Perm.HOUSING_VIEW, find=selectors.building_for_user)
def building_detail(request, building, pk):
    return render(
        request,
        "housing/building_detail.html",
        {
            "building": building,
            "board": selectors.board(building),
            "statuses": UnitStatus,
        },
    )


@staff_view(Perm.HOUSING_VIEW)
def unit_list(request):
    base = Unit.objects.visible_to(request.user).select_related("estate", "building", "household")
    filters = UnitFilter(request.GET or None, queryset=base, user=request.user)
    units = sorted_by(
        filters.qs,
        request,
        {"code", "area_m2", "status", "floor", "rooms"},
        "code",
        unique={"code"},
    )
    return list_page(
        request,
        "housing/unit_list.html",
        units,
        {"filter": filters},
        export=(
            "units.xlsx",
            [
                _("Unit code"),
                _("Estate"),
                _("Building"),
                _("Floor"),
                _("Area (m²)"),
                _("Rooms"),
                _("Status"),
                _("Household"),
            ],
            lambda u: [
                u.code,
                u.estate.name,
                u.building.number,
                u.floor,
                u.area_m2,
                u.rooms,
                u.get_status_display(),
                getattr(getattr(u, "household", None), "number", ""),
            ],
        ),
    )


@staff_view(Perm.HOUSING_VIEW, find=selectors.unit_for_user)
def unit_detail(request, unit, pk):
    household = getattr(unit, "household", None)
    leases = unit.leases.select_related("household__head").order_by("-start")
    return render(
        request,
        "housing/unit_detail.html",
        {
            "unit": unit,
            "household": household,
            "leases": leases,
            "timeline": unit.timeline.select_related("actor")[:200],
            "status_form": UnitStatusForm(initial={"status": unit.status}),
            "allowed_statuses": [
                UnitStatus(s) for s in sorted(UNIT_TRANSITIONS[unit.status] - LEASE_STATUSES)
            ],
            "rent": services.rent_standard_in_force(unit.estate, timezone.localdate()),
        },
    )


@staff_view(Perm.HOUSING_CHANGE, find=selectors.unit_for_user, methods=("POST",))
def unit_set_status(request, unit, pk):
    form = UnitStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status and give a reason."))
    else:
        try:
            services.unit_set_status(unit, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Unit %(u)s is now %(s)s.") % {"u": unit.code, "s": unit.get_status_display()},
            )
    return redirect("unit_detail", pk=unit.pk)
