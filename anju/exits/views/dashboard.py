"""Staff pages of the exits app: the dashboard (Perm.EXITS_VIEW, over the cases the user
may see): the cases in each stage, the overdue steps with who acts next, the households
overstaying at market rent, and the days from the decision to an empty unit per estate
and per reason in a chosen year, as charts, tables and a CSV file (?format=csv)."""

import csv
import io

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.access import staff_view
from anju.core.roles import Perm
from anju.housing.models import Estate

from ..selectors import dashboard as selectors


class DashboardForm(forms.Form):
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All estates"),
    )
    year = forms.IntegerField(
        label=gettext_lazy("Handed over in"), required=False, min_value=2000, max_value=2100
    )

    def __init__(self, *args, user, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["year"].widget = forms.Select(choices=[(y, y) for y in years])

    def value(self, name):
        """A field's clean value, or None when it is missing or wrong (the other
        fields still count)."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)


@staff_view(Perm.EXITS_VIEW)
def exits_dashboard(request):
    today = timezone.localdate()
    cases = selectors.cases_for(request.user)
    years = selectors.handover_years(cases, today=today)
    form = DashboardForm(request.GET or None, user=request.user, years=years)
    estate, year = form.value("estate"), form.value("year") or today.year
    if year not in years:  # a year without handovers, asked for in the address
        form.fields["year"].widget.choices = [(y, y) for y in sorted({*years, year}, reverse=True)]
    if request.GET.get("format") == "csv" and request.user.can(Perm.EXPORT):
        spans = selectors.decision_to_empty(
            selectors.cases_for(request.user, estate=estate), year=year
        )
        return _csv(spans, estate)
    board = selectors.dashboard(request.user, year=year, estate=estate, today=today)
    return render(
        request,
        "exits/dashboard.html",
        {
            "form": form,
            "board": board,
            "estate": estate,
            "year": year,
            "chart": selectors.chart_data(board.spans),
            "may_export": request.user.can(Perm.EXPORT),
        },
    )


def _csv(spans: selectors.DecisionToEmpty, estate) -> HttpResponse:
    """The averages as a CSV file (UTF-8 with a byte-order mark, which spreadsheet
    programs need to read Chinese), one row per estate, per reason, and all cases."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("Breakdown"),
            _("Estate or reason"),
            _("Year handed over"),
            _("Cases"),
            _("Total days"),
            _("Average days from decision to empty unit"),
            _("Longest (days)"),
        ]
    )
    rows = [
        *((_("Estate"), s) for s in spans.by_estate),
        *((_("Reason"), s) for s in spans.by_reason),
        (_("All"), spans.overall),
    ]
    for breakdown, span in rows:
        writer.writerow(
            [
                breakdown,
                span.label,
                spans.year,
                span.cases,
                span.total_days,
                "" if span.average is None else span.average,
                span.longest if span.cases else "",
            ]
        )
    name = f"exits-decision-to-empty-{spans.year}"
    if estate is not None:
        name += f"-{estate.code}"
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


urlpatterns = [path("exits/dashboard/", exits_dashboard, name="exits_dashboard")]
