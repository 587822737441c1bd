"""The household's yearly recertification on the portal: where it stands (the deadline,
what it declared, the confirmed outcome and any new rent), and its declaration, open
while the household has a case in an open campaign that is not confirmed. Both start
from the signed-in account's own household; the rules are in
anju.tenancy.services.recertification, the same as at the counter."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.tenancy.forms_recert import DeclarationForm
from anju.tenancy.models import EntryChannel
from anju.tenancy.selectors.recertification import portal_standing
from anju.tenancy.services.recertification import open_case_of, recert_declare

from ..access import own_household, portal_view


def _own_standing(user, **_kwargs) -> dict:
    standing = portal_standing(own_household(user))
    if standing is None:
        raise Http404
    return standing


def _own_open_case(user, **_kwargs):
    case = open_case_of(own_household(user))
    if case is None:
        raise Http404
    return case


@portal_view(find=_own_standing)
def recert_status(request, standing):
    return render(request, "portal/recert.html", standing)


@portal_view(find=_own_open_case, methods=("GET", "POST"))
def recert_declare_page(request, case):
    form = DeclarationForm(
        request.POST or None,
        members=case.household.members.current().order_by("id"),
        declaration=case.declaration,
    )
    if request.method == "POST" and form.is_valid():
        try:
            recert_declare(case, actor=request.user, channel=EntryChannel.PORTAL, **form.declared())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Thank you; your declaration is recorded. You may correct it until %(day)s.")
                % {"day": f"{case.campaign.declare_by:%Y-%m-%d}"},
            )
            return redirect("portal_recert")
    return render(
        request,
        "portal/recert_declare.html",
        {"case": case, "campaign": case.campaign, "form": form},
    )


urlpatterns = [
    path("my/recertification/", recert_status, name="portal_recert"),
    path("my/recertification/declare/", recert_declare_page, name="portal_recert_declare"),
]
