"""The district at a glance (驾驶舱, Perm.COCKPIT_VIEW): a full-screen page for a wall
screen or a projector, and the JSON it fetches every minute to redraw its charts in
place. The numbers come from `selectors.cockpit.cockpit_panels`."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.roles import Perm

from ..selectors.cockpit import cockpit_panels

REFRESH_SECONDS = 60


@staff_view(Perm.COCKPIT_VIEW)
def cockpit(request):
    return render(
        request,
        "evaluation/cockpit/page.html",
        {
            "data": cockpit_panels(request.user),
            "refresh_seconds": REFRESH_SECONDS,
            "texts": {"none_due": _("None due within 30 days.")},
        },
    )


@staff_view(Perm.COCKPIT_VIEW)
def cockpit_data(request):
    response = JsonResponse(cockpit_panels(request.user))
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("cockpit/", cockpit, name="cockpit"),
    path("cockpit/data/", cockpit_data, name="cockpit_data"),
]
