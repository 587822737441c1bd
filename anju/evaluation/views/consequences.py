"""Consequences of the grades (激励约束): the list with its deadlines and one
consequence with the actions each viewer may take. Scoped through
Consequence.objects.visible_to; which action a role may take is declared on each view
and, for `done`, refined by the consequence's kind (services.consequences.consequence_may)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.models import TimelineEntry
from anju.core.roles import Perm

from ..forms.consequences import ConsequenceFilterForm, NoteForm
from ..selectors import consequences as selectors
from ..services import consequences as services


@staff_view(Perm.EVALUATION_VIEW)
def evaluation_consequences(request):
    query = request.GET.copy()
    if "state" not in query:
        query["state"] = "open"
    form = ConsequenceFilterForm(query)
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    rows = selectors.consequence_list(
        request.user,
        kind=filters.get("kind", ""),
        state=filters.get("state", "open"),
        party_kind=filters.get("party_kind", ""),
        overdue=bool(filters.get("overdue")),
        q=(filters.get("q") or "").strip(),
        today=today,
    )
    return list_page(
        request,
        "evaluation/consequences/list.html",
        rows,
        {
            "filter": {"form": form},
            "today": today,
            "due": selectors.rectifications_due(request.user, today=today),
        },
    )


@staff_view(Perm.EVALUATION_VIEW, find=selectors.consequence_for_user)
def evaluation_consequence(request, consequence, pk):
    user = request.user
    household = consequence.evaluation.household_id
    history = []
    if household:
        history = list(
            TimelineEntry.objects.filter(
                household_id=household,
                verb__startswith="evaluation.consequence",
                data__period=consequence.evaluation.period.name,
                data__kind=consequence.kind,
            )
            .select_related("actor")
            .order_by("at", "id")
        )
    return render(
        request,
        "evaluation/consequences/detail.html",
        {
            "c": consequence,
            "may": {a: services.consequence_may(consequence, user, a) for a in services.ACTIONS},
            "overdue": consequence.is_overdue(),
            "history": history,
            "details": services.details_of(consequence),
        },
    )


def _act(request, consequence, action, call, success, *, needs_note=True):
    # In scope, and the action fits, but this role may not take it here: 403. An action
    # that does not fit the consequence's state is the service's error message.
    if services.consequence_applies(consequence, action) and not services.consequence_entitled(
        consequence, request.user, action
    ):
        raise PermissionDenied
    note = ""
    if needs_note:
        form = NoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write a note."))
            return redirect("evaluation_consequence", consequence.pk)
        note = form.cleaned_data["note"]
    try:
        call(note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("evaluation_consequence", consequence.pk)


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.consequence_for_user, methods=("POST",))
def evaluation_consequence_confirm(request, consequence, pk):
    return _act(
        request,
        consequence,
        "confirm",
        lambda note: services.consequence_confirm(consequence, actor=request.user),
        _("The termination is confirmed."),
        needs_note=False,
    )


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.consequence_for_user, methods=("POST",))
def evaluation_consequence_reject(request, consequence, pk):
    return _act(
        request,
        consequence,
        "reject",
        lambda note: services.consequence_reject(consequence, actor=request.user, reason=note),
        _("The termination is not pursued."),
    )


@staff_view(Perm.EVALUATION_RESPOND, find=selectors.consequence_for_user, methods=("POST",))
def evaluation_consequence_report(request, consequence, pk):
    return _act(
        request,
        consequence,
        "report",
        lambda note: services.consequence_report(consequence, actor=request.user, note=note),
        _("Your report is recorded; the authority will verify the rectification."),
    )


@staff_view(
    (Perm.EVALUATION_MANAGE, Perm.CONSEQUENCE_RECORD),
    find=selectors.consequence_for_user,
    methods=("POST",),
)
def evaluation_consequence_done(request, consequence, pk):
    return _act(
        request,
        consequence,
        "done",
        lambda note: services.consequence_done(consequence, actor=request.user, note=note),
        _("Recorded as carried out."),
    )


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.consequence_for_user, methods=("POST",))
def evaluation_consequence_cancel(request, consequence, pk):
    return _act(
        request,
        consequence,
        "cancel",
        lambda note: services.consequence_cancel(consequence, actor=request.user, reason=note),
        _("The consequence is cancelled."),
    )


urlpatterns = [
    path("evaluation/consequences/", evaluation_consequences, name="evaluation_consequences"),
    path(
        "evaluation/consequences/<int:pk>/", evaluation_consequence, name="evaluation_consequence"
    ),
    path(
        "evaluation/consequences/<int:pk>/confirm/",
        evaluation_consequence_confirm,
        name="evaluation_consequence_confirm",
    ),
    path(
        "evaluation/consequences/<int:pk>/reject/",
        evaluation_consequence_reject,
        name="evaluation_consequence_reject",
    ),
    path(
        "evaluation/consequences/<int:pk>/report/",
        evaluation_consequence_report,
        name="evaluation_consequence_report",
    ),
    path(
        "evaluation/consequences/<int:pk>/done/",
        evaluation_consequence_done,
        name="evaluation_consequence_done",
    ),
    path(
        "evaluation/consequences/<int:pk>/cancel/",
        evaluation_consequence_cancel,
        name="evaluation_consequence_cancel",
    ),
]
