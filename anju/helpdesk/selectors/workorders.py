"""Reads of work orders that more than one page needs: the scoped list and its
filters, one order (or photo) for a user, 404 alike for a missing one and one outside
the user's estates; the dispatch board; a repairer's tasks; a household's own orders
for the portal; the classification as a tree and as grouped choices; the deadline
table as the user may see it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from anju.core.access import get_or_404
from anju.core.models import Organisation, OrgKind
from anju.core.scoping import estate_q
from anju.housing.models import Estate

from ..models import (
    CLOCK_RUNS,
    OPEN_STATUSES,
    ClassLevel,
    QualityCheck,
    RepairClass,
    SlaRule,
    WorkOrder,
    WorkOrderPhoto,
    WorkOrderStatus,
    WorkOrderStep,
)
from ..services.workorder_quality import month_bounds

S = WorkOrderStatus
RELATED = (
    "estate",
    "unit",
    "household__head",
    "repair_class__parent__parent",
    "assigned_to",
    "property_company",
)


def orders_for(user) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.visible_to(user).select_related(*RELATED)


def order_for_user(user, pk) -> WorkOrder:
    """One order in the user's scope, or 404 (the same answer as a missing one)."""
    return get_or_404(orders_for(user), pk=pk)


def photo_for_user(user, pk, photo_pk) -> WorkOrderPhoto:
    return get_or_404(
        WorkOrderPhoto.objects.filter(order__in=WorkOrder.objects.visible_to(user)),
        order_id=pk,
        pk=photo_pk,
    )


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """The orders whose running clock has passed a deadline (WorkOrder.is_overdue)."""
    now = now or timezone.now()
    return Q(status__in=CLOCK_RUNS) & (
        Q(responded_at__isnull=True, respond_by__lt=now) | Q(complete_by__lt=now)
    )


def _flag(condition: Q):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def with_lateness(orders: QuerySet[WorkOrder], now: datetime.datetime | None = None):
    """Each order with `late_respond` and `late_complete` (1 when that deadline has
    passed while the clock runs), for showing the deadline in red."""
    now = now or timezone.now()
    running = Q(status__in=CLOCK_RUNS)
    return orders.annotate(
        late_respond=_flag(running & Q(responded_at__isnull=True, respond_by__lt=now)),
        late_complete=_flag(running & Q(complete_by__lt=now)),
    )


def order_list(
    user,
    *,
    status: str = "",
    estate=None,
    company=None,
    channel: str = "",
    overdue: bool = False,
    escalated: bool = False,
    month: datetime.date | None = None,
    q: str = "",
) -> QuerySet[WorkOrder]:
    orders = orders_for(user)
    if status == "open":
        orders = orders.filter(status__in=OPEN_STATUSES)
    elif status:
        orders = orders.filter(status=status)
    if estate is not None:
        orders = orders.filter(estate=estate)
    if company is not None:
        orders = orders.filter(property_company=company)
    if channel:
        orders = orders.filter(channel=channel)
    if overdue:
        orders = orders.filter(overdue_q())
    if escalated:
        orders = orders.filter(escalation__gt=0)
    if month is not None:
        start, end = month_bounds(month)
        orders = orders.filter(reported_at__gte=start, reported_at__lt=end)
    if q:
        orders = orders.filter(
            Q(number__icontains=q)
            | Q(unit__code__icontains=q)
            | Q(household__number__icontains=q)
            | Q(description__icontains=q)
        )
    return with_lateness(orders)


def board(user, now: datetime.datetime | None = None) -> QuerySet[WorkOrder]:
    """Open orders for the dispatcher: the unassigned and the overdue first, then by
    the completion deadline."""
    now = now or timezone.now()
    return (
        with_lateness(orders_for(user), now)
        .filter(status__in=OPEN_STATUSES)
        .annotate(unassigned=_flag(Q(status=S.REPORTED)), late=_flag(overdue_q(now)))
        .order_by("-unassigned", "-late", "complete_by", "pk")
    )


def repairer_tasks(user) -> QuerySet[WorkOrder]:
    """What the repairer has in hand, the nearest deadline first; deferred ones last."""
    return (
        with_lateness(WorkOrder.objects.all())
        .filter(assigned_to=user, status__in=[S.ASSIGNED, S.IN_PROGRESS, S.DEFERRED])
        .select_related("estate", "unit", "repair_class__parent", "household__head")
        .annotate(waiting=_flag(Q(status=S.DEFERRED)))
        .order_by("waiting", "complete_by", "pk")
    )


def steps_of(order: WorkOrder) -> list[WorkOrderStep]:
    return list(order.steps.select_related("actor__organisation").order_by("at", "id"))


def photos_of(order: WorkOrder) -> list[WorkOrderPhoto]:
    return list(order.photos.order_by("id"))


def checks_of(order: WorkOrder) -> list[QualityCheck]:
    return list(order.quality_checks.select_related("checked_by"))


# --- The portal -----------------------------------------------------------------------------


def household_orders(household) -> QuerySet[WorkOrder]:
    return (
        with_lateness(WorkOrder.objects.filter(household=household))
        .select_related("estate", "unit", "repair_class__parent__parent", "assigned_to")
        .order_by("-reported_at", "-id")
    )


def household_order(household, pk) -> WorkOrder:
    return get_or_404(household_orders(household), pk=pk)


def household_photo(household, pk, photo_pk) -> WorkOrderPhoto:
    return get_or_404(
        WorkOrderPhoto.objects.filter(order__household=household), order_id=pk, pk=photo_pk
    )


def open_repairs_of(household) -> list[WorkOrder]:
    """For the portal's home page: the repairs still open, and the finished ones
    awaiting the tenant's answer."""
    return list(household_orders(household).filter(status__in=[*OPEN_STATUSES, S.DONE])[:5])


# --- The classification -----------------------------------------------------------------


@dataclass
class Node:
    item: RepairClass
    children: list[Node] = field(default_factory=list)


def class_tree(*, active_only: bool = False) -> list[Node]:
    """Places, each with its categories, each with its problems, in the table's order."""
    nodes = RepairClass.objects.order_by("sort", "code")
    if active_only:
        nodes = nodes.filter(is_active=True)
    by_id = {n.pk: Node(n) for n in nodes}
    roots: list[Node] = []
    for node in by_id.values():
        parent = by_id.get(node.item.parent_id) if node.item.parent_id else None
        if node.item.parent_id is None:
            roots.append(node)
        elif parent is not None:
            parent.children.append(node)
    return roots


def class_choices(*, places: set[str] | None = None) -> list:
    """Grouped choices for a select: one group per place and category, its problems,
    then "something else" for the category itself. `places` keeps only those place
    codes. Inactive entries are left out."""
    from django.utils.translation import gettext as _

    groups: list = [("", "—")]
    for place in class_tree(active_only=True):
        if places is not None and place.item.code not in places:
            continue
        for category in place.children:
            options = [(str(p.item.pk), p.item.name) for p in category.children]
            options.append((str(category.item.pk), _("Something else")))
            groups.append((f"{place.item.name} · {category.item.name}", options))
    return groups


def class_by_pk(pk) -> RepairClass | None:
    try:
        return (
            RepairClass.objects.select_related("parent__parent")
            .filter(level__in=[ClassLevel.CATEGORY, ClassLevel.PROBLEM])
            .get(pk=int(pk))
        )
    except (TypeError, ValueError, RepairClass.DoesNotExist):
        return None


# --- The deadline table and the companies -----------------------------------------------


def sla_rules_for(user) -> QuerySet[SlaRule]:
    """The district's rules and those of the estates the user sees."""
    return (
        SlaRule.objects.filter(
            Q(estate__isnull=True) | Q(estate__in=Estate.objects.visible_to(user))
        )
        .select_related("repair_class__parent__parent", "estate")
        .order_by("estate__code", "repair_class__sort", "urgency", "id")
    )


def sla_rule_for_user(user, pk) -> SlaRule:
    return get_or_404(sla_rules_for(user), pk=pk)


def companies_for(user) -> QuerySet[Organisation]:
    """The property companies serving the estates the user sees."""
    return Organisation.objects.filter(
        kind=OrgKind.PROPERTY,
        pk__in=Estate.objects.filter(estate_q(user)).values("property_company_id"),
    ).order_by("name")
