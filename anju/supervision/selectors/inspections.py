"""Reads of inspections for the pages: the scoped task list with its filters, an
inspector's own tasks in the order to do them, the plans with their progress, and who
may be given a task."""

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from anju.core.access import get_or_404
from anju.core.models import User
from anju.core.roles import ROLE_PERMISSIONS, Perm
from anju.core.scoping import DISTRICT_WIDE
from anju.housing.models import Estate

from ..models import (
    InspectionPlan,
    InspectionTask,
    InspectionVisit,
    TaskStatus,
    VisitPhoto,
)


def tasks_for(user) -> QuerySet:
    """The tasks `user` sees, each with `visit_by`: the next visit's day once nobody
    answered, else the due day."""
    return (
        InspectionTask.objects.visible_to(user)
        .select_related("estate", "unit", "household__head", "assigned_to")
        .annotate(visit_by=Coalesce(F("next_visit_on"), F("due_on")))
    )


def task_for_user(user, pk) -> InspectionTask:
    return get_or_404(
        tasks_for(user).select_related("plan", "flag", "tip", "created_by"),
        pk=pk,
    )


def task_list(
    user,
    *,
    estate=None,
    kind: str = "",
    status: str = "",
    overdue: bool = False,
    inspector=None,
    today: datetime.date | None = None,
) -> QuerySet:
    tasks = tasks_for(user)
    if estate is not None:
        tasks = tasks.filter(estate=estate)
    if kind:
        tasks = tasks.filter(kind=kind)
    if status:
        tasks = tasks.filter(status=status)
    if overdue:
        tasks = tasks.filter(status=TaskStatus.OPEN, visit_by__lt=today or timezone.localdate())
    if inspector is not None:
        tasks = tasks.filter(assigned_to=inspector)
    return tasks.order_by("status", "visit_by", "id")


def my_tasks(user) -> QuerySet:
    """An inspector's open tasks, the earliest to visit first."""
    return (
        tasks_for(user).filter(assigned_to=user, status=TaskStatus.OPEN).order_by("visit_by", "id")
    )


def visits_of(task: InspectionTask) -> list[InspectionVisit]:
    return list(
        task.visits.select_related("inspector")
        .prefetch_related("people__member", "photos")
        .order_by("visited_at", "id")
    )


def visit_for_user(user, pk) -> InspectionVisit:
    return get_or_404(
        InspectionVisit.objects.filter(task__in=InspectionTask.objects.visible_to(user)),
        pk=pk,
    )


def photo_for_user(user, pk) -> VisitPhoto:
    return get_or_404(
        VisitPhoto.objects.filter(visit__task__in=InspectionTask.objects.visible_to(user)),
        pk=pk,
    )


def plans_for(user) -> QuerySet:
    """Plans with their progress: tasks in all, done, cancelled and overdue."""
    today = timezone.localdate()
    return (
        InspectionPlan.objects.visible_to(user)
        .select_related("estate", "inspector")
        .annotate(
            total=Count("tasks"),
            done=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
            cancelled=Count("tasks", filter=Q(tasks__status=TaskStatus.CANCELLED)),
            overdue=Count(
                "tasks",
                filter=Q(tasks__status=TaskStatus.OPEN)
                & (
                    Q(tasks__next_visit_on__lt=today)
                    | Q(tasks__next_visit_on__isnull=True, tasks__due_on__lt=today)
                ),
            ),
        )
        .order_by("-year", "estate__code")
    )


def plan_for_user(user, pk) -> InspectionPlan:
    return get_or_404(plans_for(user), pk=pk)


def plan_months(plan: InspectionPlan) -> list[dict]:
    """Per month of the plan: tasks due, done, and still open."""
    rows = (
        plan.tasks.values("due_on__month")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=TaskStatus.DONE)),
            open=Count("id", filter=Q(status=TaskStatus.OPEN)),
        )
        .order_by("due_on__month")
    )
    return [
        {"month": r["due_on__month"], "total": r["total"], "done": r["done"], "open": r["open"]}
        for r in rows
    ]


def inspector_roles() -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if Perm.INSPECT in perms]


def inspector_choices(user) -> QuerySet:
    """People who may be given inspections in the estates `user` sees: the district-wide
    inspectors, and the staff of those estates' communities and operators."""
    estates = Estate.objects.visible_to(user)
    orgs = set(estates.values_list("community_id", flat=True)) | set(
        estates.values_list("operator_id", flat=True)
    )
    return (
        User.objects.filter(is_active=True, roles__role__in=inspector_roles())
        .filter(Q(organisation__in=orgs) | Q(roles__role__in=DISTRICT_WIDE))
        .select_related("organisation")
        .distinct()
        .order_by("organisation__code", "full_name", "username")
    )
