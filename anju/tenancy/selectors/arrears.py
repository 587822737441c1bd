"""Reads of arrears: the households in arrears as one aggregated query (GROUP BY
household over the overdue bills, with the current hold and active agreement as
subqueries), their steps in one more query, and the ledger's bucket totals."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum

from ..models import (
    AgreementStatus,
    ArrearsHold,
    ArrearsNotice,
    Bill,
    BillKind,
    BillStatus,
    ListingStatus,
    RepaymentAgreement,
    VacateListing,
)
from ..services.arrears import BUCKET_BY_CODE, BUCKETS, ZERO, Bucket

RENT = Q(kind=BillKind.RENT)
LEDGER_FIELDS = (
    "household__number",
    "household__head__name",
    "household__estate__name",
    "household__unit__code",
)


def overdue_q(today: datetime.date) -> Q:
    """Open bills not fully paid whose due date has passed."""
    return Q(status=BillStatus.OPEN, due_on__lt=today, settled__lt=F("amount"))


def arrears_rows(bills: QuerySet, today: datetime.date, fields=()) -> QuerySet:
    """One row per household of `bills` with overdue rent: household_id, months (rent
    bills overdue), owed (everything overdue), oldest (due date of the oldest overdue
    rent bill), the current court hold's reference and start, and the active
    agreement's number; plus `fields` of the household."""
    hold = (
        ArrearsHold.objects.current(today)
        .filter(household_id=OuterRef("household_id"))
        .order_by("-since", "-pk")
    )
    agreement = RepaymentAgreement.objects.filter(
        household_id=OuterRef("household_id"), status=AgreementStatus.ACTIVE
    )
    return (
        bills.filter(overdue_q(today))
        .order_by()
        .values("household_id", *fields)
        .annotate(
            months=Count("pk", filter=RENT),
            owed=Sum(F("amount") - F("settled")),
            oldest=Min("due_on", filter=RENT),
            hold_ref=Subquery(hold.values("reference")[:1]),
            hold_since=Subquery(hold.values("since")[:1]),
            agreement_no=Subquery(agreement.values("number")[:1]),
            agreement_signed=Subquery(agreement.values("signed_on")[:1]),
        )
        .filter(months__gt=0)
    )


def in_bucket(rows: QuerySet, bucket: Bucket | None) -> QuerySet:
    if bucket is None:
        return rows
    rows = rows.filter(months__gte=bucket.low)
    return rows.filter(months__lte=bucket.high) if bucket.high is not None else rows


def ledger_rows(
    bills: QuerySet, today: datetime.date, *, estate=None, bucket: str | None = None
) -> QuerySet:
    """The ledger: households in arrears, most months owed first."""
    if estate is not None:
        bills = bills.filter(estate=estate)
    rows = arrears_rows(bills, today, LEDGER_FIELDS)
    return in_bucket(rows, BUCKET_BY_CODE.get(bucket or "")).order_by(
        "-months", "-owed", "household_id"
    )


def bucket_totals(bills: QuerySet, today: datetime.date, *, estate=None) -> list[dict]:
    """Households and amount owed per aging bucket, in one query."""
    if estate is not None:
        bills = bills.filter(estate=estate)
    rows = arrears_rows(bills, today)
    aggregates: dict[str, Count | Sum] = {}
    for i, bucket in enumerate(BUCKETS):
        months = Q(months__gte=bucket.low)
        if bucket.high is not None:
            months &= Q(months__lte=bucket.high)
        aggregates[f"n{i}"] = Count("household_id", filter=months)
        aggregates[f"a{i}"] = Sum("owed", filter=months)
    totals = rows.aggregate(**aggregates)
    counts = [totals[f"n{i}"] or 0 for i in range(len(BUCKETS))]
    owed = [totals[f"a{i}"] or ZERO for i in range(len(BUCKETS))]
    out: list[dict] = [
        {"bucket": b, "households": n, "owed": a}
        for b, n, a in zip(BUCKETS, counts, owed, strict=True)
    ]
    out.append({"bucket": None, "households": sum(counts), "owed": sum(owed, ZERO)})
    return out


def notices_by_household(household_ids) -> dict[int, list[dict]]:
    """Each household's steps, oldest first."""
    out: dict[int, list[dict]] = defaultdict(list)
    if not household_ids:
        return out
    for n in (
        ArrearsNotice.objects.filter(household_id__in=list(household_ids))
        .order_by("taken_on", "pk")
        .values("household_id", "spell", "action", "taken_on")
    ):
        out[n["household_id"]].append(dict(n))
    return out


def household_arrears(household, today: datetime.date) -> dict:
    """What the household's arrears page shows."""
    overdue = list(
        Bill.objects.filter(overdue_q(today), household=household).order_by("due_on", "pk")
    )
    open_bills = list(
        Bill.objects.filter(household=household, status=BillStatus.OPEN)
        .exclude(pk__in=[b.pk for b in overdue])
        .filter(settled__lt=F("amount"))
        .order_by("due_on", "pk")
    )
    return {
        "overdue": overdue,
        "overdue_total": sum((b.outstanding for b in overdue), Decimal("0.00")),
        "upcoming": open_bills,
        "notices": list(
            household.arrears_notices.select_related("taken_by", "message").order_by(
                "-taken_on", "-pk"
            )
        ),
        "holds": list(household.arrears_holds.select_related("created_by").order_by("-since")),
        "agreements": list(
            household.repayment_agreements.prefetch_related("instalments").order_by(
                "-signed_on", "-pk"
            )
        ),
        "listings": list(
            VacateListing.objects.filter(household=household).order_by("-listed_on", "-pk")
        ),
    }


def open_listings(user) -> QuerySet:
    return VacateListing.objects.visible_to(user).filter(status=ListingStatus.LISTED)
