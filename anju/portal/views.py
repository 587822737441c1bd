"""The tenant's pages. Every lookup starts from the signed-in tenant's own household."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from anju.households.selectors import archive


def own_household(user):
    if not user.household_id:
        raise Http404
    return user.household


@require_GET
@login_required
def home(request):
    household = own_household(request.user)
    data = archive(household)
    return render(
        request,
        "portal/home.html",
        {
            "household": household,
            "members": [m for m in data["members"] if not m.left_at],
            "lease": next((lease for lease in data["leases"] if lease.status == "active"), None),
            "timeline": [e for e in data["timeline"] if e.verb != "pii.unmasked"][:30],
        },
    )
