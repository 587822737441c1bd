"""What follows a published grade (激励约束): raising the consequences of a period, and
carrying each one through its states.

`raise_for_period` runs once a period is published (the period service calls it in
the same transaction): every rule of an evaluation's scheme for its grade fires one
`Consequence`. The dates are counted from the publication day (the day the parties
learn their grades; simpler to explain than the day after the period ends):
`valid_from` is that day; a standing, title, discount, commendation, renewal
eligibility or warning with `days` lasts until `valid_from + days` (open-ended
without); a rectification or an interview is due on `valid_from + days`.

Then each consequence is carried through its states:

    PROPOSED  → IN_EFFECT (confirm) | CANCELLED (reject)      a termination only
    IN_EFFECT → DONE (done; or the expiry sweep) | CANCELLED (cancel)
    PROPOSED  → CANCELLED (cancel)

Messages, timeline entries and tasks are stored rows keyed by evaluation and rule, so
they are written in the same transaction as the consequences (and roll back with
them) and a second run writes none of them again."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, timeline
from anju.core.errors import DomainError
from anju.core.followups import task_raise
from anju.core.models import (
    MessageChannel,
    Organisation,
    OrgKind,
    Task,
    TaskStatus,
    User,
)
from anju.core.roles import Perm, Role

from ..models import (
    Consequence,
    ConsequenceKind,
    ConsequenceRule,
    ConsequenceState,
    Evaluation,
    Grade,
    PartyKind,
    Period,
    PeriodStatus,
)

K = ConsequenceKind
S = ConsequenceState
MESSAGE_LANGUAGE = "zh-hans"
BULK = 1000

# Consequences that hold for a while (`days` sets how long) and those with a deadline.
LASTING = (
    K.GOOD_STANDING,
    K.RENT_DISCOUNT,
    K.HARMONIOUS_TITLE,
    K.COMMENDATION,
    K.RENEWAL_ELIGIBLE,
    K.WARNING,
    K.TENANT_WARNING,
)
WITH_DEADLINE = (K.RECTIFICATION, K.INTERVIEW)
# Consequences someone carries out and records as done (the rest expire or are
# decided). Which of them the authority records, and which the community or operator.
RECORDED_BY_AUTHORITY = (K.RECTIFICATION, K.FEE_ADJUSTMENT, K.TERMINATION)
RECORDED_IN_THE_FIELD = (K.INTERVIEW, K.TENANT_WARNING, K.WARNING, K.POINTS_REFERRAL)

notify.register(
    "evaluation.consequence.org",
    MessageChannel.IN_APP,
    gettext_lazy("Evaluation {period}: graded {grade}. Consequence: {kind}{details}."),
)
notify.register(
    "evaluation.consequence.household",
    MessageChannel.PORTAL,
    gettext_lazy(
        "Your household's evaluation for {period}: {grade}. What follows: {kind}{details}."
    ),
)
notify.register(
    "evaluation.termination.confirmed",
    MessageChannel.IN_APP,
    gettext_lazy(
        "The authority confirmed the proposed termination of your contract (evaluation {period})."
    ),
)
timeline.register(
    "evaluation.consequence",
    gettext_lazy("Evaluation %(period)s (%(grade)s): %(kind)s%(details)s"),
)
timeline.register(
    "evaluation.consequence.done",
    gettext_lazy("%(kind)s of the evaluation %(period)s carried out: %(note)s"),
)
timeline.register(
    "evaluation.consequence.cancelled",
    gettext_lazy("%(kind)s of the evaluation %(period)s cancelled: %(reason)s"),
)


# --- Raising ------------------------------------------------------------------------------


def publication_day(period: Period) -> datetime.date:
    return timezone.localdate(period.published_at) if period.published_at else timezone.localdate()


def raise_for_period(period: Period, *, actor) -> int:
    """Raise the consequences of a published period's grades; returns how many were
    created.

    For every evaluation of `period` with a grade, each `ConsequenceRule` of its
    scheme for that grade fires one `Consequence` (unique per evaluation and rule:
    calling this again creates nothing new, and sends nothing again). A termination
    rule (`consecutive_fails` = N) fires only when the party's last N evaluations
    in published periods of the same kind, this one included, are all graded fail.

    Call it once the period's status is PUBLISHED (and `published_at` set), inside
    the publishing transaction; dates count from the publication day (see the
    module's docstring). Writes the consequences in bulk, portal messages to the
    households, in-app messages to the organisations' staff, an entry on each
    household's timeline, the tasks (an interview for the estate's community, a
    rectification check for the authority at the due date) and one audit entry."""
    if period.status != PeriodStatus.PUBLISHED:
        raise DomainError(
            _("Consequences follow only from a published period."), code="not_published"
        )
    day = publication_day(period)
    with transaction.atomic():
        Period.objects.select_for_update().filter(pk=period.pk).first()
        rules = list(
            ConsequenceRule.objects.filter(
                scheme__in=Evaluation.objects.filter(period=period).values("scheme_id")
            ).select_related("scheme")
        )
        if not rules:
            return 0
        by_scheme_grade: dict[tuple[int, str], list[ConsequenceRule]] = defaultdict(list)
        for rule in rules:
            by_scheme_grade[(rule.scheme_id, rule.grade)].append(rule)
        allowed = _termination_allowed(period, [r for r in rules if r.kind == K.TERMINATION])
        seen = set(
            Consequence.objects.filter(evaluation__period=period).values_list(
                "evaluation_id", "rule_id"
            )
        )
        discount = _rule_set_discount(day)
        graded = (
            Evaluation.objects.filter(period=period)
            .exclude(grade="")
            .values_list("pk", "scheme_id", "grade")
        )
        fresh: list[Consequence] = []
        for pk, scheme_id, grade in graded.iterator(chunk_size=5000):
            for rule in by_scheme_grade.get((scheme_id, grade), ()):
                if (pk, rule.pk) in seen:
                    continue
                if rule.kind == K.TERMINATION and pk not in allowed.get(rule.pk, ()):
                    continue
                fresh.append(_consequence(pk, rule, day, discount))
        Consequence.objects.bulk_create(fresh, batch_size=BULK)
        if fresh:
            _announce(period, [(c.evaluation_id, c.rule_id) for c in fresh], actor=actor)
            counts: dict[str, int] = defaultdict(int)
            for c in fresh:
                counts[c.kind] += 1
            audit.record(
                actor=actor,
                action="evaluation.consequences_raised",
                target=period,
                changes={"count": len(fresh), **counts},
            )
    return len(fresh)


def _rule_set_discount(day: datetime.date):
    from anju.admission.models import RuleSet

    rules = RuleSet.objects.in_force(day)
    return rules.conduct_rent_discount if rules is not None else None


def _consequence(evaluation_id: int, rule: ConsequenceRule, day, discount) -> Consequence:
    c = Consequence(
        evaluation_id=evaluation_id,
        rule=rule,
        kind=rule.kind,
        state=S.PROPOSED if rule.kind == K.TERMINATION else S.IN_EFFECT,
        percent=rule.percent,
        valid_from=day,
    )
    if rule.kind == K.RENT_DISCOUNT and c.percent is None:
        c.percent = discount
    if rule.days is not None:
        end = day + datetime.timedelta(days=rule.days)
        if rule.kind in WITH_DEADLINE:
            c.due_on = end
        elif rule.kind in LASTING:
            c.valid_until = end
    return c


def _termination_allowed(period: Period, rules: list[ConsequenceRule]) -> dict[int, set[int]]:
    """For each termination rule, the evaluations of `period` whose party failed its
    last N published periods of the kind in a row (N = the rule's consecutive_fails).
    One query a rule over the history: each failing party's evaluations numbered from
    the latest back, the first N kept."""
    allowed: dict[int, set[int]] = {}
    for rule in rules:
        n = rule.consecutive_fails or 1
        failing = Evaluation.objects.filter(
            period=period, scheme_id=rule.scheme_id, grade=Grade.FAIL
        )
        party = "household_id" if rule.scheme.party_kind == PartyKind.TENANT else "organisation_id"
        history = (
            Evaluation.objects.filter(
                Q(period=period) | Q(period__status=PeriodStatus.PUBLISHED),
                period__kind=period.kind,
                period__starts_on__lte=period.starts_on,
                **{f"{party}__in": failing.values(party)},
            )
            .annotate(
                nth=Window(
                    RowNumber(),
                    partition_by=[F(party)],
                    order_by=F("period__starts_on").desc(),
                )
            )
            .filter(nth__lte=n)
            .values_list(party, "grade")
        )
        fails: dict[int, int] = defaultdict(int)
        for party_id, grade in history:
            if grade == Grade.FAIL:
                fails[party_id] += 1
        enough = {p for p, count in fails.items() if count >= n}
        allowed[rule.pk] = set(
            failing.filter(**{f"{party}__in": enough}).values_list("pk", flat=True)
            if len(enough) < 5000
            else [pk for pk, p in failing.values_list("pk", party) if p in enough]
        )
    return allowed


def details_of(c: Consequence) -> str:
    """What a consequence amounts to, in a few words: its percent, deadline or term."""
    parts = []
    if c.percent is not None:
        parts.append(_("%(p)s%%") % {"p": c.percent})
    if c.due_on:
        parts.append(_("by %(d)s") % {"d": c.due_on.isoformat()})
    if c.valid_until:
        parts.append(_("until %(d)s") % {"d": c.valid_until.isoformat()})
    return (" (" + ", ".join(parts) + ")") if parts else ""


def _announce(period: Period, pairs: list[tuple[int, int]], *, actor) -> None:
    """Messages, timeline entries and tasks for the consequences just raised."""
    wanted = set(pairs)
    authority = Organisation.objects.filter(kind=OrgKind.AUTHORITY, is_active=True).first()
    rows: list = []
    entries = []
    tasks: list[Task] = []
    with translation.override(MESSAGE_LANGUAGE):
        consequences = (
            Consequence.objects.filter(evaluation__period=period)
            .select_related(
                "evaluation__household",
                "evaluation__organisation",
                "evaluation__estate",
                "evaluation__household__estate",
            )
            .order_by("pk")
        )
        orgs = {
            c.evaluation.organisation_id
            for c in consequences
            if c.evaluation.organisation_id and (c.evaluation_id, c.rule_id) in wanted
        }
        staff: dict[int, list[User]] = defaultdict(list)
        for user in (
            User.objects.filter(is_active=True, organisation_id__in=orgs)
            .exclude(roles__role=Role.TENANT)
            .distinct()
        ):
            staff[user.organisation_id].append(user)
        for c in consequences.iterator(chunk_size=2000):
            if (c.evaluation_id, c.rule_id) not in wanted:
                continue
            e = c.evaluation
            context = {
                "period": period.name,
                "grade": str(Grade(e.grade).label),
                "kind": str(K(c.kind).label),
                "details": details_of(c),
            }
            key = f"evaluation:{e.pk}:rule{c.rule_id}"
            if e.household_id:
                rows.append(("evaluation.consequence.household", key, e.household, context))
                entries.append(
                    timeline.build(
                        "evaluation.consequence",
                        actor=actor,
                        for_household=e.household,
                        period=period.name,
                        grade=e.grade,
                        kind=c.kind,
                        details=context["details"],
                    )
                )
            else:
                for user in staff.get(e.organisation_id, []):
                    rows.append(("evaluation.consequence.org", f"{key}:u{user.pk}", user, context))
            tasks += _tasks_for(c, e, period, authority)
        notify.queue_many(rows, language=MESSAGE_LANGUAGE)
    timeline.add_many(entries)
    _bulk_tasks(tasks)


def _tasks_for(c: Consequence, e: Evaluation, period: Period, authority) -> list[Task]:
    party = str(e.party)
    if c.kind == K.INTERVIEW:
        estate = e.estate or (e.household.estate if e.household_id else None)
        community = estate.community_id if estate else e.household.community_id
        return [
            Task(
                key=f"evaluation:{e.pk}:rule{c.rule_id}:interview",
                kind="evaluation.interview",
                title=(
                    _("Hold the compulsory interview with household %(h)s (evaluation %(p)s)")
                    % {"h": party, "p": period.name}
                )[:200],
                household_id=e.household_id,
                organisation_id=community,
                due_on=c.due_on,
            )
        ]
    if c.kind == K.RECTIFICATION and authority is not None:
        return [
            Task(
                key=f"evaluation:{e.pk}:rule{c.rule_id}:rectification",
                kind="evaluation.rectification",
                title=(
                    _("Check the rectification by %(o)s (evaluation %(p)s)")
                    % {"o": party, "p": period.name}
                )[:200],
                organisation_id=authority.pk,
                due_on=c.due_on,
            )
        ]
    if c.kind == K.TERMINATION and authority is not None:
        return [
            Task(
                key=f"evaluation:{e.pk}:rule{c.rule_id}:termination",
                kind="evaluation.termination",
                title=(
                    _("Decide the proposed contract termination of %(o)s (evaluation %(p)s)")
                    % {"o": party, "p": period.name}
                )[:200],
                organisation_id=authority.pk,
                due_on=None,
            )
        ]
    return []


def _bulk_tasks(tasks: list[Task]) -> int:
    keys = [t.key for t in tasks]
    existing: set[str] = set()
    for start in range(0, len(keys), 5000):
        existing |= set(
            Task.objects.filter(key__in=keys[start : start + 5000]).values_list("key", flat=True)
        )
    fresh = [t for t in tasks if t.key not in existing]
    Task.objects.bulk_create(fresh, batch_size=BULK, ignore_conflicts=True)
    return len(fresh)


# --- Carrying out -------------------------------------------------------------------------

# Who may do what to a consequence, on top of seeing it (Consequence.objects.visible_to):
# the authority decides terminations, cancels, verifies rectifications and records fee
# adjustments and warnings to organisations; the community and the operator record an
# interview held, a warning delivered to a household, a referral made; the party
# reports its rectification done.
ACTIONS = ("confirm", "reject", "report", "done", "cancel")


def consequence_applies(c: Consequence, action: str) -> bool:
    """Whether `action` fits the consequence's kind and state at all."""
    if action in ("confirm", "reject"):
        return c.kind == K.TERMINATION and c.state == S.PROPOSED
    if action == "cancel":
        return c.state in (S.PROPOSED, S.IN_EFFECT)
    if action == "report":
        return c.kind == K.RECTIFICATION and c.state == S.IN_EFFECT
    if action == "done":
        return c.state == S.IN_EFFECT and c.kind in RECORDED_BY_AUTHORITY + RECORDED_IN_THE_FIELD
    return False


def consequence_entitled(c: Consequence, user, action: str) -> bool:
    """Whether `user` (who sees `c`) holds the right to take `action` on it."""
    if action in ("confirm", "reject", "cancel"):
        return user.can(Perm.EVALUATION_MANAGE)
    if action == "report":
        return (
            user.can(Perm.EVALUATION_RESPOND)
            and user.organisation_id is not None
            and user.organisation_id == c.evaluation.organisation_id
        )
    if action == "done":
        if c.kind in RECORDED_BY_AUTHORITY or c.kind == K.WARNING:
            return user.can(Perm.EVALUATION_MANAGE)
        return user.can(Perm.CONSEQUENCE_RECORD)
    return False


def consequence_may(c: Consequence, user, action: str) -> bool:
    """Whether `user` (who sees `c`) may take `action` on it now."""
    return consequence_applies(c, action) and consequence_entitled(c, user, action)


def _allowed(c: Consequence, actor, action: str) -> None:
    if consequence_may(c, actor, action):
        return
    if c.state not in (S.PROPOSED, S.IN_EFFECT):
        raise DomainError(
            _("This consequence is already %(state)s.") % {"state": c.get_state_display()},
            code="closed",
        )
    if action == "done" and c.kind not in RECORDED_BY_AUTHORITY + RECORDED_IN_THE_FIELD:
        raise DomainError(
            _("A %(kind)s ends by itself on its date; cancel it to end it sooner.")
            % {"kind": c.get_kind_display()},
            code="not_recorded",
        )
    raise DomainError(_("You may not do this to this consequence."), code="forbidden")


def _lock(c: Consequence) -> Consequence:
    # Only the consequence's own row: FOR UPDATE cannot reach the nullable side of the
    # outer joins to the household and the organisation (PostgreSQL).
    return (
        Consequence.objects.select_for_update(of=("self",))
        .select_related("evaluation__period", "evaluation__household", "evaluation__organisation")
        .get(pk=c.pk)
    )


def _close_tasks(c: Consequence, *, actor, note: str) -> None:
    Task.objects.filter(
        key__startswith=f"evaluation:{c.evaluation_id}:rule{c.rule_id}:", status=TaskStatus.OPEN
    ).update(status=TaskStatus.DONE, done_at=timezone.now(), done_by=actor, note=note[:1000])


def _append(note: str, line: str, actor) -> str:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    entry = f"[{stamp} {actor}] {line}"
    return f"{note}\n{entry}" if note else entry


def _timeline(c: Consequence, verb: str, *, actor, **data) -> None:
    e = c.evaluation
    if e.household_id:
        timeline.add(
            verb,
            actor=actor,
            for_household=e.household,
            kind=c.kind,
            period=e.period.name,
            **data,
        )


def _text(value: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code="required")
    return value


def consequence_confirm(c: Consequence, *, actor) -> Consequence:
    """The authority confirms a proposed termination: it is in effect (done when the
    contract ends), and the organisation's staff are told."""
    with transaction.atomic():
        c = _lock(c)
        _allowed(c, actor, "confirm")
        c.state, c.decided_by, c.decided_at = S.IN_EFFECT, actor, timezone.now()
        c.save(update_fields=["state", "decided_by", "decided_at"])
        audit.record(
            actor=actor,
            action="evaluation.consequence.confirm",
            target=c,
            changes={"state": c.state},
        )
        _close_tasks(c, actor=actor, note=str(_("Confirmed")))
        e = c.evaluation
        rows = [
            (
                "evaluation.termination.confirmed",
                f"evaluation:{e.pk}:rule{c.rule_id}:confirmed:u{user.pk}",
                user,
                {"period": e.period.name},
            )
            for user in User.objects.filter(is_active=True, organisation_id=e.organisation_id)
            .exclude(roles__role=Role.TENANT)
            .distinct()
        ]
        notify.queue_many(rows, language=MESSAGE_LANGUAGE)
    return c


def consequence_reject(c: Consequence, *, actor, reason: str) -> Consequence:
    """The authority decides against a proposed termination, saying why."""
    reason = _text(reason, _("Say why the termination is not pursued."))
    with transaction.atomic():
        c = _lock(c)
        _allowed(c, actor, "reject")
        c.state, c.decided_by, c.decided_at = S.CANCELLED, actor, timezone.now()
        c.note = _append(c.note, reason, actor)
        c.save(update_fields=["state", "decided_by", "decided_at", "note"])
        audit.record(
            actor=actor,
            action="evaluation.consequence.reject",
            target=c,
            changes={"state": c.state, "reason": reason},
        )
        _close_tasks(c, actor=actor, note=reason)
    return c


def consequence_report(c: Consequence, *, actor, note: str) -> Consequence:
    """The party reports its rectification done; the authority gets a task to verify
    it (the consequence stays in effect until verified)."""
    note = _text(note, _("Describe what was rectified."))
    with transaction.atomic():
        c = _lock(c)
        _allowed(c, actor, "report")
        c.note = _append(c.note, note, actor)
        c.save(update_fields=["note"])
        audit.record(
            actor=actor, action="evaluation.consequence.report", target=c, changes={"note": note}
        )
        authority = Organisation.objects.filter(kind=OrgKind.AUTHORITY, is_active=True).first()
        prefix = f"evaluation:{c.evaluation_id}:rule{c.rule_id}:verify"
        if not Task.objects.filter(key__startswith=prefix, status=TaskStatus.OPEN).exists():
            reports = Task.objects.filter(key__startswith=prefix).count()
            task_raise(
                key=f"{prefix}:{reports + 1}",
                kind="evaluation.rectification_reported",
                title=_("%(o)s reports its rectification done (evaluation %(p)s): verify it")
                % {"o": c.evaluation.organisation, "p": c.evaluation.period.name},
                organisation=authority,
                due_on=timezone.localdate(),
            )
    return c


def consequence_done(c: Consequence, *, actor, note: str) -> Consequence:
    """Record that a consequence was carried out: the authority verifies a
    rectification or records a fee adjustment applied (or a terminated contract
    ended); the community or operator records an interview held, a warning
    delivered, a referral made."""
    note = _text(note, _("Say what was done."))
    with transaction.atomic():
        c = _lock(c)
        _allowed(c, actor, "done")
        c.state, c.done_by, c.done_at = S.DONE, actor, timezone.now()
        c.note = _append(c.note, note, actor)
        c.save(update_fields=["state", "done_by", "done_at", "note"])
        audit.record(
            actor=actor,
            action="evaluation.consequence.done",
            target=c,
            changes={"state": c.state, "note": note},
        )
        _close_tasks(c, actor=actor, note=note)
        _timeline(c, "evaluation.consequence.done", actor=actor, note=note)
    return c


def consequence_cancel(c: Consequence, *, actor, reason: str) -> Consequence:
    """The authority withdraws a consequence that is proposed or in effect."""
    reason = _text(reason, _("Say why the consequence is cancelled."))
    with transaction.atomic():
        c = _lock(c)
        _allowed(c, actor, "cancel")
        before = c.state
        c.state = S.CANCELLED
        c.note = _append(c.note, reason, actor)
        c.save(update_fields=["state", "note"])
        audit.record(
            actor=actor,
            action="evaluation.consequence.cancel",
            target=c,
            changes={"state": [before, c.state], "reason": reason},
        )
        _close_tasks(c, actor=actor, note=reason)
        _timeline(c, "evaluation.consequence.cancelled", actor=actor, reason=reason)
    return c
