"""Staff pages of feedback: the list (the queue of one's own organisation first, overdue
first; then every feedback one sees, filtered, with Excel export), entering feedback
taken by phone or at the counter, a feedback's page with its trail, and the
responsible organisation's actions: acknowledge, answer, pass on, link. The contact
phone is revealed only on purpose, into the access log."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms.feedback import (
    AcknowledgeForm,
    AnswerForm,
    FeedbackFilterForm,
    LinkForm,
    PassOnForm,
    StaffFeedbackForm,
)
from ..models import FeedbackChannel
from ..selectors import feedback as q
from ..services import feedback_flow as flow
from ..services.feedback import feedback_submit, may_answer


def find_feedback(user, pk):
    return q.feedback_for_user(user, pk)


def form_errors(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


def _export_row(f):
    return [
        f.number,
        timezone.localtime(f.received_at).strftime("%Y-%m-%d %H:%M"),
        f.get_channel_display(),
        f.get_kind_display(),
        f.get_topic_display(),
        f.estate.name if f.estate else "",
        f.organisation.name,
        f.level,
        f.get_status_display(),
        timezone.localtime(f.acknowledge_by).strftime("%Y-%m-%d %H:%M"),
        timezone.localtime(f.answer_by).strftime("%Y-%m-%d %H:%M"),
        timezone.localtime(f.acknowledged_at).strftime("%Y-%m-%d %H:%M")
        if f.acknowledged_at
        else "",
        timezone.localtime(f.answered_at).strftime("%Y-%m-%d %H:%M") if f.answered_at else "",
        f.rating or "",
        f.text,
        f.answer,
    ]


@staff_view(Perm.HELPDESK_VIEW)
def feedback_list(request):
    now = timezone.now()
    user = request.user
    form = FeedbackFilterForm(request.GET or None, user=user)
    rows = q.feedback_list(user, now=now, **form.filters())
    answers = user.can(Perm.FEEDBACK_ANSWER) and user.organisation_id is not None
    queue = q.organisation_queue(user) if answers else None
    return list_page(
        request,
        "helpdesk/feedback/list.html",
        rows,
        {
            "filter": {"form": form},
            "now": now,
            "queue": list(queue[: q.QUEUE_SHOWN]) if queue is not None else None,
            "queue_count": queue.count() if queue is not None else 0,
            "queue_overdue": queue.filter(q.overdue_q(now)).count() if queue is not None else 0,
            "overdue_count": q.feedback_list(user, now=now, overdue=True).count(),
            "escalated_open": q.feedback_list(user, status="open", escalated=True).count(),
        },
        export=(
            f"feedback-{timezone.localdate():%Y%m%d}.xlsx",
            [
                _("Feedback no."),
                _("Received"),
                _("Channel"),
                _("Kind"),
                _("Topic"),
                _("Estate"),
                _("With"),
                _("Times escalated"),
                _("Status"),
                _("Acknowledge by"),
                _("Answer by"),
                _("Acknowledged"),
                _("Answered"),
                _("Rating"),
                _("What it is about"),
                _("Answer"),
            ],
            _export_row,
        ),
    )


@staff_view(Perm.FEEDBACK_ENTER, methods=("GET", "POST"))
def feedback_create(request):
    form = StaffFeedbackForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            feedback = feedback_submit(
                channel=FeedbackChannel.STAFF, actor=request.user, **form.service_kwargs()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Feedback %(n)s recorded and sent to %(org)s; its tracking code for the "
                    "caller is %(code)s."
                )
                % {
                    "n": feedback.number,
                    "org": feedback.organisation.name,
                    "code": feedback.tracking_code,
                },
            )
            return redirect("feedback_detail", pk=feedback.pk)
    return render(request, "helpdesk/feedback/create.html", {"form": form})


@staff_view(Perm.HELPDESK_VIEW, find=find_feedback)
def feedback_detail(request, feedback, pk):
    user = request.user
    acts = may_answer(feedback, user)
    choices = flow.pass_on_choices(feedback) if acts else []
    return render(
        request,
        "helpdesk/feedback/detail.html",
        {
            "feedback": feedback,
            "trail": q.trail(feedback, staff=True),
            "now": timezone.now(),
            "acts": acts,
            "acknowledge_form": AcknowledgeForm(),
            "answer_form": AnswerForm(),
            "pass_on_form": PassOnForm(feedback=feedback, user=user, choices=choices),
            "link_form": LinkForm(),
        },
    )


def _done(request, feedback, text):
    messages.success(request, text % {"n": feedback.number})
    return redirect("feedback_detail", pk=feedback.pk)


def _refused(request, feedback, error):
    messages.error(request, error)
    return redirect("feedback_detail", pk=feedback.pk)


@staff_view(Perm.FEEDBACK_ANSWER, find=find_feedback, methods=("POST",))
def feedback_acknowledge(request, feedback, pk):
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _refused(request, feedback, form_errors(form))
    try:
        flow.feedback_acknowledge(feedback, actor=request.user, note=form.cleaned_data["note"])
    except DomainError as exc:
        return _refused(request, feedback, exc.message)
    return _done(request, feedback, _("Feedback %(n)s acknowledged."))


@staff_view(Perm.FEEDBACK_ANSWER, find=find_feedback, methods=("POST",))
def feedback_answer(request, feedback, pk):
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _refused(request, feedback, form_errors(form))
    try:
        flow.feedback_answer(feedback, actor=request.user, answer=form.cleaned_data["answer"])
    except DomainError as exc:
        return _refused(request, feedback, exc.message)
    return _done(request, feedback, _("Feedback %(n)s answered; the submitter can now rate it."))


@staff_view(Perm.FEEDBACK_ANSWER, find=find_feedback, methods=("POST",))
def feedback_pass_on(request, feedback, pk):
    choices = flow.pass_on_choices(feedback)
    form = PassOnForm(request.POST, feedback=feedback, user=request.user, choices=choices)
    if not form.is_valid():
        return _refused(request, feedback, form_errors(form))
    data = form.cleaned_data
    try:
        feedback = flow.feedback_pass_on(
            feedback,
            actor=request.user,
            to=data["to"],
            reason=data["reason"],
            estate=data.get("estate"),
        )
    except DomainError as exc:
        return _refused(request, feedback, exc.message)
    messages.success(
        request,
        _("Feedback %(n)s passed on to %(org)s.")
        % {"n": feedback.number, "org": feedback.organisation.name},
    )
    # The page may now be outside the user's scope (another estate's organisation).
    if q.feedback_for(request.user).filter(pk=feedback.pk).exists():
        return redirect("feedback_detail", pk=feedback.pk)
    return redirect("feedback_list")


@staff_view(Perm.FEEDBACK_ANSWER, find=find_feedback, methods=("POST",))
def feedback_link(request, feedback, pk):
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _refused(request, feedback, form_errors(form))
    try:
        flow.feedback_link(
            feedback,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            number=form.cleaned_data["number"],
        )
    except DomainError as exc:
        return _refused(request, feedback, exc.message)
    return _done(request, feedback, _("Feedback %(n)s linked."))


@staff_view(Perm.PII_UNMASK, find=find_feedback, methods=("POST",))
def feedback_contact(request, feedback, pk):
    """The phone left with the feedback, in full (an audited access), into the page by
    htmx."""
    try:
        value = flow.feedback_reveal_contact(feedback, actor=request.user)
    except DomainError as exc:
        return _refused(request, feedback, exc.message)
    if request.htmx:
        return render(request, "households/_revealed.html", {"value": value})
    messages.info(request, value)
    return redirect("feedback_detail", pk=feedback.pk)


urlpatterns = [
    path("helpdesk/feedback/", feedback_list, name="feedback_list"),
    path("helpdesk/feedback/new/", feedback_create, name="feedback_create"),
    path("helpdesk/feedback/<int:pk>/", feedback_detail, name="feedback_detail"),
    path(
        "helpdesk/feedback/<int:pk>/acknowledge/",
        feedback_acknowledge,
        name="feedback_acknowledge",
    ),
    path("helpdesk/feedback/<int:pk>/answer/", feedback_answer, name="feedback_answer"),
    path("helpdesk/feedback/<int:pk>/pass-on/", feedback_pass_on, name="feedback_pass_on"),
    path("helpdesk/feedback/<int:pk>/link/", feedback_link, name="feedback_link"),
    path("helpdesk/feedback/<int:pk>/contact/", feedback_contact, name="feedback_contact"),
]
