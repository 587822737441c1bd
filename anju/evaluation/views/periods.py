"""Staff pages of evaluation periods: the list (with the form to open one), a period's
page (its steps, the computing job's progress, counts per party kind, the actions and
the ranked scorecards one sees, filtered and paged), and the actions: compute (again),
disclose, publish. Each action is a POST that shows the service's refusal as a
message."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms.periods import PeriodOpenForm, ScorecardFilterForm
from ..models import PeriodStatus
from ..selectors import periods as q
from ..services.period_compute import period_compute_start
from ..services.periods import period_disclose, period_open, period_publish, unscored_manual

STEPS = (PeriodStatus.OPEN, PeriodStatus.DISCLOSED, PeriodStatus.PUBLISHED)


@staff_view(Perm.EVALUATION_VIEW)
def evaluation_periods(request):
    return render(
        request,
        "evaluation/periods/list.html",
        {"periods": list(q.periods()), "form": PeriodOpenForm()},
    )


@staff_view(Perm.EVALUATION_MANAGE, methods=("POST",))
def evaluation_period_open(request):
    form = PeriodOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("evaluation_periods")
    try:
        period = period_open(actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("evaluation_periods")
    messages.success(
        request,
        _("Evaluation period %(name)s opened. Compute its scores next.") % {"name": period.name},
    )
    return redirect("evaluation_period", pk=period.pk)


def form_errors(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


@staff_view(Perm.EVALUATION_VIEW, find=q.find_period)
def evaluation_period(request, period, pk):
    user = request.user
    form = ScorecardFilterForm(request.GET or None)
    rows = q.scorecards(period, user, **form.filters())
    manages = user.can(Perm.EVALUATION_MANAGE)
    job = period.job if period.job_id and period.job.created_by_id == user.pk else None
    return list_page(
        request,
        "evaluation/periods/detail.html",
        rows,
        {
            "period": period,
            "steps": [(s, s.label, STEPS.index(s) <= STEPS.index(period.status)) for s in STEPS],
            "counts": q.kind_counts(period, user),
            "filter": {"form": form},
            "manages": manages,
            "job": job,
            "computing": bool(period.job_id and not period.job.is_finished),
            "unscored": unscored_manual(period).count()
            if period.status == PeriodStatus.OPEN
            else 0,
        },
    )


def _act(request, period, action, success):
    try:
        action(period, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success % {"name": period.name})
    return redirect("evaluation_period", pk=period.pk)


@staff_view(Perm.EVALUATION_MANAGE, find=q.find_period, methods=("POST",))
def evaluation_period_compute(request, period, pk):
    return _act(
        request,
        period,
        period_compute_start,
        _("Computing the scores of %(name)s in the background."),
    )


@staff_view(Perm.EVALUATION_MANAGE, find=q.find_period, methods=("POST",))
def evaluation_period_disclose(request, period, pk):
    return _act(
        request,
        period,
        period_disclose,
        _("The draft scores of %(name)s are disclosed; the parties have been told."),
    )


@staff_view(Perm.EVALUATION_MANAGE, find=q.find_period, methods=("POST",))
def evaluation_period_publish(request, period, pk):
    return _act(
        request,
        period,
        period_publish,
        _("The grades of %(name)s are published and their consequences raised."),
    )


urlpatterns = [
    path("evaluation/periods/", evaluation_periods, name="evaluation_periods"),
    path("evaluation/periods/open/", evaluation_period_open, name="evaluation_period_open"),
    path("evaluation/periods/<int:pk>/", evaluation_period, name="evaluation_period"),
    path(
        "evaluation/periods/<int:pk>/compute/",
        evaluation_period_compute,
        name="evaluation_period_compute",
    ),
    path(
        "evaluation/periods/<int:pk>/disclose/",
        evaluation_period_disclose,
        name="evaluation_period_disclose",
    ),
    path(
        "evaluation/periods/<int:pk>/publish/",
        evaluation_period_publish,
        name="evaluation_period_publish",
    ),
]
