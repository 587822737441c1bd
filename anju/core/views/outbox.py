"""The notification outbox and the follow-up tasks, as staff see them."""

from django.contrib import messages as flash
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

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
            [_("Queued"), _("Household no."), _("Channel"), _("Recipient"), _("Status"), _("Text")],
            lambda m: [
                m.created_at.strftime("%Y-%m-%d %H:%M"),
                m.household.number if m.household else "",
                m.get_channel_display(),
                m.recipient,
                m.get_status_display(),
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
