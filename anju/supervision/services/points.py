"""Tenant points (信用积分), after the Hong Kong marking scheme (../shared/POLICY.md):

- a misdeed of the catalogue scores its points; one marked “warning first” gets a
  written warning the first time, and scores its points when it is repeated while
  that warning is valid;
- warnings and points stay valid `points_valid_years` (rule set) from the day of the
  misdeed; a voided entry counts for nothing;
- points follow the household (not its head, not its unit);
- reaching `points_review_threshold` valid points puts the household on the
  authority's termination review list, with a to-do for the authority;
- a household holding valid points may not apply for a voluntary exchange."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, followups, timeline
from anju.core.errors import DomainError

from ..models import EntryKind, PointEntry, PointRule

timeline.register(
    "points.warning",
    gettext_lazy("Written warning: %(rule)s (valid until %(until)s)"),
)
timeline.register(
    "points.recorded",
    gettext_lazy("%(points)s points: %(rule)s (valid until %(until)s; %(total)s valid in all)"),
)
timeline.register(
    "points.voided", gettext_lazy("%(kind)s for “%(rule)s” of %(on)s voided: %(reason)s")
)


def rules_on(on: datetime.date):
    """The rule set in force on `on`, or today's for a day before any rule set."""
    from anju.admission.models import RuleSet
    from anju.admission.services.rules import ruleset_in_force

    return RuleSet.objects.in_force(on) or ruleset_in_force()


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def valid_points(household, on: datetime.date | None = None) -> int:
    """The points the household holds on `on` (warnings score none)."""
    on = on or timezone.localdate()
    total = (
        PointEntry.objects.filter(household=household, kind=EntryKind.POINTS)
        .valid_on(on)
        .aggregate(total=Sum("points"))["total"]
    )
    return int(total or 0)


def voluntary_exchange_blocked(household, on: datetime.date | None = None) -> bool:
    """A household holding valid points may not apply for a voluntary exchange (the
    Hong Kong scheme bars a voluntary transfer). The exits issue asks this."""
    on = on or timezone.localdate()
    return (
        PointEntry.objects.filter(household=household, kind=EntryKind.POINTS).valid_on(on).exists()
    )


def review_threshold(on: datetime.date | None = None) -> int:
    return int(rules_on(on or timezone.localdate()).points_review_threshold)


def points_record(
    household,
    *,
    actor,
    rule: PointRule,
    occurred_on: datetime.date,
    details: str = "",
    case=None,
) -> PointEntry:
    """Record a misdeed: a written warning or points, as the catalogue and the
    household's valid warnings say."""
    today = timezone.localdate()
    if rule is None or not rule.active:
        raise DomainError(_("Choose a misdeed from the catalogue."), code="bad_rule")
    if occurred_on is None or occurred_on > today:
        raise DomainError(_("A misdeed cannot be recorded before it happens."), code="bad_date")
    details = (details or "").strip()[:300]
    ruleset = rules_on(occurred_on)
    expires_on = add_years(occurred_on, ruleset.points_valid_years)
    if expires_on <= today:
        raise DomainError(
            _("A misdeed of %(d)s would already have expired; it is not recorded.")
            % {"d": occurred_on.isoformat()},
            code="expired",
        )
    threshold = review_threshold(today)
    with transaction.atomic():
        # The household's entries are taken in turn, so two clerks recording at once
        # cannot both give the “first” warning or both miss the threshold.
        from anju.households.models import Household

        Household.objects.select_for_update().filter(pk=household.pk).first()
        mine = PointEntry.objects.filter(household=household, rule=rule)
        if mine.filter(occurred_on=occurred_on, details=details, voided_at__isnull=True).exists():
            raise DomainError(
                _("This misdeed of that day is already recorded for the household."),
                code="duplicate",
            )
        warned = mine.filter(kind=EntryKind.WARNING).valid_on(occurred_on).exists()
        kind = EntryKind.POINTS if (warned or not rule.warning_first) else EntryKind.WARNING
        before = valid_points(household, today)
        entry = PointEntry.objects.create(
            household=household,
            rule=rule,
            kind=kind,
            points=rule.points if kind == EntryKind.POINTS else 0,
            occurred_on=occurred_on,
            expires_on=expires_on,
            details=details,
            case=case,
            recorded_by=actor,
        )
        after = valid_points(household, today)
        audit.record(
            actor=actor,
            action="points.record",
            target=entry,
            changes=audit.snapshot(
                entry, ["household", "rule", "kind", "points", "occurred_on", "expires_on"]
            )
            | {"valid_total": after},
        )
        if kind == EntryKind.WARNING:
            timeline.add(
                "points.warning",
                actor=actor,
                for_household=household,
                rule=rule.name,
                until=expires_on.isoformat(),
            )
        else:
            timeline.add(
                "points.recorded",
                actor=actor,
                for_household=household,
                rule=rule.name,
                points=entry.points,
                until=expires_on.isoformat(),
                total=after,
            )
        if before < threshold <= after:
            _raise_review(household, entry=entry, total=after)
    return entry


def _raise_review(household, *, entry: PointEntry, total: int) -> None:
    from anju.core.models import Organisation, OrgKind

    followups.task_raise(
        key=f"points-review:{household.pk}:{entry.pk}",
        kind="points.review",
        title=_("Review the tenancy of household %(h)s: %(n)s valid tenant points")
        % {"h": household.number, "n": total},
        household=household,
        organisation=Organisation.objects.filter(kind=OrgKind.AUTHORITY).first(),
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def points_void(entry: PointEntry, *, actor, reason: str) -> PointEntry:
    """Void an entry recorded in error or overturned, with the reason. It stays in the
    record and counts for nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for voiding."), code="reason_required")
    with transaction.atomic():
        entry = PointEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.voided_at is not None:
            raise DomainError(_("This entry is already voided."), code="voided")
        entry.voided_at, entry.voided_by, entry.void_reason = timezone.now(), actor, reason[:300]
        entry.save(update_fields=["voided_at", "voided_by", "void_reason"])
        audit.record(
            actor=actor,
            action="points.void",
            target=entry,
            changes={"reason": entry.void_reason, "points": entry.points},
        )
        timeline.add(
            "points.voided",
            actor=actor,
            for_household=entry.household,
            kind=entry.kind,
            rule=entry.rule.name,
            on=entry.occurred_on.isoformat(),
            reason=entry.void_reason,
        )
    return entry


def rule_update(
    rule: PointRule,
    *,
    actor,
    name: str,
    points: int,
    warning_first: bool,
    active: bool,
    source: str,
) -> PointRule:
    """Edit one misdeed of the catalogue. Entries already recorded keep their points."""
    name, source = (name or "").strip(), (source or "").strip()
    if not name:
        raise DomainError(_("Name the misdeed."), code="name_required")
    if points not in (3, 5, 7, 15):
        raise DomainError(_("A misdeed scores 3, 5, 7 or 15 points."), code="bad_points")
    if not source:
        raise DomainError(_("Cite the document the change rests on."), code="source_required")
    with transaction.atomic():
        before = audit.snapshot(rule, ["name", "points", "warning_first", "active", "source"])
        rule.name, rule.points, rule.warning_first = name[:100], points, warning_first
        rule.active, rule.source = active, source[:200]
        rule.save(update_fields=["name", "points", "warning_first", "active", "source"])
        after = audit.snapshot(rule, ["name", "points", "warning_first", "active", "source"])
        # Reference data: audited, not on any household's timeline.
        audit.record(
            actor=actor, action="points.rule", target=rule, changes=audit.diff(before, after)
        )
    return rule


def review_list(on: datetime.date | None = None):
    """The termination review list: (household id, valid points) of every household
    holding at least the threshold on `on`, most points first. A queryset of dicts."""
    on = on or timezone.localdate()
    return (
        PointEntry.objects.filter(kind=EntryKind.POINTS)
        .valid_on(on)
        .values("household")
        .annotate(total=Sum("points"))
        .filter(total__gte=review_threshold(on))
        .order_by("-total", "household")
    )
