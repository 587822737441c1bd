"""Tips on the portal: a tenant reports a misuse of public rental housing (the same
service as the public page, recording the tenant's account as the sender) and follows
the tips they gave, each with its progress as the public status page shows it. Only
the signed-in tenant's own tips."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.supervision.forms.tips import PortalTipForm
from anju.supervision.models import TipSource
from anju.supervision.selectors.tips import tips_of_account
from anju.supervision.services.tips import public_status, tip_submit

from ..access import own_household, portal_view


@portal_view(find=own_household)
def my_tips(request, household):
    tips = list(tips_of_account(request.user))
    return render(
        request,
        "portal/tips/list.html",
        {"rows": [(tip, public_status(tip.tracking_code)) for tip in tips]},
    )


@portal_view(find=own_household, methods=("GET", "POST"))
def my_tip_new(request, household):
    form = PortalTipForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            tip = tip_submit(source=TipSource.PORTAL, actor=request.user, **form.service_kwargs())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Thank you. Your tip %(n)s is received; follow it here.") % {"n": tip.number},
            )
            return redirect("portal_tips")
    return render(request, "portal/tips/new.html", {"form": form})


urlpatterns = [
    path("my/tips/", my_tips, name="portal_tips"),
    path("my/tips/new/", my_tip_new, name="portal_tip_new"),
]
