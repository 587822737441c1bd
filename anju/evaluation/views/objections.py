"""Objections: the list (pending first) with the resolve form inline, the party's
objection to its draft scores, and the authority's resolution."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms.periods import ObjectionForm, ResolveForm
from ..models import ObjectionStatus
from ..selectors import periods as q
from ..selectors.scorecards import scorecard_lines
from ..services.objections import objection_raise, objection_resolve
from .periods import form_errors


@staff_view(Perm.EVALUATION_VIEW)
def evaluation_objections(request):
    status = request.GET.get("status", "")
    if status not in ObjectionStatus.values:
        status = ""
    return list_page(
        request,
        "evaluation/objections/list.html",
        q.objections_for(request.user, status=status),
        {
            "status": status,
            "statuses": ObjectionStatus.choices,
            "resolve_form": ResolveForm(),
            "resolving": request.user.can(Perm.EVALUATION_MANAGE),
        },
    )


@staff_view(Perm.EVALUATION_RESPOND, find=q.find_evaluation, methods=("POST",))
def evaluation_objection_raise(request, evaluation, pk):
    scores = scorecard_lines(evaluation)
    form = ObjectionForm(request.POST, scores=scores)
    back = redirect("evaluation_scorecard", pk=evaluation.pk)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    score = next((s for s in scores if s.pk == form.cleaned_data["score"]), None)
    try:
        objection_raise(
            evaluation, actor=request.user, reasons=form.cleaned_data["reasons"], score=score
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, _("Your objection is recorded; the authority will resolve it."))
    return back


@staff_view(Perm.EVALUATION_MANAGE, find=q.find_objection, methods=("POST",))
def evaluation_objection_resolve(request, objection, pk):
    form = ResolveForm(request.POST)
    nxt = request.POST.get("next")
    back = redirect(
        "evaluation_objections" if nxt == "list" else "evaluation_scorecard",
        **({} if nxt == "list" else {"pk": objection.evaluation_id}),
    )
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    data = form.cleaned_data
    try:
        objection = objection_resolve(
            objection,
            actor=request.user,
            upheld=data["upheld"],
            resolution=data["resolution"],
            new_value=data["new_value"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(
        request,
        _("The objection is resolved: %(status)s.") % {"status": objection.get_status_display()},
    )
    return back


urlpatterns = [
    path("evaluation/objections/", evaluation_objections, name="evaluation_objections"),
    path(
        "evaluation/scorecards/<int:pk>/object/",
        evaluation_objection_raise,
        name="evaluation_objection_raise",
    ),
    path(
        "evaluation/objections/<int:pk>/resolve/",
        evaluation_objection_resolve,
        name="evaluation_objection_resolve",
    ),
]
