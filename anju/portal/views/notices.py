"""Notices for my household: the live notices of the district, of my estate and of my
building, newest first with the pinned ones on top; a notice's page with its questions
and answers and its attachments; and, for an important notice, the button that
confirms the household has read it (once: pressing it again changes nothing). The
badge of the portal's menu counts the important notices not yet confirmed. Only the
signed-in tenant's own household."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.outreach.selectors import notices as selectors
from anju.outreach.services.notices import notice_confirm_read
from anju.outreach.views.notices import attachment_response

from ..access import portal_view
from .tenancy import own_tenant_household


def own_notice(user, pk):
    return selectors.household_notice(own_tenant_household(user), pk)


@portal_view(find=own_tenant_household)
def my_notices(request, household):
    notices = list(
        selectors.household_notices(household)
        .select_related("estate", "building")
        .order_by("-pinned", "-publish_at", "-id")[:100]
    )
    waiting = [n for n in notices if n.important and not n.confirmed]
    return render(
        request,
        "portal/notices/list.html",
        {"household": household, "notices": notices, "waiting": waiting},
    )


@portal_view(find=own_notice)
def my_notice(request, notice, pk):
    return render(
        request,
        "portal/notices/detail.html",
        {
            "notice": notice,
            "questions": list(notice.questions.all()),
            "attachments": list(notice.attachments.all()),
        },
    )


@portal_view(find=own_notice, methods=("POST",))
def my_notice_confirm(request, notice, pk):
    try:
        notice_confirm_read(notice, household=request.user.household, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your household has confirmed reading it."))
    return redirect("portal_notice", pk=notice.pk)


@portal_view(find=own_tenant_household)
def my_notices_badge(request, household):
    """The number of important notices awaiting the household's confirmation, for the
    portal's menu (loaded after the page)."""
    return render(
        request,
        "portal/notices/_badge.html",
        {"waiting": selectors.awaiting_confirmation(household).count()},
    )


def own_notice_file(user, pk, file_pk):
    return selectors.household_attachment(own_tenant_household(user), pk, file_pk)


@portal_view(find=own_notice_file)
def my_notice_file(request, attachment, pk, file_pk):
    return attachment_response(attachment)


urlpatterns = [
    path("my/notices/", my_notices, name="portal_notices"),
    path("my/notices/badge/", my_notices_badge, name="portal_notices_badge"),
    path("my/notices/<int:pk>/", my_notice, name="portal_notice"),
    path("my/notices/<int:pk>/confirm/", my_notice_confirm, name="portal_notice_confirm"),
    path("my/notices/<int:pk>/files/<int:file_pk>/", my_notice_file, name="portal_notice_file"),
]
