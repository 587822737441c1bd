"""Reads of notices that more than one page needs: one notice for a staff member (404 for
a missing one and for one outside the user's estates alike), the staff list with its
filters and read rates, the households that have not confirmed, the public site's live
district notices, and a household's notices on the portal.

Read rates are counted set-based: a notice's households are those housed in its target
now (`services.notices.targeted_households`), and a rate is the confirmed among them
over all of them, within the estates the reader sees."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from anju.core.access import get_or_404
from anju.households.models import Household

from ..models import Audience, Notice, NoticeAttachment, NoticeRead, NoticeStatus
from ..services.notices import targeted_households

# The states a reader sees: the status, and for a published notice where it stands in
# time.
STATES = [
    ("draft", pgettext_lazy("notice", "Draft")),
    ("scheduled", pgettext_lazy("notice", "Scheduled")),
    ("live", pgettext_lazy("notice", "Showing")),
    ("expired", pgettext_lazy("notice", "Expired")),
    ("withdrawn", pgettext_lazy("notice", "Withdrawn")),
]
STATE_LABELS = dict(STATES)


def state_of(notice: Notice, now: datetime.datetime | None = None) -> str:
    now = now or timezone.now()
    if notice.status != NoticeStatus.PUBLISHED:
        return str(notice.status)
    if notice.publish_at and notice.publish_at > now:
        return "scheduled"
    if notice.expire_at and notice.expire_at <= now:
        return "expired"
    return "live"


def in_state(notices, state: str, now=None) -> QuerySet[Notice]:
    """`notices` (a NoticeQuerySet) in one of STATES."""
    now = now or timezone.now()
    published = notices.filter(status=NoticeStatus.PUBLISHED)
    if state == "scheduled":
        return published.filter(publish_at__gt=now)
    if state == "live":
        return notices.live(now)
    if state == "expired":
        return published.filter(expire_at__lte=now)
    if state in (NoticeStatus.DRAFT, NoticeStatus.WITHDRAWN):
        return notices.filter(status=state)
    return notices


# --- Staff ----------------------------------------------------------------------------


def notices_for(user) -> QuerySet[Notice]:
    return Notice.objects.visible_to(user).select_related("estate", "building", "created_by")


def notice_for_user(user, pk) -> Notice:
    """One notice in the user's scope, or 404 (the same answer as a missing one)."""
    return get_or_404(notices_for(user), pk=pk)


def attachment_for_user(user, pk, file_pk) -> NoticeAttachment:
    return get_or_404(
        NoticeAttachment.objects.filter(notice__in=Notice.objects.visible_to(user)),
        notice_id=pk,
        pk=file_pk,
    )


def notice_list(user, *, kind="", state="", audience="", estate=None, q="") -> QuerySet[Notice]:
    notices = notices_for(user)
    if kind:
        notices = notices.filter(kind=kind)
    if audience:
        notices = notices.filter(audience=audience)
    if estate is not None:
        notices = notices.filter(estate=estate)
    if q:
        notices = notices.filter(Q(title__icontains=q) | Q(source__icontains=q))
    return in_state(notices, state)


@dataclass
class Rate:
    confirmed: int
    targeted: int

    @property
    def percent(self) -> int | None:
        if not self.targeted:
            return None
        return round(100 * self.confirmed / self.targeted)


def _housed(user) -> QuerySet[Household]:
    return Household.objects.visible_to(user).filter(unit__isnull=False)


def _matches(notice: Notice, estate_id, building_id) -> bool:
    if notice.audience == Audience.ESTATE:
        return estate_id == notice.estate_id
    if notice.audience == Audience.BUILDING:
        return building_id == notice.building_id
    return True


def read_rates(user, notices) -> dict[int, Rate]:
    """{notice id: Rate} of the important ones among `notices`, counted among the
    households the user sees: two grouped queries, however many notices."""
    important = [n for n in notices if n.important]
    if not important:
        return {}
    housed = list(
        _housed(user)
        .values("estate_id", "unit__building_id")
        .annotate(n=Count("id"))
        .values_list("estate_id", "unit__building_id", "n")
    )
    reads = list(
        NoticeRead.objects.filter(notice__in=[n.pk for n in important], household__in=_housed(user))
        .values("notice_id", "household__estate_id", "household__unit__building_id")
        .annotate(n=Count("id"))
        .values_list("notice_id", "household__estate_id", "household__unit__building_id", "n")
    )
    rates = {}
    for notice in important:
        targeted = sum(n for e, b, n in housed if _matches(notice, e, b))
        confirmed = sum(n for pk, e, b, n in reads if pk == notice.pk and _matches(notice, e, b))
        rates[notice.pk] = Rate(confirmed, targeted)
    return rates


def read_rates_by_estate(user, notice: Notice) -> tuple[list[dict], Rate]:
    """Per estate the user sees that the notice reaches: the households reached, the
    confirmed among them and the rate; and the total."""
    households = targeted_households(notice).filter(pk__in=_housed(user).values("pk"))
    confirmed = dict(
        households.filter(notice_reads__notice=notice)
        .values("estate_id")
        .annotate(n=Count("id"))
        .values_list("estate_id", "n")
    )
    rows = (
        households.values("estate_id", "estate__code", "estate__name")
        .annotate(n=Count("id"))
        .order_by("estate__code")
    )
    out: list[dict] = [
        {
            "estate_id": row["estate_id"],
            "code": row["estate__code"],
            "name": row["estate__name"],
            "rate": Rate(confirmed.get(row["estate_id"], 0), row["n"]),
        }
        for row in rows
    ]
    rates = [r["rate"] for r in out]
    total = Rate(sum(r.confirmed for r in rates), sum(r.targeted for r in rates))
    return out, total


def unconfirmed_households(user, notice: Notice) -> QuerySet[Household]:
    """The households the notice reaches, in the user's estates, that have not confirmed
    it, by estate and unit."""
    return (
        targeted_households(notice)
        .filter(pk__in=_housed(user).values("pk"))
        .exclude(notice_reads__notice=notice)
        .select_related("head", "unit", "estate")
        .order_by("estate__code", "unit__code")
    )


# --- The public site ---------------------------------------------------------------------


def public_notices(now=None) -> QuerySet[Notice]:
    """Live notices for the whole district: the only ones the public site shows."""
    return Notice.objects.live(now).filter(audience=Audience.DISTRICT)


def public_notice(pk) -> Notice:
    return get_or_404(public_notices(), pk=pk)


def public_attachment(pk, file_pk) -> NoticeAttachment:
    return get_or_404(
        NoticeAttachment.objects.filter(notice__in=public_notices()), notice_id=pk, pk=file_pk
    )


# --- The portal ---------------------------------------------------------------------------


def household_notices(household: Household, now=None) -> QuerySet[Notice]:
    """The live notices a household is shown (the district's, its estate's and its
    building's), each with `confirmed`: whether the household has confirmed it."""
    return (
        Notice.objects.live(now)
        .for_household(household)
        .annotate(
            confirmed=Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), household=household))
        )
    )


def awaiting_confirmation(household: Household, now=None) -> QuerySet[Notice]:
    """Important notices the household is shown and has not confirmed yet."""
    return (
        Notice.objects.live(now)
        .for_household(household)
        .filter(important=True)
        .exclude(reads__household=household)
    )


def household_notice(household: Household, pk) -> Notice:
    return get_or_404(household_notices(household), pk=pk)


def household_attachment(household: Household, pk, file_pk) -> NoticeAttachment:
    return get_or_404(
        NoticeAttachment.objects.filter(notice__in=Notice.objects.live().for_household(household)),
        notice_id=pk,
        pk=file_pk,
    )
