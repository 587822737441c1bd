"""My conduct: the household's valid tenant points and written warnings with what each
was for and until when, its good-conduct credit, and the notices of its violation cases
(a case shows here once its notice is issued). Only the signed-in tenant's household."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from anju.core.access import get_or_404
from anju.supervision.models import ViolationCase
from anju.supervision.selectors.points import standing

from ..access import portal_view
from .tenancy import own_tenant_household


def _notified(household):
    return ViolationCase.objects.filter(household=household, notice_issued_on__isnull=False)


@portal_view(find=own_tenant_household)
def my_conduct(request, household):
    today = timezone.localdate()
    mine = standing(household, today)
    return render(
        request,
        "portal/conduct/my_conduct.html",
        {
            "household": household,
            "today": today,
            "standing": mine,
            "valid_entries": [e for e in mine.entries if e.is_valid],
            "cases": list(_notified(household).order_by("-notice_issued_on", "-id")),
        },
    )


def own_case(user, pk):
    household = own_tenant_household(user)
    return get_or_404(_notified(household), pk=pk)


@portal_view(find=own_case)
def my_case_notice(request, case, pk):
    if not case.notice_document:
        raise Http404
    response = FileResponse(case.notice_document.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}.pdf"'
    return response


urlpatterns = [
    path("my/conduct/", my_conduct, name="portal_conduct"),
    path("my/conduct/cases/<int:pk>/notice.pdf", my_case_notice, name="portal_case_notice"),
]
