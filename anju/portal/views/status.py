"""Following an application on the portal: where it is on the path, what the pre-check
found, what a reviewer returned or why it was rejected; on the waiting list, the
position, how it is computed and why it moved; and the yearly contact refresh."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anju.admission.models import ApplicationStatus, ContactRefreshAnswer, Decision, WaitingEntry
from anju.admission.services import applications as apps
from anju.admission.services import waiting
from anju.core.errors import DomainError

from ..access import own_application, portal_view
from ..forms import RefreshAnswerForm
from ..selectors import apply_checklist, progress, reviewer_name

HISTORY_SHOWN = 20


def _pending_refresh(entry: WaitingEntry | None) -> ContactRefreshAnswer | None:
    if entry is None:
        return None
    return (
        ContactRefreshAnswer.objects.filter(
            entry=entry, answered_at__isnull=True, refresh__closed_at__isnull=True
        )
        .select_related("refresh")
        .order_by("-refresh__year")
        .first()
    )


@portal_view(find=own_application)
def application_status(request, application):
    reviews = list(application.reviews.order_by("at", "id"))
    editable = application.status in apps.EDITABLE_STATUSES
    entry = WaitingEntry.objects.filter(application=application).first()
    pending = _pending_refresh(entry)
    rejection = None
    if application.status == ApplicationStatus.REJECTED:
        rejection = next((r for r in reversed(reviews) if r.decision == Decision.REJECT), None)
    returned = None
    if application.status == ApplicationStatus.RETURNED:
        returned = next((r for r in reversed(reviews) if r.decision == Decision.RETURN), None)
    return render(
        request,
        "portal/application.html",
        {
            "application": application,
            "steps": progress(application, reviews),
            "reviews": reviews,
            "editable": editable,
            "missing": apps.application_missing(application) if editable else [],
            "checklist": apply_checklist(application) if editable else [],
            "criteria": list(application.criteria.all()),
            "returned": returned,
            "rejection": rejection,
            "reviewer": reviewer_name(application) if application.review_level else "",
            "entry": entry,
            "explained": waiting.position_explained(entry) if entry else [],
            "history": waiting.position_history(entry, limit=HISTORY_SHOWN) if entry else [],
            "pending": pending,
            "refresh_form": RefreshAnswerForm() if pending else None,
            "members": list(application.members.all()),
        },
    )


def _own_pending_refresh(user, **_kwargs) -> ContactRefreshAnswer:
    application = own_application(user)
    pending = _pending_refresh(WaitingEntry.objects.filter(application=application).first())
    if pending is None:
        raise Http404
    return pending


@portal_view(find=_own_pending_refresh, methods=("POST",))
def refresh_answer(request, answer):
    form = RefreshAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Answer both questions."))
        return redirect("portal_application")
    try:
        waiting.refresh_answer(
            answer,
            actor=request.user,
            still_wants=form.cleaned_data["still_wants"] == "yes",
            still_qualifies=form.cleaned_data["still_qualifies"] == "yes",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you; your answer is recorded."))
    return redirect("portal_application")
