"""Each evaluated organisation's dashboard (Perm.EVALUATION_VIEW): its latest
scorecard, its grades and each indicator over the periods, its open consequences
with their deadlines and its pending objections. A viewer who may not see the
organisation's scorecards gets 404; `my_dashboard` sends a staff member to their own
organisation's page (404 when it is never evaluated, as the authority is not)."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from anju.core.access import staff_view
from anju.core.roles import Perm

from ..selectors.party_dashboards import (
    chart_labels,
    organisation_for,
    own_organisation_id,
    party_dashboard,
)


def _organisation_for(user, pk):
    return organisation_for(user, pk)


@staff_view(Perm.EVALUATION_VIEW, find=_organisation_for)
def party_dashboard_page(request, organisation, pk):
    dashboard = party_dashboard(request.user, organisation, today=timezone.localdate())
    return render(
        request,
        "evaluation/dashboards/party.html",
        {"dashboard": dashboard, "chart": dashboard.chart(), "labels": chart_labels()},
    )


@staff_view(Perm.EVALUATION_VIEW)
def my_dashboard(request):
    org = own_organisation_id(request.user)
    if org is None:
        raise Http404
    return redirect("party_dashboard", pk=org)


urlpatterns = [
    path("evaluation/parties/<int:pk>/", party_dashboard_page, name="party_dashboard"),
    path("evaluation/mine/", my_dashboard, name="my_dashboard"),
]
