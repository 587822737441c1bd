"""Quality checks of finished repairs (质量回访): staff call the tenant or visit, and
record who checked, when, how and what they found. Which orders to check is drawn at
random: a few closed orders of a month per property company, among those nobody has
checked yet, so that no company chooses its own best work to be looked at."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError

from ..models import (
    CheckMethod,
    CheckResult,
    QualityCheck,
    StepKind,
    WorkOrder,
    WorkOrderStatus,
    WorkOrderStep,
)

S = WorkOrderStatus
NOTE_MAX = 500
SAMPLE_MOST = 20


def quality_check_record(
    order: WorkOrder, *, actor, result: str, method: str, note: str = ""
) -> QualityCheck:
    """Record a check of a done or closed order. A failed check says what was wrong."""
    if result not in CheckResult.values:
        raise DomainError(_("Say whether the repair passed."), code="result")
    if method not in CheckMethod.values:
        raise DomainError(_("Say how it was checked."), code="method")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            _("Keep the note under %(n)s characters.") % {"n": NOTE_MAX}, code="too_long"
        )
    if result == CheckResult.FAILED and not note:
        raise DomainError(_("Say what was wrong with the repair."), code="note_required")
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update().get(pk=order.pk)
        if order.status not in (S.DONE, S.CLOSED):
            raise DomainError(_("Only a done or closed repair is checked."), code="bad_transition")
        check = QualityCheck.objects.create(
            order=order,
            checked_by=actor,
            checked_at=timezone.now(),
            method=method,
            result=result,
            note=note,
        )
        WorkOrderStep.objects.create(
            order=order,
            kind=StepKind.CHECKED,
            actor=actor,
            at=check.checked_at,
            note=f"{check.get_result_display()} · {check.get_method_display()} {note}".strip(),
        )
        audit.record(
            actor=actor,
            action="workorder.check",
            target=order,
            changes={"result": result, "method": method, "note": note},
        )
    return check


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of the month and of the next, in the district's time."""
    zone = timezone.get_current_timezone()
    first = month.replace(day=1)
    after = (first + datetime.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(datetime.datetime.combine(first, datetime.time()), zone),
        timezone.make_aware(datetime.datetime.combine(after, datetime.time()), zone),
    )


def quality_sample_draw(
    *, actor, month: datetime.date, per_company: int, rng: random.Random | None = None
) -> list[int]:
    """Draw up to `per_company` closed orders of `month` per property company, among
    the orders the actor sees that nobody has checked; returns their ids. The draw is
    written to the audit log, with what it drew."""
    if not 1 <= per_company <= SAMPLE_MOST:
        raise DomainError(
            _("Draw from 1 to %(n)s orders per company.") % {"n": SAMPLE_MOST}, code="size"
        )
    start, end = month_bounds(month)
    rows = (
        WorkOrder.objects.visible_to(actor)
        .filter(
            status=S.CLOSED,
            closed_at__gte=start,
            closed_at__lt=end,
            quality_checks__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "property_company_id", "number")
    )
    by_company: dict[int, list[tuple[int, str]]] = {}
    for pk, company, number in rows:
        by_company.setdefault(company, []).append((pk, number))
    rng = rng or random.SystemRandom()
    drawn: list[tuple[int, str]] = []
    for company in sorted(by_company):
        pool = by_company[company]
        drawn += rng.sample(pool, min(per_company, len(pool)))
    if not drawn:
        raise DomainError(
            _("No closed order of %(m)s is waiting for a check.") % {"m": f"{month:%Y-%m}"},
            code="nothing_to_draw",
        )
    audit.record(
        actor=actor,
        action="workorder.sample",
        target=("helpdesk.workorder", "", _("quality sample of %(m)s") % {"m": f"{month:%Y-%m}"}),
        changes={"per_company": per_company, "orders": [n for _pk, n in drawn]},
    )
    return [pk for pk, _n in drawn]
