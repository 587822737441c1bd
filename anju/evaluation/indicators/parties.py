"""Who is scored in a period: the parties of one kind, one query each.

- Street offices, communities, operators and property companies: the active
  organisations of that kind.
- Tenant households: every household that held a lease on at least one day of the
  period (its first day on or before the period's last, its last day, the day the keys
  came back or else the end of its term, on or after the period's first), with the
  estate of that lease's unit; when it held several (it moved), the latest one's."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, Q

from anju.core.models import Organisation
from anju.households.models import Lease

from ..models import PartyKind


@dataclass(frozen=True)
class Party:
    id: int  # the organisation's or the household's
    estate_id: int | None = None  # a household's estate; None for organisations


def parties(party_kind: str, start: datetime.date, end: datetime.date) -> list[Party]:
    if party_kind == PartyKind.TENANT:
        return _households(start, end)
    ids = (
        Organisation.objects.filter(kind=party_kind, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [Party(pk) for pk in ids]


def _households(start: datetime.date, end: datetime.date) -> list[Party]:
    rows = (
        Lease.objects.filter(start__lte=end)
        .filter(Q(ended_on__isnull=True, end__gte=start) | Q(ended_on__gte=start))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=F("start")))
        .order_by("household_id", "-start", "-pk")
        .values_list("household_id", "unit__estate_id")
    )
    out: list[Party] = []
    last = None
    for household_id, estate_id in rows.iterator(chunk_size=5000):
        if household_id != last:  # the first row of each household is its latest lease
            out.append(Party(household_id, estate_id))
            last = household_id
    return out
