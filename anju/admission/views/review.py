"""The reviewer's side: the task list (what awaits my decision, the most urgent first),
the decision on an application at the reviewer's level, and the decision on a
duplicate or ban flag."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms import FlagResolveForm, ReviewForm, form_errors
from ..models import Decision, FlagStatus
from ..selectors import applications as selectors
from ..services.flags import flag_resolve
from ..services.review import review_decide
from .applications import list_export


@staff_view(Perm.APPLICATION_REVIEW)
def review_task_list(request):
    return list_page(
        request,
        "admission/applications/list.html",
        selectors.review_tasks(request.user),
        {"tasks": True},
        export=list_export(),
    )


@staff_view(Perm.APPLICATION_REVIEW, find=selectors.application_for_user, methods=("POST",))
def application_review(request, application, pk):
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("application_detail", pk=application.pk)
    try:
        review = review_decide(application, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("application_detail", pk=application.pk)
    done = {
        Decision.APPROVE: _("Application %(n)s approved at the %(level)s level; now %(s)s."),
        Decision.RETURN: _("Application %(n)s returned for correction."),
        Decision.REJECT: _("Application %(n)s rejected."),
    }
    messages.success(
        request,
        done[review.decision]
        % {
            "n": application.number,
            "level": review.get_level_display(),
            "s": application.get_status_display(),
        },
    )
    if review.false_declaration:
        messages.warning(
            request,
            _("A false declaration is recorded in the household's archive (art. 35)."),
        )
    # Once the decision is taken the reviewer's next task is the usual next stop.
    return redirect("review_task_list")


@staff_view(Perm.APPLICATION_REVIEW, find=selectors.flag_for_user, methods=("POST",))
def application_flag_resolve(request, flag, pk, flag_pk):
    form = FlagResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            flag_resolve(flag, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            done = (
                _("Flag on %(name)s cleared.")
                if flag.status == FlagStatus.CLEARED
                else _("Flag on %(name)s upheld.")
            )
            messages.success(request, done % {"name": flag.member.name})
    return redirect("application_detail", pk=pk)


urlpatterns = [
    path("applications/tasks/", review_task_list, name="review_task_list"),
    path("applications/<int:pk>/review/", application_review, name="application_review"),
    path(
        "applications/<int:pk>/flags/<int:flag_pk>/",
        application_flag_resolve,
        name="application_flag_resolve",
    ),
]
