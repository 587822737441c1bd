"""The notification outbox and the follow-up tasks, as staff see them."""

from django import forms
from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import notify
from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.filters import MessageFilter, TaskFilter
from anju.core.followups import task_done
from anju.core.listing import list_page
from anju.core.models import Message, Task, TaskStatus
from anju.core.roles import Perm


@staff_view(Perm.HOUSEHOLDS_VIEW)
def message_list(request):
    base = Message.objects.visible_to(request.user).select_related("household")
    filters = MessageFilter(request.GET or None, queryset=base)
    return list_page(
        request,
        "core/message_list.html",
        filters.qs.order_by("-created_at", "-id"),
        {"filter": filters},
        export=(
            "messages.xlsx",
            [
                _("Queued"),
                _("Household no."),
                _("Channel"),
                _("Recipient"),
                _("Status"),
                _("Sent"),
                _("Attempts"),
                _("Error"),
                _("Text"),
            ],
            lambda m: [
                m.created_at.strftime("%Y-%m-%d %H:%M"),
                m.household.number if m.household else "",
                m.get_channel_display(),
                m.recipient,
                m.get_status_display(),
                m.sent_at.strftime("%Y-%m-%d %H:%M") if m.sent_at else "",
                m.attempts,
                m.error,
                m.body,
            ],
        ),
    )


def find_task(user, pk):
    return get_or_404(Task.objects.visible_to(user), pk=pk)


@staff_view(Perm.HOUSEHOLDS_VIEW)
def task_list(request):
    base = Task.objects.visible_to(request.user).select_related("household", "organisation")
    data = request.GET.copy() if request.GET else {"status": TaskStatus.OPEN, "mine": "mine"}
    filters = TaskFilter(data, queryset=base, user=request.user)
    return list_page(
        request,
        "core/task_list.html",
        filters.qs.order_by("status", "due_on", "id"),
        {"filter": filters, "today": timezone.localdate()},
    )


@staff_view(Perm.HOUSEHOLDS_CHANGE, find=find_task, methods=("POST",))
def task_complete(request, task, pk):
    try:
        task_done(task, actor=request.user, note=request.POST.get("note", ""))
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Task done: %(t)s") % {"t": task.title})
    return redirect("task_list")


class MessageTemplateForm(forms.Form):
    body_zh = forms.CharField(
        label=gettext_lazy("Text (Chinese)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    body_en = forms.CharField(
        label=gettext_lazy("Text (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@staff_view(Perm.RULES_MANAGE)
def message_template_list(request):
    return render(request, "core/message_templates.html", {"rows": notify.template_rows()})


@staff_view(Perm.RULES_MANAGE, methods=("GET", "POST"))
def message_template_edit(request, code):
    rows = {r["code"]: r for r in notify.template_rows()}
    if code not in rows:
        raise Http404
    row = rows[code]
    form = MessageTemplateForm(
        request.POST or None, initial={"body_zh": row["body_zh"], "body_en": row["body_en"]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            notify.template_save(code, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            flash.success(request, _("Saved. New messages use this wording."))
            return redirect("message_template_list")
    return render(request, "core/message_template_edit.html", {"form": form, "row": row})
