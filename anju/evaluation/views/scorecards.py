"""One party's scorecard in one period, and the records behind each score.

The scorecard shows every indicator with its value, target, score and weight; each
computed value links to its drill-down, which lists the records the value was computed
from and recounts it. Manual scores show their evaluator, comment and evidence (each
download scoped like the scorecard), and take the evaluator's form while the period is
open. The party's objection form, the objections and the resolve form are on the same
page (their actions are in `objections`)."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.roles import Perm

from ..forms.periods import ObjectionForm, ResolveForm, ScoreForm
from ..models import ObjectionStatus, PeriodStatus
from ..selectors import periods as q
from ..selectors.scorecards import scorecard_lines, scorecard_objections, trace
from ..services.manual_scores import score_enter
from ..services.objections import may_object
from .periods import form_errors


def scorecard_context(request, evaluation) -> dict:
    user = request.user
    period = evaluation.period
    lines = scorecard_lines(evaluation)
    objections = scorecard_objections(evaluation)
    scoring = period.status == PeriodStatus.OPEN and user.can(Perm.EVALUATION_SCORE)
    resolving = period.status == PeriodStatus.DISCLOSED and user.can(Perm.EVALUATION_MANAGE)
    return {
        "evaluation": evaluation,
        "period": period,
        "lines": lines,
        "objections": objections,
        "scoring": scoring,
        "score_form": ScoreForm(),
        "may_object": may_object(evaluation, user),
        "objection_form": ObjectionForm(scores=lines),
        "resolving": resolving,
        "resolve_form": ResolveForm(),
        "pending": [o for o in objections if o.status == ObjectionStatus.PENDING],
        "today": timezone.localdate(),
    }


@staff_view(Perm.EVALUATION_VIEW, find=q.find_evaluation)
def evaluation_scorecard(request, evaluation, pk):
    return render(
        request, "evaluation/scorecards/detail.html", scorecard_context(request, evaluation)
    )


@staff_view(Perm.EVALUATION_SCORE, find=q.find_score, methods=("POST",))
def evaluation_score_enter(request, score, pk):
    form = ScoreForm(request.POST, request.FILES)
    back = redirect("evaluation_scorecard", pk=score.evaluation_id)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    data = form.cleaned_data
    try:
        score_enter(
            score,
            actor=request.user,
            value=data["value"],
            comment=data["comment"],
            evidence=data["evidence"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(
        request,
        _("%(name)s scored %(value)s.") % {"name": score.line.indicator.name, "value": score.value},
    )
    return back


@staff_view(Perm.EVALUATION_VIEW, find=q.find_score)
def evaluation_trace(request, score, pk):
    if score.line.indicator.is_manual:
        # A person's score has no records behind it: its evidence is on the scorecard.
        raise Http404
    result = trace(score, request.user, request.GET.get("page"))
    context = {
        "score": score,
        "evaluation": score.evaluation,
        "period": score.evaluation.period,
        "indicator": score.line.indicator,
        "trace": result,
        "page": result.page,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "evaluation/scorecards/trace.html#table", context)
    return render(request, "evaluation/scorecards/trace.html", context)


@staff_view(Perm.EVALUATION_VIEW, find=q.find_evidence)
def evaluation_evidence(request, evidence, pk):
    # Evidence is never served from a public media URL; each download is scoped.
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=False,
        filename=evidence.file.name.rsplit("/", 1)[-1],
    )


urlpatterns = [
    path("evaluation/scorecards/<int:pk>/", evaluation_scorecard, name="evaluation_scorecard"),
    path(
        "evaluation/scores/<int:pk>/enter/", evaluation_score_enter, name="evaluation_score_enter"
    ),
    path("evaluation/scores/<int:pk>/records/", evaluation_trace, name="evaluation_trace"),
    path("evaluation/evidence/<int:pk>/", evaluation_evidence, name="evaluation_evidence"),
]
