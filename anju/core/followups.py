"""Follow-up tasks (待办) that services raise for people: visit a household that did
not declare, call one in arrears. Raising is idempotent on the task's key."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .errors import DomainError
from .models import Task, TaskStatus


def task_raise(
    *, key: str, kind: str, title: str, household=None, organisation=None, due_on=None
) -> Task:
    """Raise a task once: the same key returns the task already raised."""
    task, _created = Task.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "title": title[:200],
            "household": household,
            "organisation": organisation,
            "due_on": due_on,
        },
    )
    return task


def task_done(task: Task, *, actor, note: str = "") -> Task:
    if task.status != TaskStatus.OPEN:
        raise DomainError(_("This task is already closed."), code="closed")
    with transaction.atomic():
        task.status, task.done_at, task.done_by = TaskStatus.DONE, timezone.now(), actor
        task.note = note.strip()
        task.save(update_fields=["status", "done_at", "done_by", "note"])
        audit.record(actor=actor, action="task.done", target=task, changes={"note": task.note})
    return task
