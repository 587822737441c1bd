"""The SLA compliance report of repairs: by property company and month, the share of
orders responded to in time and done in time, the average rating and the reopen
rate, with charts and an Excel export. The numbers come from
`selectors.repair_reports.sla_compliance`, over the orders the reader sees."""

import datetime

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.export import xlsx_response
from anju.core.roles import Perm

from ..forms.workorders import ReportFilterForm
from ..selectors.repair_reports import months_between, sla_compliance_for

SPAN_MONTHS = 12


def _span(data) -> tuple[datetime.date, datetime.date]:
    this_month = timezone.localdate().replace(day=1)
    last = data.get("last") or this_month
    first = data.get("first")
    if first is None:
        year, month0 = divmod(last.year * 12 + last.month - 1 - (SPAN_MONTHS - 1), 12)
        first = datetime.date(year, month0 + 1, 1)
    if first > last:
        first, last = last, first
    return first, last


def _pct(value):
    return "" if value is None else value


def _export(rows):
    headers = [
        _("Property company"),
        _("Month"),
        _("Orders"),
        _("Responses due"),
        _("Responded in time"),
        _("Responded in time (%)"),
        _("Completions due"),
        _("Done in time"),
        _("Done in time (%)"),
        _("Ratings"),
        _("Average rating"),
        _("Reopened"),
        _("Reopen rate (%)"),
    ]
    return xlsx_response(
        "repair-sla.xlsx",
        headers,
        (
            [
                r.company,
                f"{r.month:%Y-%m}",
                r.orders,
                r.respond_due,
                r.respond_ok,
                _pct(r.respond_rate),
                r.done_due,
                r.done_ok,
                _pct(r.done_rate),
                r.rated,
                _pct(r.rating),
                r.reopened,
                _pct(r.reopen_rate),
            ]
            for r in rows
        ),
    )


@staff_view(Perm.HELPDESK_VIEW)
def repair_sla_report(request):
    default_first, default_last = _span({})
    form = ReportFilterForm(
        request.GET or None,
        user=request.user,
        initial={"first": f"{default_first:%Y-%m}", "last": f"{default_last:%Y-%m}"},
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    first, last = _span(data)
    company = data.get("company")
    rows = sla_compliance_for(request.user, first=first, last=last, company=company)
    if request.GET.get("format") == "xlsx" and request.user.can(Perm.EXPORT):
        return _export(rows)
    totals = sla_compliance_for(
        request.user, first=first, last=last, company=company, by_month=False
    )
    months = months_between(first, last)
    by_company: dict[int, dict] = {}
    for row in rows:
        by_company.setdefault(row.company_id, {})[row.month] = row
    chart = {
        "months": [f"{m:%Y-%m}" for m in months],
        "labels": {
            "respond": _("Responded in time (%)"),
            "done": _("Done in time (%)"),
            "rating": _("Average rating"),
        },
        "companies": [t.company for t in totals],
        "respond": [t.respond_rate for t in totals],
        "done": [t.done_rate for t in totals],
        "series": [
            {
                "name": t.company,
                "done": [
                    getattr(by_company[t.company_id].get(m), "done_rate", None) for m in months
                ],
            }
            for t in totals
        ],
    }
    return render(
        request,
        "helpdesk/workorders/report_sla.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "rows": rows,
            "totals": totals,
            "chart": chart,
        },
    )


urlpatterns = [
    path("repairs/reports/sla/", repair_sla_report, name="repair_sla_report"),
]
