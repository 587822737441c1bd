"""Reads of tips for the staff pages: the scoped queue with its filters, and the tips
a tenant gave on the portal."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .. import thresholds
from ..models import Tip, TipSource, TipStatus


def tips_for(user) -> QuerySet:
    return Tip.objects.visible_to(user).select_related("estate", "unit", "triaged_by")


def tip_for_user(user, pk) -> Tip:
    from anju.core.access import get_or_404

    return get_or_404(tips_for(user).select_related("submitted_by"), pk=pk)


def triage_overdue_since(today: datetime.date) -> datetime.datetime:
    """A new tip received before this moment is overdue for triage."""
    days = int(thresholds.value("tip_days"))
    start = datetime.datetime.combine(
        today - datetime.timedelta(days=days),
        datetime.time.min,
        tzinfo=timezone.get_current_timezone(),
    )
    return start


def tip_queue(
    user,
    *,
    status: str = "",
    category: str = "",
    source: str = "",
    estate=None,
    overdue: bool = False,
    today: datetime.date | None = None,
) -> QuerySet:
    tips = tips_for(user)
    if status:
        tips = tips.filter(status=status)
    if category:
        tips = tips.filter(category=category)
    if source:
        tips = tips.filter(source=source)
    if estate is not None:
        tips = tips.filter(estate=estate)
    if overdue:
        since = triage_overdue_since(today or timezone.localdate())
        tips = tips.filter(status=TipStatus.NEW, received_at__lt=since)
    return tips.order_by("-received_at", "-id")


def tips_of_account(user) -> QuerySet:
    """The tips a tenant gave on the portal, newest first."""
    return Tip.objects.filter(submitted_by=user, source=TipSource.PORTAL).order_by(
        "-received_at", "-id"
    )
