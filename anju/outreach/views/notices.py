"""Notices and policy publicity, as staff see them: the list (by kind, status, audience
and estate, with the read rate of important notices; exported to Excel), writing a
notice with its questions and answers, a notice's page (its text, attachments, read
rates per estate and the households that have not confirmed, within the reader's
estates), and one button per step: publish (now or at a time), withdraw, send by SMS,
attach and remove files.

Reading takes Perm.OUTREACH_VIEW; everything that changes a notice takes
Perm.PUBLICITY_MANAGE (the authority). A notice outside the reader's estates answers
404."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.export import xlsx_response
from anju.core.models import Message
from anju.core.roles import Perm

from ..forms.notices import (
    AttachmentForm,
    NoticeFilterForm,
    NoticeForm,
    PublishForm,
    QuestionFormSet,
    WithdrawForm,
    questions_of,
)
from ..models import Audience, NoticeStatus
from ..selectors import notices as selectors
from ..services import notices as services

PAGE_SIZE = 50
UNCONFIRMED_PAGE_SIZE = 30


def attachment_response(attachment) -> FileResponse:
    """An attachment, shown in the browser (a PDF or a picture); never from a public
    media URL, so that each download goes through its page's scoping."""
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=False,
        filename=attachment.file.name.rsplit("/", 1)[-1],
    )


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- The list ---------------------------------------------------------------------------


def _export_headers():
    return [
        _("Title"),
        _("Kind"),
        _("Document no."),
        _("Audience"),
        _("Estate"),
        _("Building"),
        _("Status"),
        _("Published"),
        _("Expires"),
        _("Confirmation asked"),
        _("Confirmed"),
        _("Households reached"),
    ]


@staff_view(Perm.OUTREACH_VIEW)
def notice_list(request):
    form = NoticeFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    notices = selectors.notice_list(
        request.user,
        kind=filters.get("kind", ""),
        state=filters.get("state", ""),
        audience=filters.get("audience", ""),
        estate=filters.get("estate"),
        q=(filters.get("q") or "").strip(),
    ).order_by("-pinned", "-created_at", "-id")
    now = timezone.now()
    if request.GET.get("format") == "xlsx" and request.user.can(Perm.EXPORT):
        rows = list(notices[:5000])
        rates = selectors.read_rates(request.user, rows)
        return xlsx_response(
            "notices.xlsx",
            _export_headers(),
            (
                [
                    n.title,
                    n.get_kind_display(),
                    n.source,
                    n.get_audience_display(),
                    n.estate.name if n.estate else "",
                    n.building.number if n.building else "",
                    selectors.STATE_LABELS[selectors.state_of(n, now)],
                    timezone.localtime(n.publish_at).strftime("%Y-%m-%d %H:%M")
                    if n.publish_at
                    else "",
                    timezone.localtime(n.expire_at).strftime("%Y-%m-%d %H:%M")
                    if n.expire_at
                    else "",
                    _("yes") if n.important else "",
                    rates[n.pk].confirmed if n.pk in rates else "",
                    rates[n.pk].targeted if n.pk in rates else "",
                ]
                for n in rows
            ),
        )
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    rates = selectors.read_rates(request.user, page.object_list)
    rows = [
        {"notice": n, "state": selectors.state_of(n, now), "rate": rates.get(n.pk)} for n in page
    ]
    context = {"filter": {"form": form}, "page": page, "rows": rows}
    template = "outreach/notices/list.html"
    if request.htmx and not request.htmx.boosted:
        return render(request, f"{template}#table", context)
    return render(request, template, context)


# --- Writing ----------------------------------------------------------------------------


@staff_view(Perm.PUBLICITY_MANAGE, methods=("GET", "POST"))
def notice_create(request):
    form = NoticeForm(request.POST or None, user=request.user, initial={"audience": "district"})
    questions = QuestionFormSet(request.POST or None, prefix="qa")
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        try:
            notice = services.notice_create(
                actor=request.user, questions=questions_of(questions), **form.service_kwargs()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Draft “%(t)s” saved. Check it, attach its files and publish it.")
                % {"t": notice.title},
            )
            return redirect("publicity_detail", pk=notice.pk)
    return render(
        request,
        "outreach/notices/form.html",
        {"form": form, "questions": questions, "notice": None},
    )


def _initial(notice) -> dict:
    return {
        "kind": notice.kind,
        "title": notice.title,
        "summary": notice.summary,
        "body": notice.body,
        "source": notice.source,
        "audience": notice.audience,
        "estate": notice.estate_id,
        "building": notice.building_id,
        "important": notice.important,
        "pinned": notice.pinned,
        "expire_at": timezone.localtime(notice.expire_at) if notice.expire_at else None,
    }


@staff_view(Perm.PUBLICITY_MANAGE, find=selectors.notice_for_user, methods=("GET", "POST"))
def notice_edit(request, notice, pk):
    if notice.status == NoticeStatus.WITHDRAWN:
        messages.error(request, _("A withdrawn notice cannot be changed."))
        return redirect("publicity_detail", pk=notice.pk)
    form = NoticeForm(
        request.POST or None, user=request.user, notice=notice, initial=_initial(notice)
    )
    questions = QuestionFormSet(
        request.POST or None,
        prefix="qa",
        initial=[{"question": q.question, "answer": q.answer} for q in notice.questions.all()],
    )
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        try:
            services.notice_update(
                notice,
                actor=request.user,
                questions=questions_of(questions),
                **form.service_kwargs(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("publicity_detail", pk=notice.pk)
    return render(
        request,
        "outreach/notices/form.html",
        {"form": form, "questions": questions, "notice": notice},
    )


# --- One notice ---------------------------------------------------------------------------


@staff_view(Perm.OUTREACH_VIEW, find=selectors.notice_for_user)
def notice_detail(request, notice, pk):
    user = request.user
    unconfirmed = None
    by_estate, total = [], None
    if notice.important and notice.status != NoticeStatus.DRAFT:
        by_estate, total = selectors.read_rates_by_estate(user, notice)
        unconfirmed = Paginator(
            selectors.unconfirmed_households(user, notice), UNCONFIRMED_PAGE_SIZE
        ).get_page(request.GET.get("page"))
    context = {
        "notice": notice,
        "state": selectors.state_of(notice),
        "questions": list(notice.questions.all()),
        "attachments": list(notice.attachments.all()),
        "by_estate": by_estate,
        "total": total,
        "unconfirmed": unconfirmed,
        "pushed": Message.objects.filter(key__startswith=f"notice:{notice.pk}:").count()
        if notice.pushed_at
        else 0,
        "may_manage": user.can(Perm.PUBLICITY_MANAGE),
        "publish_form": PublishForm(),
        "withdraw_form": WithdrawForm(),
        "attachment_form": AttachmentForm(),
        "district": notice.audience == Audience.DISTRICT,
    }
    if request.htmx and request.GET.get("page") and not request.htmx.boosted:
        return render(request, "outreach/notices/detail.html#unconfirmed", context)
    return render(request, "outreach/notices/detail.html", context)


def _back(notice):
    return redirect("publicity_detail", pk=notice.pk)


@staff_view(Perm.PUBLICITY_MANAGE, find=selectors.notice_for_user, methods=("POST",))
def notice_publish(request, notice, pk):
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _back(notice)
    try:
        notice = services.notice_publish(
            notice, actor=request.user, publish_at=form.cleaned_data["publish_at"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if notice.publish_at > timezone.now():
            messages.success(
                request,
                _("“%(t)s” will show from %(at)s.")
                % {
                    "t": notice.title,
                    "at": timezone.localtime(notice.publish_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
        else:
            messages.success(request, _("“%(t)s” is published.") % {"t": notice.title})
    return _back(notice)


@staff_view(Perm.PUBLICITY_MANAGE, find=selectors.notice_for_user, methods=("POST",))
def notice_withdraw(request, notice, pk):
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the notice is withdrawn."))
        return _back(notice)
    try:
        services.notice_withdraw(notice, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(t)s” is withdrawn.") % {"t": notice.title})
    return _back(notice)


@staff_view(Perm.PUBLICITY_MANAGE, find=selectors.notice_for_user, methods=("POST",))
def notice_push(request, notice, pk):
    try:
        queued = services.notice_push(notice, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if queued:
            messages.success(
                request,
                ngettext(
                    "An SMS to %(n)s household is in the outbox.",
                    "SMS to %(n)s households are in the outbox.",
                    queued,
                )
                % {"n": queued},
            )
        else:
            messages.info(request, _("Every household it reaches has had it already."))
    return _back(notice)


@staff_view(Perm.PUBLICITY_MANAGE, find=selectors.notice_for_user, methods=("POST",))
def notice_attach(request, notice, pk):
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _back(notice)
    try:
        attachment = services.notice_attach(
            notice,
            actor=request.user,
            file=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Attached: %(t)s") % {"t": attachment.title})
    return _back(notice)


@staff_view(Perm.PUBLICITY_MANAGE, find=selectors.attachment_for_user, methods=("POST",))
def notice_detach(request, attachment, pk, file_pk):
    notice = attachment.notice
    try:
        services.notice_detach(attachment, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Removed: %(t)s") % {"t": attachment.title})
    return _back(notice)


@staff_view(Perm.OUTREACH_VIEW, find=selectors.attachment_for_user)
def notice_file(request, attachment, pk, file_pk):
    return attachment_response(attachment)


urlpatterns = [
    path("outreach/notices/", notice_list, name="publicity_list"),
    path("outreach/notices/new/", notice_create, name="publicity_create"),
    path("outreach/notices/<int:pk>/", notice_detail, name="publicity_detail"),
    path("outreach/notices/<int:pk>/edit/", notice_edit, name="publicity_edit"),
    path("outreach/notices/<int:pk>/publish/", notice_publish, name="publicity_publish"),
    path("outreach/notices/<int:pk>/withdraw/", notice_withdraw, name="publicity_withdraw"),
    path("outreach/notices/<int:pk>/push/", notice_push, name="publicity_push"),
    path("outreach/notices/<int:pk>/files/", notice_attach, name="publicity_attach"),
    path(
        "outreach/notices/<int:pk>/files/<int:file_pk>/",
        notice_file,
        name="publicity_file",
    ),
    path(
        "outreach/notices/<int:pk>/files/<int:file_pk>/remove/",
        notice_detach,
        name="publicity_detach",
    ),
]
