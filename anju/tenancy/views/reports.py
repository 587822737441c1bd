"""The tenancy reports (Perm.TENANCY_VIEW; each over what the user may see): the index,
the rent roll and the collection rate, each also as an Excel file (?format=xlsx, for
those who may export)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.access import staff_view
from anju.core.export import xlsx_response
from anju.core.roles import Perm

from ..forms_leases import CollectionForm, RentRollForm
from ..selectors import reports as selectors

PAGE_SIZE = 100
MONTHS = 12

# Reports that other tenancy pages provide: (URL name, title, description).
OTHER_REPORTS = [
    (
        "arrears_ledger",
        gettext_lazy("Arrears ledger"),
        gettext_lazy("Households in arrears, aged 1, 2, 3 and 6+ months, with the next step."),
    ),
    (
        "renewals_due",
        gettext_lazy("Renewals due"),
        gettext_lazy("Leases whose renewal window is open or about to open (art. 30)."),
    ),
    (
        "recert_campaign_list",
        gettext_lazy("Recertification outcomes"),
        gettext_lazy("Each household's outcome of the yearly check, by campaign and estate."),
    ),
]


def _wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx" and request.user.can(Perm.EXPORT)


@staff_view(Perm.TENANCY_VIEW)
def report_index(request):
    reports = [
        {
            "url": reverse("report_rent_roll"),
            "title": _("Rent roll"),
            "text": _(
                "Every lease in force on a day: rent, multiplier, billed and paid this "
                "month, and the household's balance."
            ),
            "icon": "ti-list-details",
        },
        {
            "url": reverse("report_collection"),
            "title": _("Collection rate"),
            "text": _(
                "Rent billed for each month against what was collected of it by the end "
                "of the month and by now, per estate, over the last twelve months."
            ),
            "icon": "ti-chart-bar",
        },
    ] + [
        {"url": reverse(name), "title": title, "text": text, "icon": "ti-report"}
        for name, title, text in OTHER_REPORTS
    ]
    return render(request, "tenancy/reports/index.html", {"reports": reports})


@staff_view(Perm.TENANCY_VIEW)
def report_rent_roll(request):
    form = RentRollForm(request.GET or None, user=request.user)
    on = form.day()
    roll = selectors.rent_roll(request.user, on=on, estate=form.chosen_estate())
    if _wants_xlsx(request):
        return xlsx_response(
            f"rent-roll-{on:%Y-%m-%d}.xlsx",
            [
                _("Estate"),
                _("Unit"),
                _("Household no."),
                _("Head"),
                _("Lease no."),
                _("Monthly rent"),
                _("Multiplier"),
                _("Billed this month"),
                _("Paid"),
                _("Balance"),
            ],
            (
                [
                    lease.unit.estate.name,
                    lease.unit.code,
                    lease.household.number,
                    lease.household.head.name if lease.household.head else "",
                    lease.number,
                    selectors.money(lease.rent),
                    lease.multiplier,
                    selectors.money(lease.billed),
                    selectors.money(lease.paid),
                    selectors.money(lease.balance),
                ]
                for lease in roll.iterator(2000)
            ),
        )
    page = Paginator(roll, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tenancy/reports/rent_roll.html",
        {
            "form": form,
            "on": on,
            "page": page,
            "totals": selectors.rent_roll_totals(roll),
        },
    )


@staff_view(Perm.TENANCY_VIEW)
def report_collection(request):
    form = CollectionForm(request.GET or None, user=request.user)
    until = form.month()
    months, per_estate, total = selectors.collection_rates(
        request.user, until=until, months=MONTHS, estate=form.chosen_estate()
    )
    if _wants_xlsx(request):
        rows = []
        for rates in [*per_estate, total]:
            name = rates.estate.name if rates.estate else _("All estates shown")
            for m in rates.months:
                rows.append(
                    [
                        name,
                        f"{m.month:%Y-%m}",
                        m.billed,
                        m.collected,
                        "" if m.rate is None else m.rate,
                        m.now,
                        "" if m.rate_now is None else m.rate_now,
                    ]
                )
        return xlsx_response(
            f"collection-rate-{until:%Y-%m}.xlsx",
            [
                _("Estate"),
                _("Month"),
                _("Billed"),
                _("Collected by the month's end"),
                _("Rate (%)"),
                _("Collected by now"),
                _("Rate by now (%)"),
            ],
            rows,
        )
    labels = {
        "billed": _("Billed"),
        "collected": _("Collected by the month's end"),
        "now": _("Collected by now"),
        "rate": _("Rate (%)"),
        "total": _("All estates shown"),
    }
    return render(
        request,
        "tenancy/reports/collection.html",
        {
            "form": form,
            "months": months,
            "per_estate": per_estate,
            "total": total,
            "chart": selectors.chart_data(months, per_estate, total, labels),
            "today": timezone.localdate(),
        },
    )


urlpatterns = [
    path("reports/", report_index, name="report_index"),
    path("reports/rent-roll/", report_rent_roll, name="report_rent_roll"),
    path("reports/collection/", report_collection, name="report_collection"),
]
