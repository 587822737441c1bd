"""SLA compliance of repairs by property company and month: how many orders were
reported, the share responded to in time and done in time, the average rating and
the share reopened. One aggregate query over the orders the user sees; the
evaluation of property companies reads `sla_compliance` too.

What counts:
- an order counts in the month it was reported (the district's time); cancelled
  orders do not count;
- "responded in time": responded (first assigned) by the response deadline, among the
  orders whose response is settled: responded, or past the deadline while the clock
  runs;
- "done in time": done by the completion deadline (moved on by any deferral), among
  the orders done or past that deadline while the clock runs;
- the reopen rate: orders reopened at least once, among the orders done at least once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ..models import CLOCK_RUNS, WorkOrder, WorkOrderStatus
from ..services.workorder_quality import month_bounds

S = WorkOrderStatus


@dataclass
class Compliance:
    company_id: int
    company: str
    month: datetime.date | None  # None: the whole span
    orders: int
    respond_due: int
    respond_ok: int
    done_due: int
    done_ok: int
    rated: int
    rating: float | None
    finished: int
    reopened: int

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def respond_rate(self) -> float | None:
        return self._pct(self.respond_ok, self.respond_due)

    @property
    def done_rate(self) -> float | None:
        return self._pct(self.done_ok, self.done_due)

    @property
    def reopen_rate(self) -> float | None:
        return self._pct(self.reopened, self.finished)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def _measures(now: datetime.datetime) -> dict:
    running = Q(status__in=CLOCK_RUNS)
    return {
        "orders": Count("pk"),
        "respond_due": Count(
            "pk",
            filter=Q(responded_at__isnull=False) | (running & Q(respond_by__lt=now)),
        ),
        "respond_ok": Count("pk", filter=Q(responded_at__lte=F("respond_by"))),
        "done_due": Count(
            "pk", filter=Q(done_at__isnull=False) | (running & Q(complete_by__lt=now))
        ),
        "done_ok": Count("pk", filter=Q(done_at__lte=F("complete_by"))),
        "rated": Count("rating"),
        "rating": Avg("rating"),
        "finished": Count("pk", filter=Q(done_at__isnull=False) | Q(reopen_count__gt=0)),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
    }


def sla_compliance(
    orders,
    *,
    first: datetime.date,
    last: datetime.date,
    company=None,
    by_month: bool = True,
    now: datetime.datetime | None = None,
) -> list[Compliance]:
    """Rows per property company and month from `first`'s month to `last`'s (or, with
    `by_month=False`, one row per company for the whole span). `orders` is the scoped
    queryset the reader may see (WorkOrder.objects.visible_to(user))."""
    now = now or timezone.now()
    start, _ = month_bounds(first)
    _, end = month_bounds(last)
    rows = orders.filter(reported_at__gte=start, reported_at__lt=end).exclude(status=S.CANCELLED)
    if company is not None:
        rows = rows.filter(property_company=company)
    keys = ["property_company_id", "property_company__name"]
    if by_month:
        zone = timezone.get_current_timezone()
        rows = rows.annotate(month=TruncMonth("reported_at", tzinfo=zone))
        keys.append("month")
    result = rows.order_by().values(*keys).annotate(**_measures(now)).order_by(*keys)
    out = []
    for row in result:
        month = row.get("month")
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        out.append(
            Compliance(
                company_id=row["property_company_id"],
                company=row["property_company__name"],
                month=month,
                orders=row["orders"],
                respond_due=row["respond_due"],
                respond_ok=row["respond_ok"],
                done_due=row["done_due"],
                done_ok=row["done_ok"],
                rated=row["rated"],
                rating=round(row["rating"], 2) if row["rating"] is not None else None,
                finished=row["finished"],
                reopened=row["reopened"],
            )
        )
    return out


def sla_compliance_for(user, **kwargs) -> list[Compliance]:
    return sla_compliance(WorkOrder.objects.visible_to(user), **kwargs)
