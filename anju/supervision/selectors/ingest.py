"""Reads for the ingest pages: batches, devices with their last report, and the data
quality lists (meter registers that went backwards, locks gone silent). Every read
starts from the user's scope (`visible_to`)."""

import datetime
from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, Subquery, Window
from django.db.models.functions import Lag
from django.http import Http404
from django.utils import timezone

from anju.core.access import get_or_404

from .. import thresholds
from ..models import AccessEvent, Device, DeviceKind, IngestBatch, MeterKind, MeterReading

# A register is compared with the reading before it; for the first reading of the
# window that one may lie before the window, up to this far back.
LOOKBACK_DAYS = 31


def batches_for(user):
    return IngestBatch.objects.visible_to(user).select_related("api_key", "actor")


def batch_for_user(user, pk) -> IngestBatch:
    return get_or_404(batches_for(user), pk=pk)


def _last_access():
    return Subquery(
        AccessEvent.objects.filter(device=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )


def _last_reading():
    return Subquery(
        MeterReading.objects.filter(meter=OuterRef("pk")).order_by("-read_at").values("read_at")[:1]
    )


def devices_for(user, *, estate=None, kind=None, unconfirmed=False, retired=False):
    """The devices in scope, each with `last_seen`: one correlated probe of the
    (device, time) index per device shown, in the same query."""
    qs = Device.objects.visible_to(user).select_related("estate", "unit", "confirmed_by")
    if estate is not None:
        qs = qs.filter(estate=estate)
    if kind:
        qs = qs.filter(kind=kind)
    if unconfirmed:
        qs = qs.unconfirmed()
    if not retired:
        qs = qs.filter(retired_at__isnull=True)
    return qs.annotate(last_access=_last_access(), last_reading=_last_reading())


def device_for_user(user, pk) -> Device:
    device = Device.objects.visible_to(user).select_related("unit", "estate").filter(pk=pk).first()
    if device is None:
        raise Http404
    return device


@dataclass(frozen=True)
class Backwards:
    meter_code: str
    unit_code: str
    estate_code: str
    kind: str
    prev_at: datetime.datetime
    prev_value: object
    read_at: datetime.datetime
    value: object

    @property
    def drop(self):
        return self.prev_value - self.value

    @property
    def kind_label(self):
        return MeterKind(self.kind).label


def registers_backwards(user, *, since: datetime.date, until: datetime.date, estate=None):
    """Readings in [since, until] lower than the meter's reading before them (a meter
    replaced, or a fault), newest first. Set-based: LAG over (meter, read_at) in the
    database, which works the same on SQLite and PostgreSQL."""
    window = {"partition_by": [F("meter")], "order_by": [F("read_at").asc(), F("id").asc()]}
    qs = MeterReading.objects.visible_to(user).filter(
        day__gte=(since - datetime.timedelta(days=LOOKBACK_DAYS)).toordinal(),
        day__lte=until.toordinal(),
    )
    if estate is not None:
        qs = qs.filter(unit__estate=estate)
    rows = (
        qs.annotate(
            prev_value=Window(Lag("value"), **window),
            prev_at=Window(Lag("read_at"), **window),
        )
        # Filtering on the window wraps the query: the earlier readings still feed LAG.
        .filter(prev_value__gt=F("value"))
        .values(
            "meter__code",
            "unit__code",
            "unit__estate__code",
            "kind",
            "prev_at",
            "prev_value",
            "read_at",
            "value",
            "day",
        )
    )
    first_day = since.toordinal()
    out = [
        Backwards(
            meter_code=r["meter__code"],
            unit_code=r["unit__code"],
            estate_code=r["unit__estate__code"],
            kind=r["kind"],
            prev_at=r["prev_at"],
            prev_value=r["prev_value"],
            read_at=r["read_at"],
            value=r["value"],
        )
        for r in rows
        if r["day"] >= first_day
    ]
    out.sort(key=lambda b: b.read_at, reverse=True)
    return out


def silent_locks(user, *, estate=None, now=None):
    """Door locks in service whose last event is older than the threshold (or that
    never reported), oldest silence first; with the threshold in days."""
    days = int(thresholds.value("lock_silent_days"))
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    qs = (
        Device.objects.visible_to(user)
        .filter(kind=DeviceKind.LOCK, retired_at__isnull=True)
        .select_related("estate", "unit")
        .annotate(last_seen=_last_access())
        .filter(Q(last_seen__lt=cutoff) | Q(last_seen__isnull=True))
    )
    if estate is not None:
        qs = qs.filter(estate=estate)
    return qs.order_by(F("last_seen").asc(nulls_first=True), "code"), days
