"""An evaluation period's life: opening it, disclosing its draft scores to the parties,
and publishing the final grades.

A quarter starts on the 1st of January, April, July or October, a year on 1 January.
A period may be opened before it has ended (the officer may start scoring early), never
before it has begun, once per kind and start, and only when a published scheme is in
force for it. Disclosing it needs the scores computed and every manual score entered;
the parties then have the longest objection time of the schemes used. Publishing needs
that time past and no objection pending; it makes grades and ranks final and raises the
consequences the schemes attach to them. Computing is in `period_compute`."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify
from anju.core.errors import DomainError
from anju.core.models import MessageChannel, User
from anju.core.roles import ROLE_PERMISSIONS, Perm, Role
from anju.households.models import Household

from ..models import (
    Evaluation,
    ObjectionStatus,
    PartyKind,
    Period,
    PeriodKind,
    PeriodStatus,
    Scheme,
    Score,
)

# Messages are written in the district's language, whoever's request queued them.
MESSAGE_LANGUAGE = "zh-hans"
QUARTER_MONTHS = (1, 4, 7, 10)

notify.register(
    "evaluation.disclosed.in_app",
    MessageChannel.IN_APP,
    gettext_lazy(
        "The draft scores of {organisation} for {period} are out: {total} points, "
        "{grade}. You may object, with reasons, until {until}."
    ),
)
notify.register(
    "evaluation.disclosed.portal",
    MessageChannel.PORTAL,
    gettext_lazy(
        "Your household's draft evaluation for {period} is out: {total} points, {grade}. "
        "If you disagree you may object on the portal, with reasons, until {until}."
    ),
)
notify.register(
    "evaluation.published.in_app",
    MessageChannel.IN_APP,
    gettext_lazy("The final grade of {organisation} for {period} is published: {grade}."),
)
notify.register(
    "evaluation.published.portal",
    MessageChannel.PORTAL,
    gettext_lazy("Your household's final evaluation for {period} is published: {grade}."),
)


# --- Small pieces -------------------------------------------------------------------------


def period_bounds(kind: str, starts_on: datetime.date) -> tuple[datetime.date, str]:
    """The last day and the name of the period of `kind` starting on `starts_on`, or a
    DomainError when a period of that kind cannot start on that day."""
    if kind == PeriodKind.YEAR:
        if (starts_on.month, starts_on.day) != (1, 1):
            raise DomainError(_("A year starts on 1 January."), code="bad_start")
        return datetime.date(starts_on.year, 12, 31), str(starts_on.year)
    if kind == PeriodKind.QUARTER:
        if starts_on.day != 1 or starts_on.month not in QUARTER_MONTHS:
            raise DomainError(
                _("A quarter starts on the 1st of January, April, July or October."),
                code="bad_start",
            )
        quarter = QUARTER_MONTHS.index(starts_on.month) + 1
        if quarter == 4:
            ends = datetime.date(starts_on.year, 12, 31)
        else:
            ends = datetime.date(starts_on.year, starts_on.month + 3, 1) - datetime.timedelta(1)
        return ends, f"{starts_on.year} Q{quarter}"
    raise DomainError(_("Choose a quarter or a year."), code="bad_kind")


def schemes_in_force(kind: str, starts_on: datetime.date) -> dict[str, Scheme]:
    """The published scheme in force for each party kind that has one."""
    found = {}
    for party_kind in PartyKind.values:
        scheme = Scheme.objects.in_force(party_kind, kind, starts_on)
        if scheme is not None:
            found[party_kind] = scheme
    return found


def check_status(period: Period, *allowed: str) -> None:
    if period.status not in allowed:
        raise DomainError(
            _("Evaluation period %(name)s is “%(status)s”; this cannot be done now.")
            % {"name": period.name, "status": period.get_status_display()},
            code="bad_status",
        )


def holders_of(perm: str) -> list[str]:
    return sorted(str(role) for role, perms in ROLE_PERMISSIONS.items() if perm in perms)


def officers() -> list[User]:
    """The authority's officers: who hears of objections."""
    return list(
        User.objects.filter(is_active=True, roles__role=Role.AUTHORITY_OFFICER)
        .distinct()
        .order_by("pk")
    )


def _grade_label(grade: str) -> str:
    from ..models import Grade

    return str(Grade(grade).label) if grade else str(_("not graded"))


# --- Opening ------------------------------------------------------------------------------


def period_open(*, actor, kind: str, starts_on: datetime.date) -> Period:
    ends_on, name = period_bounds(kind, starts_on)
    if starts_on > timezone.localdate():
        raise DomainError(_("A period that has not begun cannot be opened."), code="future")
    if Period.objects.filter(kind=kind, starts_on=starts_on).exists() or (
        Period.objects.filter(name=name).exists()
    ):
        raise DomainError(
            _("Evaluation period %(name)s is already open.") % {"name": name}, code="duplicate"
        )
    if not schemes_in_force(kind, starts_on):
        raise DomainError(
            _(
                "No published evaluation scheme for a %(kind)s is in force on %(day)s. "
                "Publish a scheme for at least one kind of party first."
            )
            % {"kind": PeriodKind(kind).label.lower(), "day": starts_on.isoformat()},
            code="no_scheme",
        )
    with transaction.atomic():
        period = Period.objects.create(
            name=name, kind=kind, starts_on=starts_on, ends_on=ends_on, opened_by=actor
        )
        audit.record(
            actor=actor,
            action="evaluation.period_opened",
            target=period,
            changes={"kind": kind, "starts_on": starts_on, "ends_on": ends_on},
        )
    return period


# --- Disclosing ---------------------------------------------------------------------------


def unscored_manual(period: Period):
    """The manual scores of the period still to be entered."""
    return Score.objects.filter(
        evaluation__period=period, line__indicator__source="manual", value__isnull=True
    )


def period_disclose(period: Period, *, actor) -> Period:
    check_status(period, PeriodStatus.OPEN)
    if period.computed_at is None:
        raise DomainError(
            _("Compute the period's scores before disclosing them."), code="not_computed"
        )
    missing = list(
        unscored_manual(period)
        .select_related("line__indicator", "evaluation__organisation", "evaluation__household")
        .order_by("evaluation__party_kind", "evaluation_id", "line__sort")[:11]
    )
    if missing:
        names = [f"{s.evaluation.party} · {s.line.indicator.name}" for s in missing[:10]]
        more = unscored_manual(period).count() - len(names)
        text = "; ".join(names) + (_(" and %(n)s more") % {"n": more} if more > 0 else "")
        raise DomainError(
            _("Enter these manual scores first: %(list)s.") % {"list": text},
            code="manual_missing",
        )
    days = (
        (
            Scheme.objects.filter(evaluations__period=period)
            .distinct()
            .aggregate(most=Max("objection_days"))["most"]
        )
        or 0
    )
    today = timezone.localdate()
    with transaction.atomic():
        locked = Period.objects.select_for_update().get(pk=period.pk)
        check_status(locked, PeriodStatus.OPEN)
        period.status = PeriodStatus.DISCLOSED
        period.disclosed_at = timezone.now()
        period.objections_until = today + datetime.timedelta(days=days)
        period.save(update_fields=["status", "disclosed_at", "objections_until"])
        audit.record(
            actor=actor,
            action="evaluation.period_disclosed",
            target=period,
            changes={"objections_until": period.objections_until},
        )
        transaction.on_commit(lambda: notify_parties(period, "disclosed"))
    return period


def notify_parties(period: Period, event: str) -> int:
    """In-app messages to each evaluated organisation's staff who answer for it, and
    portal messages to each evaluated household: one per party and event (the keys
    make it idempotent)."""
    staff_roles = holders_of(Perm.EVALUATION_RESPOND)
    until = period.objections_until.isoformat() if period.objections_until else ""
    rows = []
    with translation.override(MESSAGE_LANGUAGE):
        orgs = (
            Evaluation.objects.filter(period=period, organisation__isnull=False)
            .select_related("organisation")
            .order_by("pk")
        )
        by_org = {e.organisation_id: e for e in orgs}
        staff = (
            User.objects.filter(
                is_active=True, organisation_id__in=by_org, roles__role__in=staff_roles
            )
            .distinct()
            .order_by("pk")
        )
        for user in staff:
            evaluation = by_org[user.organisation_id]
            rows.append(
                (
                    f"evaluation.{event}.in_app",
                    f"evaluation:{period.pk}:{event}:{evaluation.pk}:{user.pk}",
                    user,
                    {
                        "organisation": evaluation.organisation.name,
                        "period": period.name,
                        "total": evaluation.total if evaluation.total is not None else "—",
                        "grade": _grade_label(evaluation.grade),
                        "until": until,
                    },
                )
            )
        tenants = Evaluation.objects.filter(period=period, household__isnull=False).values_list(
            "pk", "household_id", "total", "grade"
        )
        households = Household.objects.in_bulk(
            list(
                Evaluation.objects.filter(period=period, household__isnull=False).values_list(
                    "household_id", flat=True
                )
            )
        )
        for pk, household_id, total, grade in tenants.iterator(5000):
            rows.append(
                (
                    f"evaluation.{event}.portal",
                    f"evaluation:{period.pk}:{event}:{pk}",
                    households[household_id],
                    {
                        "period": period.name,
                        "total": total if total is not None else "—",
                        "grade": _grade_label(grade),
                        "until": until,
                    },
                )
            )
    return notify.queue_many(rows, language=MESSAGE_LANGUAGE)


# --- Publishing ---------------------------------------------------------------------------


def period_publish(period: Period, *, actor) -> Period:
    check_status(period, PeriodStatus.DISCLOSED)
    today = timezone.localdate()
    if period.objections_until and today <= period.objections_until:
        raise DomainError(
            _("The parties may object until %(day)s; publish after that day.")
            % {"day": period.objections_until.isoformat()},
            code="window_open",
        )
    pending = period.evaluations.filter(objections__status=ObjectionStatus.PENDING).count()
    if pending:
        raise DomainError(
            _("Resolve the pending objections first (%(n)s scorecards have one).") % {"n": pending},
            code="objections_pending",
        )
    from .consequences import raise_for_period

    with transaction.atomic():
        locked = Period.objects.select_for_update().get(pk=period.pk)
        check_status(locked, PeriodStatus.DISCLOSED)
        period.status = PeriodStatus.PUBLISHED
        period.published_at = timezone.now()
        period.published_by = actor
        period.save(update_fields=["status", "published_at", "published_by"])
        raised = raise_for_period(period, actor=actor)
        audit.record(
            actor=actor,
            action="evaluation.period_published",
            target=period,
            changes={"consequences": raised},
        )
        transaction.on_commit(lambda: notify_parties(period, "published"))
    return period
