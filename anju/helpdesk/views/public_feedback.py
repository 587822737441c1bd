"""The public feedback pages, open to anyone without logging in: giving feedback
(anonymous allowed; limited per address and hour) and following it by its tracking
code, which shows who has it, every step and the answer, and nothing about the people
involved. Whoever holds the code rates the answer there."""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from anju.core.errors import DomainError
from anju.core.middleware import client_ip

from ..forms.feedback import FeedbackForm, RateForm
from ..models import FeedbackChannel
from ..selectors.feedback import public_status
from ..services import feedback_flow as flow
from ..services.feedback import feedback_submit, normalise_code

# Looking codes up (and rating by code) is limited too, so that nobody can walk through
# the codes; a real submitter looks theirs up a few times.
LOOKUPS_PER_HOUR = 30


def _allowed(request, what: str) -> bool:
    key = f"anju:feedback-{what}:{client_ip(request)}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) <= LOOKUPS_PER_HOUR


def _status_url(code: str) -> str:
    return reverse("feedback_public_status") + "?" + urlencode({"code": code})


@require_http_methods(["GET", "POST"])
def feedback_public_new(request):
    form = FeedbackForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            feedback = feedback_submit(
                channel=FeedbackChannel.PUBLIC, ip=client_ip(request), **form.service_kwargs()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            if exc.code == "rate_limited":
                status = 429
        else:
            messages.success(
                request,
                _(
                    "Thank you. Your feedback %(n)s is received and sent to %(org)s. Keep "
                    "its tracking code %(code)s to follow it and rate the answer on this page."
                )
                % {
                    "n": feedback.number,
                    "org": feedback.organisation.name,
                    "code": feedback.tracking_code,
                },
            )
            return redirect(_status_url(feedback.tracking_code))
    return render(
        request,
        "helpdesk/feedback/public_new.html",
        {
            "form": form,
            "ack_days": settings.ANJU_FEEDBACK_ACK_DAYS,
            "answer_days": settings.ANJU_FEEDBACK_ANSWER_DAYS,
        },
        status=status,
    )


@require_safe
def feedback_public_status(request):
    code = normalise_code(request.GET.get("code", ""))
    status, error, http_status = None, "", 200
    if code:
        if not _allowed(request, "status"):
            error, http_status = _("Too many look-ups from your address; try again later."), 429
        else:
            status = public_status(code)
            if status is None:
                error = _("No feedback has this tracking code. Check it and try again.")
    return render(
        request,
        "helpdesk/feedback/public_status.html",
        {
            "code": code,
            "status": status,
            "error": error,
            "rate_form": RateForm() if status and status.can_rate else None,
            "reopen_rating": settings.ANJU_FEEDBACK_REOPEN_RATING,
        },
        status=http_status,
    )


@require_POST
def feedback_public_rate(request):
    code = normalise_code(request.POST.get("code", ""))
    if not _allowed(request, "rate"):
        messages.error(request, _("Too many tries from your address; try again later."))
        return redirect(_status_url(code))
    status = public_status(code)
    if status is None:
        messages.error(request, _("No feedback has this tracking code. Check it and try again."))
        return redirect(_status_url(code))
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
        return redirect(_status_url(code))
    data = form.cleaned_data
    service = flow.feedback_reopen if data["action"] == "reopen" else flow.feedback_rate
    try:
        service(status.feedback, rating=data["rating"], comment=data["comment"], tracking_code=code)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Thank you. The feedback is reopened and will be answered again.")
            if data["action"] == "reopen"
            else _("Thank you for rating the answer. The feedback is closed."),
        )
    return redirect(_status_url(code))


urlpatterns = [
    path("feedback/new/", feedback_public_new, name="feedback_public_new"),
    path("feedback/status/", feedback_public_status, name="feedback_public_status"),
    path("feedback/status/rate/", feedback_public_rate, name="feedback_public_rate"),
]
