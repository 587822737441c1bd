"""The portal's front door: a household's own home page, or the way to where the
account stands (applying, or following an application)."""

from django.http import Http404
from django.shortcuts import redirect, render

from anju.evaluation.selectors.consequences import household_standing
from anju.helpdesk.selectors.feedback import household_feedback_card
from anju.helpdesk.selectors.workorders import open_repairs_of
from anju.households.models import LeaseStatus
from anju.households.selectors import archive
from anju.outreach.selectors.notices import awaiting_confirmation

from ..access import is_applicant_account, portal_view
from .activities import community_card

NOTICES_ON_HOME = 5


@portal_view()
def home(request):
    user = request.user
    if not user.household_id:
        if is_applicant_account(user):
            return redirect("portal_apply")
        raise Http404
    household = user.household
    data = archive(household)
    lease = next((lease for lease in data["leases"] if lease.status == LeaseStatus.ACTIVE), None)
    # A family still applying or waiting has no home yet: its application is its page.
    if lease is None and hasattr(household, "application"):
        return redirect("portal_application")
    return render(
        request,
        "portal/home.html",
        {
            "household": household,
            "members": [m for m in data["members"] if not m.left_at],
            "lease": lease,
            "recert_case": household.recert_cases.select_related("campaign")
            .filter(campaign__status="open")
            .order_by("-campaign__opened_on")
            .first(),
            "timeline": [e for e in data["timeline"] if e.verb != "pii.unmasked"][:30],
            "community_card": community_card(household),
            "feedback_card": household_feedback_card(household),
            "repairs": open_repairs_of(household),
            # Important notices still to confirm: one query, the first few.
            "notices_to_confirm": list(awaiting_confirmation(household)[:NOTICES_ON_HOME]),
            "standing": household_standing(household),
        },
    )
