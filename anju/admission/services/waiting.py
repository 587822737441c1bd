"""The waiting list (轮候). Households join it when their public notice closes with no
open objection. Positions are computed from the rule set's order, never typed: first
the households not moved to the back (those moved back queue after them, in the order
they were moved), then priority group, points (more first), approval date and, last,
the order the entries were made. Every recomputation keeps a history row for each
household whose position changed, with the reason, so a household can see why it moved.

Once a year a contact refresh asks every waiting household whether it still wants
housing and still qualifies. A household that does not answer by the due date is
suspended, never deleted."""

from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.models import TimelineEntry
from anju.households.models import Household, HouseholdStatus

from ..models import (
    Application,
    ApplicationStatus,
    ContactRefresh,
    ContactRefreshAnswer,
    PositionChange,
    PriorityGround,
    PriorityRule,
    WaitingEntry,
    WaitingStatus,
)
from .applications import hh_close
from .rules import ruleset_in_force

timeline.register(
    "waiting.joined",
    gettext_lazy("Joined the waiting list: priority group %(group)s, %(points)s points"),
)
timeline.register("waiting.suspended", gettext_lazy("Waiting-list place suspended: %(reason)s"))
timeline.register("waiting.reinstated", gettext_lazy("Waiting-list place reinstated: %(reason)s"))
timeline.register("waiting.removed", gettext_lazy("Removed from the waiting list: %(reason)s"))
timeline.register(
    "refresh.asked",
    gettext_lazy(
        "Contact refresh %(year)s: asked to confirm by %(due)s that the household still "
        "wants housing and still qualifies"
    ),
)
timeline.register(
    "refresh.confirmed",
    gettext_lazy("Contact refresh %(year)s: still wants housing and still qualifies"),
)
timeline.register(
    "refresh.not_wanted",
    gettext_lazy("Contact refresh %(year)s: no longer wants housing"),
)
timeline.register(
    "refresh.not_qualified",
    gettext_lazy("Contact refresh %(year)s: says it may no longer qualify"),
)
timeline.register(
    "refresh.unanswered",
    gettext_lazy("Contact refresh %(year)s: no answer by %(due)s, place suspended"),
)

# The only allowed moves of a waiting-list entry.
WAITING_TRANSITIONS: dict[str, frozenset[str]] = {
    WaitingStatus.WAITING: frozenset(
        {WaitingStatus.SUSPENDED, WaitingStatus.ALLOCATED, WaitingStatus.REMOVED}
    ),
    WaitingStatus.SUSPENDED: frozenset({WaitingStatus.WAITING, WaitingStatus.REMOVED}),
    WaitingStatus.ALLOCATED: frozenset(),
    WaitingStatus.REMOVED: frozenset(),
}

# The waiting-list order; `position_explained` counts along the same keys.
ORDER: list = [
    F("moved_back_at").asc(nulls_first=True),
    "priority_group",
    "-points",
    "approved_on",
    "id",
]

# Why positions changed, as a history row's `reason`. The first sentence is shown to the
# household the change was about, the second to every other household that moved.
REASONS = {
    "joined": (
        gettext_lazy("you joined the waiting list"),
        gettext_lazy("another household joined the list"),
    ),
    "left": (
        gettext_lazy("you left the waiting list"),
        gettext_lazy("another household left the list"),
    ),
    "allocated": (
        gettext_lazy("you were allocated a unit"),
        gettext_lazy("another household was allocated a unit"),
    ),
    "moved_back": (
        gettext_lazy("you were moved to the back after refusing offers without a valid reason"),
        gettext_lazy("another household was moved to the back of the list"),
    ),
    "suspended": (
        gettext_lazy("your place was suspended"),
        gettext_lazy("another household's place was suspended"),
    ),
    "reinstated": (
        gettext_lazy("your place was reinstated"),
        gettext_lazy("another household's place was reinstated"),
    ),
    "removed": (
        gettext_lazy("you were removed from the waiting list"),
        gettext_lazy("another household was removed from the list"),
    ),
    "refresh": (
        gettext_lazy("you did not answer the yearly contact refresh in time"),
        gettext_lazy("households that did not answer the yearly contact refresh were suspended"),
    ),
    "recomputed": (
        gettext_lazy("the list was recomputed"),
        gettext_lazy("the list was recomputed"),
    ),
}
BATCH = 1000
RECOMPUTE_LOCK = 7_2026_0601  # any constant of our own, for pg_advisory_xact_lock


# --- Positions ---------------------------------------------------------------------


def _at(on) -> datetime:
    if on is None:
        return timezone.now()
    if isinstance(on, datetime):
        return on
    return timezone.make_aware(datetime.combine(on, datetime.min.time()))


def waiting_recompute(*, reason: str, detail: dict | None = None, on=None) -> int:
    """Number every waiting household in the rule set's order, write the positions that
    changed in one bulk update, clear the position of every entry that is no longer
    waiting, and keep one history row per entry that moved. `detail` names what caused
    it ({"entry": id} or {"entries": [ids]}, and anything else worth keeping). Returns
    how many entries moved. Call it after every change to the list."""
    if reason not in REASONS:
        raise DomainError(_("Unknown reason for a position change."), code="bad_reason")
    at = _at(on)
    detail = detail or {}
    with transaction.atomic():
        _one_at_a_time()
        waiting = (
            WaitingEntry.objects.filter(status=WaitingStatus.WAITING)
            .order_by(*ORDER)
            .values_list("id", "position")
        )
        changed, history = [], []
        for new, (pk, old) in enumerate(waiting.iterator(BATCH), start=1):
            if old != new:
                changed.append(WaitingEntry(pk=pk, position=new, position_at=at))
                history.append(
                    PositionChange(
                        entry_id=pk, at=at, old=old, new=new, reason=reason, detail=detail
                    )
                )
        gone = (
            WaitingEntry.objects.exclude(status=WaitingStatus.WAITING)
            .filter(position__isnull=False)
            .values_list("id", "position")
        )
        for pk, old in gone:
            changed.append(WaitingEntry(pk=pk, position=None, position_at=at))
            history.append(
                PositionChange(entry_id=pk, at=at, old=old, new=None, reason=reason, detail=detail)
            )
        WaitingEntry.objects.bulk_update(changed, ["position", "position_at"], batch_size=BATCH)
        PositionChange.objects.bulk_create(history, batch_size=BATCH)
    return len(history)


def _one_at_a_time() -> None:
    """Serialise recomputations until the transaction ends, so that two changes at once
    cannot write positions from two different snapshots. SQLite already lets one writer
    in at a time (transaction_mode IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])


def _caused_by(change: PositionChange) -> bool:
    detail = change.detail or {}
    return detail.get("entry") == change.entry_id or change.entry_id in detail.get("entries", ())


def position_change_sentence(change: PositionChange) -> str:
    """One history row in words: "Moved up from 7 to 5: another household was allocated
    a unit"."""
    own, other = REASONS.get(change.reason, REASONS["recomputed"])
    why = own if _caused_by(change) else other
    values = {"old": change.old, "new": change.new, "why": why}
    if change.old is None:
        return _("Placed at position %(new)s: %(why)s") % values
    if change.new is None:
        return _("Left position %(old)s: %(why)s") % values
    if change.new < change.old:
        return _("Moved up from %(old)s to %(new)s: %(why)s") % values
    return _("Moved down from %(old)s to %(new)s: %(why)s") % values


def position_history(entry: WaitingEntry, *, limit: int | None = None) -> list[dict]:
    """The entry's position changes, newest first, each with its sentence."""
    changes = entry.position_history.order_by("-at", "-id")
    if limit:
        changes = changes[:limit]
    return [
        {"at": c.at, "old": c.old, "new": c.new, "sentence": position_change_sentence(c)}
        for c in changes
    ]


def _grounds_words(entry: WaitingEntry) -> str:
    """The priority grounds that put the household in its group, by name."""
    application = entry.application
    rules = list(
        PriorityRule.objects.filter(ruleset=application.ruleset_id, group=entry.priority_group)
    )
    if not rules:
        return str(_("no priority ground"))
    from .precheck import priority_of

    members = list(application.members.all())
    all_rules = list(PriorityRule.objects.filter(ruleset=application.ruleset_id))
    _group, _points, held = priority_of(all_rules, members, entry.approved_on)
    in_group = [g for g in held if any(r.ground == g for r in rules)]
    if not in_group:
        return str(_("no priority ground"))
    return _(", ").join(str(PriorityGround(g).label).lower() for g in in_group)


def position_explained(entry: WaitingEntry) -> list[str]:
    """How the household's position is computed, in sentences: its group, points and
    approval date, then how many households are ahead of it and why, counted in SQL
    along the same keys as the order itself."""
    if entry.status != WaitingStatus.WAITING:
        return [_status_sentence(entry)]
    basis = _(
        "Priority group %(group)s (%(grounds)s), %(points)s points, approved on %(date)s."
    ) % {
        "group": entry.priority_group,
        "grounds": _grounds_words(entry),
        "points": entry.points,
        "date": date_format(entry.approved_on, "Y-m-d"),
    }
    sentences = [basis]
    moved = entry.moved_back_at
    if moved is not None:
        sentences.append(
            _(
                "Moved to the back of the list on %(date)s after refusing offers without a "
                "valid reason: every household not moved back queues ahead."
            )
            % {"date": date_format(timezone.localtime(moved), "Y-m-d")}
        )
        band = Q(moved_back_at=moved)
        before_band = Q(moved_back_at__isnull=True) | Q(moved_back_at__lt=moved)
    else:
        band = Q(moved_back_at__isnull=True)
        before_band = Q(pk__in=[])
    g, p, a = entry.priority_group, entry.points, entry.approved_on
    same_group = band & Q(priority_group=g)
    counts = (
        WaitingEntry.objects.filter(status=WaitingStatus.WAITING)
        .exclude(pk=entry.pk)
        .aggregate(
            n_moved=Count("pk", filter=before_band),
            n_group=Count("pk", filter=band & Q(priority_group__lt=g)),
            n_points=Count("pk", filter=same_group & Q(points__gt=p)),
            n_earlier=Count("pk", filter=same_group & Q(points=p, approved_on__lt=a)),
            n_same_day=Count("pk", filter=same_group & Q(points=p, approved_on=a, pk__lt=entry.pk)),
        )
    )
    total = sum(counts.values())
    if total == 0:
        sentences.append(_("No household is ahead of you: you are first in line."))
        return sentences
    parts = []
    if counts["n_moved"]:
        parts.append(
            ngettext(
                "%(n)s was not moved to the back, or was moved before you",
                "%(n)s were not moved to the back, or were moved before you",
                counts["n_moved"],
            )
            % {"n": counts["n_moved"]}
        )
    if counts["n_group"]:
        parts.append(_("%(n)s in a higher priority group") % {"n": counts["n_group"]})
    if counts["n_points"]:
        parts.append(_("%(n)s in your group with more points") % {"n": counts["n_points"]})
    if counts["n_earlier"]:
        parts.append(
            _("%(n)s in your group with the same points, approved earlier")
            % {"n": counts["n_earlier"]}
        )
    if counts["n_same_day"]:
        parts.append(
            _("%(n)s with the same group, points and approval date, entered earlier")
            % {"n": counts["n_same_day"]}
        )
    sentences.append(
        ngettext(
            "%(n)s household is ahead of you: %(parts)s.",
            "%(n)s households are ahead of you: %(parts)s.",
            total,
        )
        % {"n": total, "parts": _(", ").join(parts)}
    )
    return sentences


def _status_sentence(entry: WaitingEntry) -> str:
    reason = entry.status_reason or "—"
    if entry.status == WaitingStatus.SUSPENDED:
        return _(
            "The place is suspended (%(reason)s). The household keeps its data but has no "
            "position until the authority reinstates it."
        ) % {"reason": reason}
    if entry.status == WaitingStatus.ALLOCATED:
        return _("The household has been allocated a unit (%(reason)s).") % {"reason": reason}
    return _("The household was removed from the waiting list (%(reason)s).") % {"reason": reason}


# --- Joining and leaving -------------------------------------------------------------


def waiting_join(application: Application, *, actor, on: date | None = None) -> WaitingEntry:
    """The household of an application whose notice ended without an open objection
    joins the waiting list."""
    return waiting_join_many([application], actor=actor, on=on)[0]


def waiting_join_many(applications, *, actor, on: date | None = None) -> list[WaitingEntry]:
    """The bulk path of `waiting_join`: every application in public notice joins at once,
    with one recomputation of the positions."""
    ids = [a.pk for a in applications]
    if not ids:
        return []
    today = on or timezone.localdate()
    with transaction.atomic():
        rows = list(Application.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        wrong = [a.number for a in rows if a.status != ApplicationStatus.IN_NOTICE]
        if wrong or len(rows) != len(set(ids)):
            raise DomainError(
                _("Only applications in public notice join the waiting list: %(n)s.")
                % {"n": ", ".join(wrong)},
                code="not_in_notice",
            )
        sizes = dict(
            Application.objects.filter(pk__in=ids)
            .annotate(n=Count("members"))
            .values_list("pk", "n")
        )
        entries = [
            WaitingEntry(
                application=a,
                household_id=a.household_id,
                category=a.category,
                size=sizes[a.pk],
                priority_group=a.priority_group or 1,
                points=a.points,
                approved_on=timezone.localdate(a.approved_at) if a.approved_at else today,
                joined_on=today,
                needs_accessible=a.needs_accessible,
            )
            for a in rows
        ]
        WaitingEntry.objects.bulk_create(entries, batch_size=BATCH)
        Application.objects.filter(pk__in=ids).update(status=ApplicationStatus.WAITING)
        Household.objects.filter(pk__in=[a.household_id for a in rows]).update(
            status=HouseholdStatus.WAITING
        )
        for a in rows:
            a.status = ApplicationStatus.WAITING
        entries = list(WaitingEntry.objects.filter(application_id__in=ids).order_by("pk"))
        audit.record_many(
            actor=actor,
            items=[
                (
                    "waiting.join",
                    e,
                    {
                        "application": a.number,
                        "priority_group": e.priority_group,
                        "points": e.points,
                        "approved_on": e.approved_on,
                    },
                )
                for a, e in zip(rows, entries, strict=True)
            ],
        )
        timeline.add_many(
            [
                TimelineEntry(
                    verb="waiting.joined",
                    actor=actor,
                    household_id=e.household_id,
                    data={"group": e.priority_group, "points": e.points},
                )
                for e in entries
            ],
        )
        waiting_recompute(reason="joined", detail={"entries": [e.pk for e in entries]})
    for e in entries:
        e.refresh_from_db(fields=["position", "position_at"])
    return entries


def _move(entry: WaitingEntry, status: str) -> None:
    if status not in WAITING_TRANSITIONS[entry.status]:
        raise DomainError(
            _("A waiting-list place cannot go from “%(old)s” to “%(new)s”.")
            % {"old": entry.get_status_display(), "new": WaitingStatus(status).label},
            code="bad_transition",
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason."), code="reason_required")
    return reason[:200]


def waiting_suspend(entry: WaitingEntry, *, actor, reason: str) -> WaitingEntry:
    """Suspend a place: the household keeps its data and its history but has no
    position until it is reinstated."""
    reason = _reason(reason)
    _move(entry, WaitingStatus.SUSPENDED)
    with transaction.atomic():
        entry.status, entry.status_reason = WaitingStatus.SUSPENDED, reason
        entry.save(update_fields=["status", "status_reason"])
        audit.record(
            actor=actor, action="waiting.suspend", target=entry, changes={"reason": reason}
        )
        timeline.add("waiting.suspended", actor=actor, for_household=entry.household, reason=reason)
        waiting_recompute(reason="suspended", detail={"entry": entry.pk})
    entry.refresh_from_db(fields=["position", "position_at"])
    return entry


def waiting_reinstate(entry: WaitingEntry, *, actor, reason: str) -> WaitingEntry:
    """A suspended household takes its place again, computed like everyone else's."""
    reason = _reason(reason)
    _move(entry, WaitingStatus.WAITING)
    with transaction.atomic():
        entry.status, entry.status_reason = WaitingStatus.WAITING, ""
        entry.save(update_fields=["status", "status_reason"])
        audit.record(
            actor=actor, action="waiting.reinstate", target=entry, changes={"reason": reason}
        )
        timeline.add(
            "waiting.reinstated", actor=actor, for_household=entry.household, reason=reason
        )
        waiting_recompute(reason="reinstated", detail={"entry": entry.pk})
    entry.refresh_from_db(fields=["position", "position_at"])
    return entry


def waiting_remove(entry: WaitingEntry, *, actor, reason: str) -> WaitingEntry:
    """The household leaves the list for good (it no longer wants housing): the
    application is withdrawn and the archive closed, never deleted."""
    reason = _reason(reason)
    _move(entry, WaitingStatus.REMOVED)
    with transaction.atomic():
        _remove(entry, actor, reason)
        waiting_recompute(reason="removed", detail={"entry": entry.pk})
    entry.refresh_from_db(fields=["position", "position_at"])
    return entry


def _remove(entry: WaitingEntry, actor, reason: str) -> None:
    from .applications import set_status

    entry.status, entry.status_reason = WaitingStatus.REMOVED, reason
    entry.save(update_fields=["status", "status_reason"])
    application = entry.application
    if application.status == ApplicationStatus.WAITING:
        application.decided_at, application.decision_reason = timezone.now(), reason
        set_status(
            application, ApplicationStatus.WITHDRAWN, fields=["decided_at", "decision_reason"]
        )
        hh_close(application, reason)
    audit.record(actor=actor, action="waiting.remove", target=entry, changes={"reason": reason})
    timeline.add("waiting.removed", actor=actor, for_household=entry.household, reason=reason)


# --- Long waits ----------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def long_waits(user, *, on: date | None = None):
    """Households waiting (or suspended) since longer than the rule set's guideline
    (5 years under art. 18's practice), longest first, as the user may see them."""
    on = on or timezone.localdate()
    years = ruleset_in_force(on).long_wait_years
    since = _years_before(on, years)
    return (
        WaitingEntry.objects.visible_to(user)
        .filter(status__in=[WaitingStatus.WAITING, WaitingStatus.SUSPENDED], joined_on__lt=since)
        .select_related("household", "application__community")
        .order_by("joined_on", "id")
    ), years


# --- The yearly contact refresh ------------------------------------------------------


def refresh_start(*, actor, year: int, on: date | None = None) -> ContactRefresh:
    """Ask every waiting household to confirm, within the rule set's number of days,
    that it still wants housing and still qualifies."""
    today = on or timezone.localdate()
    if ContactRefresh.objects.filter(year=year).exists():
        raise DomainError(
            _("The contact refresh for %(year)s has already been sent.") % {"year": year},
            code="duplicate",
        )
    ruleset = ruleset_in_force(today)
    due = today + timedelta(days=ruleset.contact_refresh_days)
    with transaction.atomic():
        refresh = ContactRefresh.objects.create(year=year, due_on=due, created_by=actor)
        rows = list(
            WaitingEntry.objects.filter(status=WaitingStatus.WAITING).values_list(
                "pk", "household_id"
            )
        )
        ContactRefreshAnswer.objects.bulk_create(
            [ContactRefreshAnswer(refresh=refresh, entry_id=pk) for pk, _h in rows],
            batch_size=BATCH,
        )
        # There is no outbox yet: the request is on each household's timeline, where
        # the notification will be sent from.
        timeline.add_many(
            [
                TimelineEntry(
                    verb="refresh.asked",
                    actor=actor,
                    household_id=household_id,
                    data={"year": year, "due": due.isoformat()},
                )
                for _pk, household_id in rows
            ],
        )
        audit.record(
            actor=actor,
            action="refresh.start",
            target=refresh,
            changes={"year": year, "due_on": due, "households": len(rows)},
        )
    return refresh


def refresh_answer(
    answer: ContactRefreshAnswer, *, actor, still_wants: bool, still_qualifies: bool
) -> ContactRefreshAnswer:
    """Record a household's answer, given by itself on the portal or by counter staff on
    its behalf. No longer wanting housing removes it from the list; saying it may no
    longer qualify suspends its place for the authority to check."""
    refresh = answer.refresh
    if refresh.closed_at is not None:
        raise DomainError(
            _("The contact refresh for %(year)s is closed.") % {"year": refresh.year},
            code="refresh_closed",
        )
    if answer.answered_at is not None:
        raise DomainError(_("This household has already answered."), code="already_answered")
    entry = answer.entry
    with transaction.atomic():
        # Two counter clerks answering for one household at once: the second waits,
        # then finds the answer given.
        if ContactRefreshAnswer.objects.select_for_update().get(pk=answer.pk).answered_at:
            raise DomainError(_("This household has already answered."), code="already_answered")
        answer.answered_at = timezone.now()
        answer.still_wants, answer.still_qualifies = bool(still_wants), bool(still_qualifies)
        answer.answered_by = actor
        answer.save(update_fields=["answered_at", "still_wants", "still_qualifies", "answered_by"])
        audit.record(
            actor=actor,
            action="refresh.answer",
            target=answer,
            changes={
                "year": refresh.year,
                "still_wants": answer.still_wants,
                "still_qualifies": answer.still_qualifies,
            },
        )
        year = refresh.year
        if not answer.still_wants:
            timeline.add(
                "refresh.not_wanted", actor=actor, for_household=entry.household, year=year
            )
            if WaitingStatus.REMOVED in WAITING_TRANSITIONS[entry.status]:
                _remove(
                    entry,
                    actor,
                    _("no longer wants housing (contact refresh %(year)s)") % {"year": year},
                )
                waiting_recompute(reason="removed", detail={"entry": entry.pk})
        elif not answer.still_qualifies:
            timeline.add(
                "refresh.not_qualified", actor=actor, for_household=entry.household, year=year
            )
            if entry.status == WaitingStatus.WAITING:
                reason = _("may no longer qualify (contact refresh %(year)s): to be checked") % {
                    "year": year
                }
                entry.status, entry.status_reason = WaitingStatus.SUSPENDED, reason[:200]
                entry.save(update_fields=["status", "status_reason"])
                timeline.add(
                    "waiting.suspended", actor=actor, for_household=entry.household, reason=reason
                )
                waiting_recompute(reason="suspended", detail={"entry": entry.pk})
        else:
            timeline.add("refresh.confirmed", actor=actor, for_household=entry.household, year=year)
    return answer


def refresh_close(refresh: ContactRefresh, *, actor=None, on: date | None = None) -> int:
    """After the due date, suspend every household still waiting that did not answer,
    and recompute the positions. Returns how many were suspended."""
    today = on or timezone.localdate()
    if refresh.closed_at is not None:
        raise DomainError(
            _("The contact refresh for %(year)s is already closed.") % {"year": refresh.year},
            code="refresh_closed",
        )
    if today <= refresh.due_on:
        raise DomainError(
            _("Households may answer until %(due)s; close the refresh after that.")
            % {"due": date_format(refresh.due_on, "Y-m-d")},
            code="not_due",
        )
    reason = (
        _("no answer to the contact refresh %(year)s by %(due)s")
        % {"year": refresh.year, "due": refresh.due_on.isoformat()}
    )[:200]
    with transaction.atomic():
        refresh = ContactRefresh.objects.select_for_update().get(pk=refresh.pk)
        if refresh.closed_at is not None:
            raise DomainError(
                _("The contact refresh for %(year)s is already closed.") % {"year": refresh.year},
                code="refresh_closed",
            )
        silent = WaitingEntry.objects.filter(
            status=WaitingStatus.WAITING,
            refresh_answers__refresh=refresh,
            refresh_answers__answered_at__isnull=True,
        )
        rows = list(silent.values_list("pk", "household_id"))
        ids = [pk for pk, _h in rows]
        WaitingEntry.objects.filter(pk__in=ids).update(
            status=WaitingStatus.SUSPENDED, status_reason=reason
        )
        refresh.closed_at = timezone.now()
        refresh.save(update_fields=["closed_at"])
        timeline.add_many(
            [
                TimelineEntry(
                    verb="refresh.unanswered",
                    actor=actor,
                    household_id=household_id,
                    data={"year": refresh.year, "due": refresh.due_on.isoformat()},
                )
                for _pk, household_id in rows
            ],
        )
        audit.record(
            actor=actor,
            action="refresh.close",
            target=refresh,
            changes={"suspended": len(ids)},
        )
        if ids:
            waiting_recompute(reason="refresh", detail={"entries": ids, "year": refresh.year})
    return len(ids)


def refreshes_close_due(*, on: date | None = None) -> int:
    """Close every contact refresh whose answer period has ended (the daily task)."""
    today = on or timezone.localdate()
    total = 0
    for refresh in ContactRefresh.objects.filter(closed_at__isnull=True, due_on__lt=today):
        total += refresh_close(refresh, on=today)
    return total


def refresh_counts(refresh: ContactRefresh, user=None) -> dict:
    """Answered and unanswered answers of a refresh, and what the answers said."""
    answers = refresh.answers.all()
    if user is not None:
        answers = answers.filter(entry__in=WaitingEntry.objects.visible_to(user))
    return answers.aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        unanswered=Count("pk", filter=Q(answered_at__isnull=True)),
        not_wanted=Count("pk", filter=Q(still_wants=False)),
        not_qualified=Count("pk", filter=Q(still_wants=True, still_qualifies=False)),
    )
