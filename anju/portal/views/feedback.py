"""Feedback on the portal: a tenant gives feedback about their home (the same service as
the public page and the counter; the household's own estate), follows the household's
feedback step by step, and rates the answer, which closes it or, once and after a low
rating, reopens it. Only the signed-in tenant's own household's feedback."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import get_or_404
from anju.core.errors import DomainError
from anju.helpdesk.forms.feedback import PortalFeedbackForm, RateForm
from anju.helpdesk.models import FeedbackChannel, FeedbackStatus
from anju.helpdesk.selectors.feedback import household_feedback, trail
from anju.helpdesk.services import feedback_flow as flow
from anju.helpdesk.services.feedback import feedback_submit

from ..access import portal_view
from .tenancy import own_tenant_household


def own_feedback(user, pk):
    return get_or_404(household_feedback(own_tenant_household(user)), pk=pk)


@portal_view(find=own_tenant_household)
def my_feedback(request, household):
    return render(
        request,
        "portal/feedback/list.html",
        {"rows": list(household_feedback(household)), "now": timezone.now()},
    )


@portal_view(find=own_tenant_household, methods=("GET", "POST"))
def my_feedback_new(request, household):
    form = PortalFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            feedback = feedback_submit(
                channel=FeedbackChannel.PORTAL, actor=request.user, **form.service_kwargs()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Thank you. Your feedback %(n)s is received and sent to %(org)s; it "
                    "will be answered by %(by)s."
                )
                % {
                    "n": feedback.number,
                    "org": feedback.organisation.name,
                    "by": timezone.localtime(feedback.answer_by).strftime("%Y-%m-%d"),
                },
            )
            return redirect("portal_feedback_detail", pk=feedback.pk)
    return render(request, "portal/feedback/new.html", {"form": form, "household": household})


@portal_view(find=own_feedback)
def my_feedback_detail(request, feedback, pk):
    answered = feedback.status == FeedbackStatus.ANSWERED
    return render(
        request,
        "portal/feedback/detail.html",
        {
            "feedback": feedback,
            "trail": trail(feedback, staff=False),
            "now": timezone.now(),
            "rate_form": RateForm() if answered else None,
            "can_reopen": answered and not feedback.reopened,
            "reopen_rating": settings.ANJU_FEEDBACK_REOPEN_RATING,
        },
    )


@portal_view(find=own_feedback, methods=("POST",))
def my_feedback_rate(request, feedback, pk):
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
        return redirect("portal_feedback_detail", pk=feedback.pk)
    data = form.cleaned_data
    reopen = data["action"] == "reopen"
    service = flow.feedback_reopen if reopen else flow.feedback_rate
    try:
        service(feedback, rating=data["rating"], comment=data["comment"], actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Your feedback is reopened and will be answered again.")
            if reopen
            else _("Thank you for rating the answer. The feedback is closed."),
        )
    return redirect("portal_feedback_detail", pk=feedback.pk)


urlpatterns = [
    path("my/feedback/", my_feedback, name="portal_feedback"),
    path("my/feedback/new/", my_feedback_new, name="portal_feedback_new"),
    path("my/feedback/<int:pk>/", my_feedback_detail, name="portal_feedback_detail"),
    path("my/feedback/<int:pk>/rate/", my_feedback_rate, name="portal_feedback_rate"),
]
