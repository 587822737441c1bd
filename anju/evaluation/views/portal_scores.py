"""The tenant's evaluation on the portal: the household's scorecards of disclosed and
published periods, each indicator's value and score, its objections and their
resolutions, and the objection form while the period is open to objections. Only the
signed-in tenant's own household."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import get_or_404
from anju.core.errors import DomainError
from anju.portal.access import own_household, portal_view

from ..forms.periods import ObjectionForm
from ..selectors.periods import portal_scorecards
from ..selectors.scorecards import scorecard_lines, scorecard_objections
from ..services.objections import may_object, objection_raise


@portal_view(find=lambda user, **kw: own_household(user))
def portal_evaluation(request, household):
    cards = []
    for evaluation in portal_scorecards(household):
        lines = scorecard_lines(evaluation)
        cards.append(
            {
                "evaluation": evaluation,
                "lines": lines,
                "objections": scorecard_objections(evaluation),
                "may_object": may_object(evaluation, request.user),
                "form": ObjectionForm(scores=lines),
            }
        )
    return render(
        request, "evaluation/portal/scores.html", {"household": household, "cards": cards}
    )


def own_scorecard(user, pk):
    return get_or_404(portal_scorecards(own_household(user)), pk=pk)


@portal_view(find=own_scorecard, methods=("POST",))
def portal_evaluation_object(request, evaluation, pk):
    scores = scorecard_lines(evaluation)
    form = ObjectionForm(request.POST, scores=scores)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for es in form.errors.values() for e in es))
        return redirect("portal_evaluation")
    score = next((s for s in scores if s.pk == form.cleaned_data["score"]), None)
    try:
        objection_raise(
            evaluation, actor=request.user, reasons=form.cleaned_data["reasons"], score=score
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your objection is recorded; the authority will resolve it."))
    return redirect("portal_evaluation")


urlpatterns = [
    path("my/evaluation/", portal_evaluation, name="portal_evaluation"),
    path(
        "my/evaluation/<int:pk>/object/",
        portal_evaluation_object,
        name="portal_evaluation_object",
    ),
]
