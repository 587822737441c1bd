"""Community activities (社区活动): a community or the authority plans one, households
sign up (on the portal, or at the counter through staff), the organiser may cancel it
(the households signed up are told through the outbox), and after it starts staff
record who came. A volunteering activity credits the hours to every household that
came, as good-conduct credit in the tenant points ledger, once per household.

The statuses move through one table, `TRANSITIONS`. Sign-up closes at `signup_until`;
the daily task also marks it closed (`signups_close_due`), so the lists can tell.

Un-marking a household that came and was credited is refused: the credit stands in the
points ledger, where a correction belongs, and the attendance list keeps saying why."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel, OrgKind
from anju.core.scoping import sees_whole_district
from anju.housing.models import Estate
from anju.supervision.models import CreditKind
from anju.supervision.services.credits import credit_record

from ..models import Activity, ActivityStatus, Signup

S = ActivityStatus
TRANSITIONS: dict[str, set[str]] = {
    S.OPEN: {S.CLOSED, S.HELD, S.CANCELLED},
    S.CLOSED: {S.OPEN, S.HELD, S.CANCELLED},
    S.HELD: {S.HELD},  # attendance recorded again
    S.CANCELLED: set(),
}
ORGANISER_KINDS = (OrgKind.AUTHORITY, OrgKind.COMMUNITY)
MAX_HOURS = Decimal("999.9")  # the field's four digits
MAX_PLACES = 32767

timeline.register(
    "activity.signed_up",
    gettext_lazy("Signed up for the activity “%(title)s” on %(day)s: %(people)s people"),
)
timeline.register(
    "activity.signup_cancelled",
    gettext_lazy("Sign-up for the activity “%(title)s” cancelled"),
)
timeline.register(
    "activity.cancelled",
    gettext_lazy("The activity “%(title)s” on %(day)s was cancelled: %(reason)s"),
)
timeline.register("activity.attended", gettext_lazy("Came to the activity “%(title)s” on %(day)s"))

notify.register(
    "activity.cancelled.portal",
    MessageChannel.PORTAL,
    gettext_lazy(
        "The activity “{title}” on {day} at {place}, which your household signed up for, "
        "is cancelled: {reason}. We are sorry for the trouble."
    ),
)


# --- Small pieces -----------------------------------------------------------------------


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def when_text(activity: Activity) -> str:
    return date_format(timezone.localtime(activity.starts_at), "Y-m-d H:i")


def check_move(activity: Activity, to: str) -> None:
    if to not in TRANSITIONS[ActivityStatus(activity.status)]:
        raise DomainError(
            _("An activity that is “%(now)s” cannot become “%(to)s”.")
            % {"now": activity.get_status_display(), "to": ActivityStatus(to).label},
            code="bad_transition",
        )


def taken_places(activity: Activity, *, excluding: Signup | None = None) -> int:
    """The people of the activity's sign-ups that are not cancelled."""
    signups = activity.signups.filter(cancelled_at__isnull=True)
    if excluding is not None:
        signups = signups.exclude(pk=excluding.pk)
    return signups.aggregate(n=Sum("people"))["n"] or 0


def _organiser(actor):
    org = actor.organisation
    if org is None or org.kind not in ORGANISER_KINDS:
        raise DomainError(
            _("Activities are organised by a community or by the authority."),
            code="not_organiser",
        )
    return org


def may_manage(actor, activity: Activity) -> bool:
    """A district-wide activity is the authority's; an estate's activity is managed by
    staff who see that estate (the view's permission and scoping settle the rest)."""
    return activity.estate_id is not None or sees_whole_district(actor)


def _check_estate(actor, estate: Estate | None) -> None:
    if estate is None:
        if not sees_whole_district(actor):
            raise DomainError(
                _("Choose the estate: only the authority plans activities for the whole district."),
                code="estate",
            )
        return
    if not Estate.objects.visible_to(actor).filter(pk=estate.pk).exists():
        raise DomainError(_("Choose one of your estates."), code="estate")


def _clean_hours(volunteering: bool, hours) -> Decimal | None:
    if not volunteering:
        return None
    try:
        value = Decimal(str(hours)) if hours not in (None, "") else None
    except InvalidOperation:
        value = None
    if value is None or value <= 0:
        raise DomainError(
            _("Give the volunteering hours each household that comes is credited."),
            code="hours",
        )
    if value > MAX_HOURS or value != value.quantize(Decimal("0.1")):
        raise DomainError(
            _("Give the hours to one decimal place, at most %(max)s.") % {"max": MAX_HOURS},
            code="hours",
        )
    return value


@dataclass
class ActivityInput:
    """What staff enter for an activity; `activity_create` and `activity_edit` check it."""

    title: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    signup_until: datetime.datetime
    capacity: int
    estate: Estate | None = None
    description: str = ""
    volunteering: bool = False
    hours: Decimal | None = None
    values: dict = field(default_factory=dict, init=False)

    def clean(self) -> dict:
        title, place = (self.title or "").strip(), (self.place or "").strip()
        if not title:
            raise DomainError(_("Give the activity a title."), code="title")
        if not place:
            raise DomainError(_("Say where the activity takes place."), code="place")
        if not (self.starts_at and self.ends_at and self.signup_until):
            raise DomainError(_("Give the start, the end and the sign-up deadline."), code="times")
        if self.ends_at <= self.starts_at:
            raise DomainError(_("The activity must end after it starts."), code="times")
        if self.signup_until > self.starts_at:
            raise DomainError(
                _("Sign-up must close before the activity starts, or when it starts."),
                code="times",
            )
        try:
            capacity = int(self.capacity)
        except (TypeError, ValueError):
            capacity = 0
        if capacity <= 0 or capacity > MAX_PLACES:
            raise DomainError(_("Give the number of places: at least one."), code="capacity")
        return {
            "title": title[:120],
            "place": place[:200],
            "description": (self.description or "").strip(),
            "estate": self.estate,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "signup_until": self.signup_until,
            "capacity": capacity,
            "volunteering": bool(self.volunteering),
            "hours": _clean_hours(bool(self.volunteering), self.hours),
        }


FIELDS = [
    "title",
    "description",
    "estate",
    "place",
    "starts_at",
    "ends_at",
    "signup_until",
    "capacity",
    "volunteering",
    "hours",
    "status",
]


# --- Planning ---------------------------------------------------------------------------


def activity_create(data: ActivityInput, *, actor) -> Activity:
    """Plan an activity, organised by the actor's community or the authority. It is
    open for sign-up at once."""
    organiser = _organiser(actor)
    values = data.clean()
    _check_estate(actor, values["estate"])
    now = timezone.now()
    if values["starts_at"] <= now:
        raise DomainError(_("Plan an activity that starts in the future."), code="past")
    if values["signup_until"] <= now:
        raise DomainError(_("The sign-up deadline has already passed."), code="past")
    with transaction.atomic():
        activity = Activity.objects.create(
            **values, organiser=organiser, created_by=actor, status=ActivityStatus.OPEN
        )
        audit.record(
            actor=actor,
            action="activity.create",
            target=activity,
            changes=audit.snapshot(activity, FIELDS),
        )
    return activity


def activity_edit(activity: Activity, data: ActivityInput, *, actor) -> Activity:
    """Change an activity before it starts. The places cannot drop below the people
    signed up, and the estate cannot change once households have signed up. Moving the
    sign-up deadline reopens or closes sign-up."""
    values = data.clean()
    now = timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.status not in (ActivityStatus.OPEN, ActivityStatus.CLOSED):
            raise DomainError(
                _("An activity that is “%(s)s” can no longer be changed.")
                % {"s": activity.get_status_display()},
                code="bad_state",
            )
        if activity.starts_at <= now:
            raise DomainError(
                _("The activity has started; it can no longer be changed."), code="started"
            )
        if values["starts_at"] <= now:
            raise DomainError(_("Plan an activity that starts in the future."), code="past")
        if values["estate"] != activity.estate:
            _check_estate(actor, values["estate"])
            if activity.signups.filter(cancelled_at__isnull=True).exists():
                raise DomainError(
                    _("Households have signed up: the estate can no longer change."),
                    code="estate_locked",
                )
        taken = taken_places(activity)
        if values["capacity"] < taken:
            raise DomainError(
                _("%(n)s people have signed up: the places cannot be fewer.") % {"n": taken},
                code="capacity",
            )
        before = audit.snapshot(activity, FIELDS)
        for name, value in values.items():
            setattr(activity, name, value)
        status = ActivityStatus.OPEN if values["signup_until"] > now else ActivityStatus.CLOSED
        if status != activity.status:
            check_move(activity, status)
            activity.status = status
        activity.save(update_fields=[*values, "status"])
        audit.record(
            actor=actor,
            action="activity.edit",
            target=activity,
            changes=audit.diff(before, audit.snapshot(activity, FIELDS)),
        )
    return activity


def activity_cancel(activity: Activity, *, actor, reason: str) -> Activity:
    """Call an activity off before it is held. Every household signed up gets a portal
    message saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the activity is cancelled."), code="reason")
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        check_move(activity, ActivityStatus.CANCELLED)
        before = activity.status
        activity.status = ActivityStatus.CANCELLED
        activity.save(update_fields=["status"])
        signups = list(
            activity.signups.filter(cancelled_at__isnull=True).select_related("household")
        )
        audit.record(
            actor=actor,
            action="activity.cancel",
            target=activity,
            changes={"status": [before, S.CANCELLED], "reason": reason, "signups": len(signups)},
        )
        day = local_day(activity.starts_at).isoformat()
        entries = []
        for signup in signups:
            entry = timeline.build(
                "activity.cancelled", actor=actor, title=activity.title, day=day, reason=reason
            )
            entry.household_id = signup.household_id
            entries.append(entry)
        timeline.add_many(entries)
        context = {"title": activity.title, "day": when_text(activity), "place": activity.place}
        rows = [
            (
                "activity.cancelled.portal",
                f"activity:{activity.pk}:cancelled:{s.household_id}",
                s.household,
                {**context, "reason": reason},
            )
            for s in signups
        ]
        transaction.on_commit(lambda: notify.queue_many(rows))
    return activity


def signups_close_due(now: datetime.datetime | None = None) -> int:
    """Mark sign-up closed on the open activities whose deadline has passed."""
    now = now or timezone.now()
    return Activity.objects.filter(status=ActivityStatus.OPEN, signup_until__lte=now).update(
        status=ActivityStatus.CLOSED
    )


# --- Signing up -------------------------------------------------------------------------


def _check_open(activity: Activity, now: datetime.datetime) -> None:
    if activity.status == ActivityStatus.CANCELLED:
        raise DomainError(_("The activity is cancelled."), code="cancelled")
    if activity.status not in (ActivityStatus.OPEN, ActivityStatus.CLOSED):
        raise DomainError(_("The activity has been held."), code="held")
    if activity.signup_until <= now:
        raise DomainError(
            _("Sign-up closed on %(d)s.")
            % {"d": date_format(timezone.localtime(activity.signup_until), "Y-m-d H:i")},
            code="closed",
        )


def signup_create(activity: Activity, household, *, actor, people: int = 1) -> Signup:
    """Sign a household up, from the portal or at the counter: only a housed household
    the activity is for (the whole district, or its estate), before the deadline, for
    as many people as places are left. A household signs up once; after cancelling it
    may sign up again."""
    try:
        people = int(people)
    except (TypeError, ValueError):
        people = 0
    if people < 1:
        raise DomainError(_("At least one person comes."), code="people")
    now = timezone.now()
    with transaction.atomic():
        # The activity's row is the lock that keeps two sign-ups from taking the last
        # places at once.
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        _check_open(activity, now)
        if not household.unit_id:
            raise DomainError(
                _("Household %(h)s has no home in an estate.") % {"h": household.number},
                code="not_housed",
            )
        if not Activity.objects.for_household(household).filter(pk=activity.pk).exists():
            raise DomainError(
                _("This activity is for the households of %(e)s.") % {"e": activity.estate},
                code="not_for_household",
            )
        existing = Signup.objects.filter(activity=activity, household=household).first()
        if existing is not None and existing.cancelled_at is None:
            raise DomainError(
                _("Household %(h)s has already signed up for this activity.")
                % {"h": household.number},
                code="already",
            )
        left = activity.capacity - taken_places(activity)
        if left <= 0:
            raise DomainError(_("The activity is full."), code="full")
        if people > left:
            raise DomainError(
                _("Only %(n)s places are left.") % {"n": left}
                if left > 1
                else _("Only one place is left."),
                code="full",
            )
        if existing is not None:
            existing.people, existing.cancelled_at, existing.attended = people, None, None
            existing.signed_up_at, existing.signed_up_by = now, actor
            existing.save(
                update_fields=["people", "cancelled_at", "attended", "signed_up_at", "signed_up_by"]
            )
            signup = existing
        else:
            try:
                with transaction.atomic():
                    signup = Signup.objects.create(
                        activity=activity,
                        household=household,
                        people=people,
                        signed_up_at=now,
                        signed_up_by=actor,
                    )
            except IntegrityError:
                raise DomainError(
                    _("Household %(h)s has already signed up for this activity.")
                    % {"h": household.number},
                    code="already",
                ) from None
        audit.record(
            actor=actor,
            action="activity.signup",
            target=signup,
            changes={"activity": activity.pk, "household": household.pk, "people": people},
        )
        timeline.add(
            "activity.signed_up",
            actor=actor,
            for_household=household,
            title=activity.title,
            day=local_day(activity.starts_at).isoformat(),
            people=people,
        )
    return signup


def signup_cancel(signup: Signup, *, actor) -> Signup:
    """Take a sign-up back, before sign-up closes; the places are free again."""
    now = timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
        signup = Signup.objects.select_for_update().get(pk=signup.pk)
        if signup.cancelled_at is not None:
            raise DomainError(_("This sign-up is already cancelled."), code="cancelled")
        _check_open(activity, now)
        signup.cancelled_at = now
        signup.save(update_fields=["cancelled_at"])
        audit.record(
            actor=actor,
            action="activity.signup_cancel",
            target=signup,
            changes={"cancelled_at": [None, now.isoformat()]},
        )
        timeline.add(
            "activity.signup_cancelled",
            actor=actor,
            for_household=signup.household,
            title=activity.title,
        )
    return signup


# --- Attendance -------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendance:
    came: int
    absent: int
    credited: int  # households credited by this recording


def attendance_record(activity: Activity, *, actor, came: Mapping[int, bool | None]) -> Attendance:
    """Record, per sign-up, whether the household came (True), did not (False) or is
    not yet known (None); sign-ups not named keep what they had. For a volunteering
    activity every household that came is credited the activity's hours, once (the
    credit is keyed on the activity and the household, so recording again is
    harmless). A household already credited cannot be marked absent here: the credit
    stands, and is corrected in the points ledger. The activity is then held."""
    now = timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.status == ActivityStatus.CANCELLED:
            raise DomainError(_("The activity is cancelled."), code="cancelled")
        if activity.starts_at > now:
            raise DomainError(
                _("Attendance is recorded once the activity has started."), code="not_started"
            )
        check_move(activity, ActivityStatus.HELD)
        signups = {
            s.pk: s
            for s in activity.signups.filter(cancelled_at__isnull=True).select_related(
                "household", "credit"
            )
        }
        unknown = set(came) - set(signups)
        if unknown:
            raise DomainError(
                _("These are not sign-ups of this activity: %(ids)s.")
                % {"ids": ", ".join(str(pk) for pk in sorted(unknown))},
                code="unknown_signup",
            )
        for pk, value in came.items():
            signup = signups[pk]
            if signup.credit is not None and value is not True:
                raise DomainError(
                    _(
                        "Household %(h)s came and was credited %(n)s volunteering hours; "
                        "that stands. Correct it in the points ledger if it was wrong."
                    )
                    % {"h": signup.household.number, "n": signup.credit.amount},
                    code="credited",
                )
        changed, newly_came = [], []
        for pk, value in came.items():
            signup = signups[pk]
            if signup.attended != value:
                if value is True:
                    newly_came.append(signup)
                signup.attended = value
                changed.append(signup)
        Signup.objects.bulk_update(changed, ["attended"])
        credited = 0
        day = local_day(activity.starts_at)
        if activity.volunteering and activity.hours:
            for signup in signups.values():
                if signup.attended is not True or signup.credit_id:
                    continue
                signup.credit = credit_record(
                    signup.household,
                    actor=actor,
                    kind=CreditKind.VOLUNTEERING,
                    amount=activity.hours,
                    occurred_on=min(day, timezone.localdate()),
                    details=activity.title,
                    source_key=f"activity:{activity.pk}:{signup.household_id}",
                )
                signup.save(update_fields=["credit"])
                credited += 1
        if activity.status != ActivityStatus.HELD:
            activity.status = ActivityStatus.HELD
            activity.save(update_fields=["status"])
        summary = Attendance(
            came=sum(1 for s in signups.values() if s.attended is True),
            absent=sum(1 for s in signups.values() if s.attended is False),
            credited=credited,
        )
        audit.record(
            actor=actor,
            action="activity.attendance",
            target=activity,
            changes={
                "came": summary.came,
                "absent": summary.absent,
                "credited": credited,
                "changed": {s.household.number: s.attended for s in changed},
            },
        )
        entries = []
        for signup in newly_came:
            entry = timeline.build(
                "activity.attended", actor=actor, title=activity.title, day=day.isoformat()
            )
            entry.household_id = signup.household_id
            entries.append(entry)
        timeline.add_many(entries)
    return summary
