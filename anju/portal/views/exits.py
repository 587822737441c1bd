"""My exit: the household's exit case while it runs (the stage, the deadline to
vacate, the rents of the moving period and after it, the vacate notice to read), or,
for a household with an active lease and no case, a form to ask to leave (主动退出):
the day it would like to hand the keys back and a note. The request becomes a
voluntary exit case through the same service as the counter. Only the signed-in
tenant's own household."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import get_or_404
from anju.core.errors import DomainError
from anju.exits.forms.cases import ExitRequestForm
from anju.exits.models import ExitCase, ExitChannel, Stage
from anju.exits.services.cases import exit_request
from anju.households.models import LeaseStatus

from ..access import portal_view
from .tenancy import own_tenant_household

# The stages in the order the tenant lives them, for the progress shown.
TENANT_PATH = [Stage.OPEN, Stage.DECIDED, Stage.MOVING, Stage.HANDED_OVER, Stage.CLOSED]


def _progress(case: ExitCase) -> list[dict]:
    stage = Stage(case.stage)
    # Overstaying and the court come after the moving period and before the handover.
    at = {Stage.OVERSTAY: 2, Stage.LITIGATION: 2}.get(stage)
    current = at if at is not None else TENANT_PATH.index(stage)
    return [
        {"label": s.label, "done": i < current, "current": i == current}
        for i, s in enumerate(TENANT_PATH)
    ]


@portal_view(find=own_tenant_household, methods=("GET", "POST"))
def my_exit(request, household):
    live = (
        ExitCase.objects.live()
        .filter(household=household)
        .select_related("unit", "estate", "lease")
        .first()
    )
    lease = household.leases.filter(status=LeaseStatus.ACTIVE).select_related("unit").first()
    form = None
    if live is None and lease is not None:
        form = ExitRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                case = exit_request(
                    household,
                    actor=request.user,
                    move_out_on=form.cleaned_data["move_out_on"],
                    note=form.cleaned_data["note"],
                    channel=ExitChannel.PORTAL,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your request %(n)s is received. The authority decides on it and "
                        "sends you the vacate notice with the date and the rent."
                    )
                    % {"n": case.number},
                )
                return redirect("portal_exit")
    elif request.method == "POST":
        # Nothing to ask for: say why on the page itself.
        messages.error(
            request,
            _("Your household already has an exit in progress.")
            if live
            else _("Your household holds no active lease to end."),
        )
    past = list(
        ExitCase.objects.filter(
            household=household, stage__in=[Stage.CLOSED, Stage.WITHDRAWN]
        ).order_by("-opened_on", "-id")
    )
    return render(
        request,
        "portal/exits/my_exit.html",
        {
            "household": household,
            "case": live,
            "lease": lease,
            "form": form,
            "past": past,
            "today": timezone.localdate(),
            "progress": _progress(live) if live else [],
        },
    )


def own_noticed_case(user, pk):
    household = own_tenant_household(user)
    return get_or_404(
        ExitCase.objects.filter(household=household, notice_issued_on__isnull=False), pk=pk
    )


@portal_view(find=own_noticed_case)
def my_exit_notice(request, case, pk):
    if not case.notice_document:
        raise Http404
    response = FileResponse(case.notice_document.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.notice_number}.pdf"'
    return response


urlpatterns = [
    path("my/exit/", my_exit, name="portal_exit"),
    path("my/exit/<int:pk>/notice.pdf", my_exit_notice, name="portal_exit_notice_pdf"),
]
