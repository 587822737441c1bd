"""Arrears (欠租): how far behind a household is, which step the rule table recommends
next and why, taking that step, and holding the steps while a case is in court.
docs/arrears.md sets out the definitions; in short:

- overdue: an open bill (settled < amount) whose due date has passed;
- months owed: the number of overdue RENT bills, cumulated (art. 29 “累计”); the amount
  owed counts every overdue bill, fines and the like included;
- a spell of arrears starts at the due date of the oldest overdue rent bill and goes on
  while a bill that was overdue when the last step was taken is still unpaid; the steps
  of the rule table (ArrearsStep rows) are each taken once per spell, in order;
- “must vacate” (art. 29) comes as soon as the months owed reach its row's threshold,
  whatever the earlier steps, unless a court case or a repayment agreement holds them.

`recommend` is a pure function: the ledger, the household page, the bulk action and the
nightly task all ask it, so they cannot disagree."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, followups, notify, timeline
from anju.core.errors import DomainError
from anju.core.models import Message, MessageChannel
from anju.households.models import Household

from ..models import ArrearsAction, ArrearsHold, ArrearsNotice, ArrearsStep, HoldKind, VacateReason
from . import vacate

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

timeline.register(
    "arrears.step",
    gettext_lazy("Arrears step: %(action)s (rent months owed: %(months)s; ¥%(amount)s overdue)"),
)
timeline.register(
    "arrears.hold", gettext_lazy("Arrears steps on hold from %(since)s: %(kind)s %(reference)s")
)
timeline.register(
    "arrears.hold_lifted",
    gettext_lazy("Arrears hold lifted: %(kind)s %(reference)s (%(reason)s)"),
)

# --- Aging buckets -------------------------------------------------------------------
# Reporting groups of the ledger (issue 4: “1, 2, 3 and 6+ months”); the steps and the
# “must vacate” threshold come from the rule table, not from these.


@dataclass(frozen=True)
class Bucket:
    code: str
    low: int
    high: int | None
    label: object


BUCKETS = (
    Bucket("1", 1, 1, gettext_lazy("1 month")),
    Bucket("2", 2, 2, gettext_lazy("2 months")),
    Bucket("3-5", 3, 5, gettext_lazy("3–5 months")),
    Bucket("6+", 6, None, gettext_lazy("6 months or more")),
)
BUCKET_BY_CODE = {b.code: b for b in BUCKETS}


def bucket_of(months: int) -> Bucket | None:
    for bucket in BUCKETS:
        if months >= bucket.low and (bucket.high is None or months <= bucket.high):
            return bucket
    return None


# --- Messages ------------------------------------------------------------------------

TEMPLATES = {
    ArrearsAction.SMS: "arrears.sms",
    ArrearsAction.LETTER_1: "arrears.letter_1",
    ArrearsAction.LETTER_2: "arrears.letter_2",
    ArrearsAction.FINAL_NOTICE: "arrears.final_notice",
}
notify.register(
    "arrears.sms",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] Household {household}: rent unpaid since {since}, "
        "{months} month(s), ¥{amount} in all. Please pay soon, or ask the estate office about a "
        "repayment plan."
    ),
)
notify.register(
    "arrears.letter_1",
    MessageChannel.LETTER,
    gettext_lazy(
        "Reminder: rent unpaid\n\nTo household {household} ({head}), unit {unit}:\n"
        "Our records show rent unpaid since {since}: {months} month(s), ¥{amount} in all "
        "as of {today}. Please pay at the estate office, by bank transfer, WeChat Pay or "
        "Alipay. If you cannot pay in one sum, come and agree a repayment plan."
    ),
)
notify.register(
    "arrears.letter_2",
    MessageChannel.LETTER,
    gettext_lazy(
        "Second reminder: rent unpaid\n\nTo household {household} ({head}), unit {unit}:\n"
        "Despite our first reminder, rent remains unpaid since {since}: {months} month(s), "
        "¥{amount} in all as of {today}. Please pay now or agree a repayment plan with the "
        "estate office. Arrears adding up to {vacate_months} months oblige the household "
        "to vacate the unit."
    ),
)
notify.register(
    "arrears.final_notice",
    MessageChannel.LETTER,
    gettext_lazy(
        "Final notice of rent arrears\n\nTo household {household} ({head}), unit {unit}:\n"
        "Rent is unpaid since {since}: {months} month(s), ¥{amount} in all as of {today}. "
        "Under art. 29 of the Measures for the Administration of Public Rental Housing, "
        "arrears adding up to {vacate_months} months oblige the household to vacate the "
        "unit. Pay the arrears or agree a repayment plan with the estate office at once."
    ),
)

# Steps the nightly task takes by itself; the others wait for staff (a letter is
# printed and delivered, a visit is made by a person).
AUTOMATIC = (ArrearsAction.SMS, ArrearsAction.MUST_VACATE)


# --- The recommendation --------------------------------------------------------------


@dataclass(frozen=True)
class Hold:
    """What holds the steps: a case in court, or a repayment agreement being kept."""

    kind: str  # "court" or "agreement"
    reference: str
    since: datetime.date | None = None


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def recommend(
    months_owed: int,
    steps_taken_this_spell: Iterable[str],
    last_step_on: datetime.date | None,
    today: datetime.date,
    steps: Sequence[ArrearsStep],
    hold: Hold | None,
) -> tuple[str | None, str]:
    """The one next step for a household and the sentence that explains it, or None
    and why not. `steps` are the active rows of the rule table in order."""
    if months_owed <= 0:
        return None, _("No rent is overdue.")
    if hold is not None:
        if hold.kind == HoldKind.COURT:
            return None, _(
                "The case is in court (%(ref)s, since %(since)s): no step meanwhile."
            ) % {
                "ref": hold.reference,
                "since": _day(hold.since),
            }
        return None, _("Repayment agreement %(ref)s is being kept: no step meanwhile.") % {
            "ref": hold.reference
        }
    taken = set(steps_taken_this_spell)
    vacate_row = next((s for s in steps if s.action == ArrearsAction.MUST_VACATE), None)
    if vacate_row is not None and vacate_row.action in taken:
        return None, _(
            "The household is on the “must vacate” list for this spell of arrears; the exit "
            "case takes over."
        )
    if vacate_row is not None and months_owed >= vacate_row.min_months:
        # Art. 29: the threshold alone decides, whatever steps came before.
        return _after_wait(vacate_row, months_owed, last_step_on, today) or (
            vacate_row.action,
            _(
                "%(m)s months of rent owed, %(min)s or more: art. 29 obliges the household "
                "to vacate."
            )
            % {"m": months_owed, "min": vacate_row.min_months},
        )
    for step in steps:
        if step.action in taken:
            continue
        if months_owed < step.min_months:
            return None, _("Next: %(step)s once %(min)s months of rent are owed (%(m)s now).") % {
                "step": step.get_action_display(),
                "min": step.min_months,
                "m": months_owed,
            }
        waiting = _after_wait(step, months_owed, last_step_on, today)
        if waiting:
            return waiting
        reason = _("Rent months owed: %(m)s; this step comes at %(min)s or more.") % {
            "m": months_owed,
            "min": step.min_months,
        }
        if last_step_on is not None and step.wait_days:
            reason += " " + _("The last step was on %(last)s, %(days)s or more days ago.") % {
                "days": step.wait_days,
                "last": _day(last_step_on),
            }
        return step.action, reason
    return None, _("Every step of the rule table has been taken in this spell of arrears.")


def _after_wait(step, months_owed, last_step_on, today):
    """(None, “waiting until …”) while the step's wait since the last step runs."""
    if last_step_on is None or not step.wait_days:
        return None
    ready = last_step_on + datetime.timedelta(days=step.wait_days)
    if today >= ready:
        return None
    return None, _("Waiting until %(day)s for %(step)s (%(days)s days after the last step).") % {
        "day": _day(ready),
        "step": step.get_action_display(),
        "days": step.wait_days,
    }


def active_steps() -> list[ArrearsStep]:
    return list(ArrearsStep.objects.filter(active=True).order_by("order"))


# --- A household's standing ----------------------------------------------------------


@dataclass
class Standing:
    """Where a household stands on `today`: what it owes, its spell, the steps taken
    in the spell, what holds the steps, and the recommendation."""

    household_id: int
    months: int
    owed: Decimal
    oldest_due: datetime.date
    spell: datetime.date
    taken: dict[str, datetime.date] = field(default_factory=dict)
    last_action: str | None = None
    last_step_on: datetime.date | None = None
    hold: Hold | None = None
    action: str | None = None
    reason: str = ""

    @property
    def bucket(self) -> Bucket | None:
        return bucket_of(self.months)

    @property
    def action_label(self) -> str:
        return str(ArrearsAction(self.action).label) if self.action else ""

    @property
    def last_action_label(self) -> str:
        return str(ArrearsAction(self.last_action).label) if self.last_action else ""


def spell_of(oldest_due: datetime.date, notices: Sequence[dict]) -> datetime.date:
    """The date the current spell began. `notices` are the household's steps, oldest
    first, as dicts with "spell" and "taken_on". The spell of the last step goes on
    while a bill that was overdue that day is still unpaid, which is so exactly when
    the oldest overdue bill fell due before it; otherwise a new spell began."""
    if notices:
        last = notices[-1]
        if oldest_due < last["taken_on"]:
            return last["spell"]
    return oldest_due


def standing_of_row(
    row: dict, notices: Sequence[dict], today: datetime.date, steps: Sequence[ArrearsStep]
) -> Standing:
    """The standing from one row of the aggregated query (selectors.arrears) and the
    household's steps."""
    spell = spell_of(row["oldest"], notices)
    taken = {n["action"]: n["taken_on"] for n in notices if n["spell"] == spell}
    current = [n for n in notices if n["spell"] == spell]
    hold = None
    if row.get("hold_ref"):
        hold = Hold(HoldKind.COURT, row["hold_ref"], row.get("hold_since"))
    elif row.get("agreement_no"):
        hold = Hold("agreement", row["agreement_no"], row.get("agreement_signed"))
    standing = Standing(
        household_id=row["household_id"],
        months=row["months"],
        owed=Decimal(row["owed"] or 0).quantize(CENT),
        oldest_due=row["oldest"],
        spell=spell,
        taken=taken,
        last_action=current[-1]["action"] if current else None,
        last_step_on=current[-1]["taken_on"] if current else None,
        hold=hold,
    )
    standing.action, standing.reason = recommend(
        standing.months, taken, standing.last_step_on, today, steps, hold
    )
    return standing


def standings(rows: Iterable[dict], today: datetime.date, steps=None) -> list[Standing]:
    """Standings of the rows of one page or chunk: one query for their steps."""
    from ..selectors.arrears import notices_by_household

    rows = list(rows)
    steps = active_steps() if steps is None else steps
    notices = notices_by_household([r["household_id"] for r in rows])
    return [standing_of_row(r, notices.get(r["household_id"], []), today, steps) for r in rows]


def standing_of(household: Household, today: datetime.date | None = None) -> Standing | None:
    """The household's standing, or None when no rent is overdue."""
    from ..models import Bill
    from ..selectors.arrears import arrears_rows

    today = today or timezone.localdate()
    rows = list(arrears_rows(Bill.objects.filter(household=household), today).order_by()[:1])
    return standings(rows, today)[0] if rows else None


# --- Taking a step -------------------------------------------------------------------


def _context(household: Household, standing: Standing, today, steps) -> dict:
    vacate_row = next((s for s in steps if s.action == ArrearsAction.MUST_VACATE), None)
    return {
        "household": household.number,
        "head": household.head.name if household.head_id and household.head else "",
        "unit": household.unit.code if household.unit else "",
        "amount": f"{standing.owed:,.2f}",
        "months": standing.months,
        "since": _day(standing.spell),
        "today": _day(today),
        "vacate_months": vacate_row.min_months if vacate_row else "",
    }


def message_key(household_id: int, spell: datetime.date, action: str) -> str:
    return f"arrears:{household_id}:{spell:%Y-%m-%d}:{action}"


def evidence_of(household: Household, standing: Standing, today: datetime.date) -> dict:
    """The facts behind a “must vacate” listing, as a reviewer can check them."""
    from ..models import Bill, BillKind
    from ..selectors.arrears import overdue_q

    bills = list(
        Bill.objects.filter(overdue_q(today), household=household).order_by("due_on", "pk")
    )
    shown = [
        f"{b.period:%Y-%m} ¥{b.outstanding}"
        if b.kind == BillKind.RENT and b.period
        else f"{b.get_kind_display()} ¥{b.outstanding}"
        for b in bills[:24]
    ]
    if len(bills) > 24:
        shown.append(_("and %(n)s more") % {"n": len(bills) - 24})
    return {
        _("Months of rent owed"): standing.months,
        _("Amount overdue (yuan)"): f"{standing.owed:.2f}",
        _("In arrears since"): _day(standing.spell),
        _("Counted on"): _day(today),
        _("Overdue bills"): "; ".join(shown),
    }


def step_take(
    household: Household,
    *,
    actor,
    action: str | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> ArrearsNotice:
    """Take the recommended step (or, with a note saying why, another step not yet
    taken in this spell) and record it with what the household owed. An SMS or a
    letter goes to the outbox; a visit becomes a task for the estate's community; “must
    vacate” puts the household on the authority's list with the evidence."""
    today = today or timezone.localdate()
    note = (note or "").strip()
    steps = active_steps()
    standing = standing_of(household, today)
    if standing is None:
        raise DomainError(_("No rent of this household is overdue."), code="nothing_overdue")
    action = action or standing.action
    if action is None:
        raise DomainError(standing.reason, code="nothing_recommended")
    if action not in ArrearsAction.values:
        raise DomainError(_("Unknown arrears step."), code="action")
    if action in standing.taken:
        raise DomainError(
            _("%(step)s was already taken in this spell of arrears, on %(day)s.")
            % {"step": ArrearsAction(action).label, "day": _day(standing.taken[action])},
            code="taken",
        )
    if action == standing.action:
        reason = standing.reason
    elif action == ArrearsAction.MUST_VACATE:
        raise DomainError(
            _("The “must vacate” list is only for the arrears art. 29 names: %(why)s")
            % {"why": standing.reason},
            code="not_due",
        )
    elif not note:
        raise DomainError(
            _("The rule table does not recommend this step now (%(why)s) Say why you take it.")
            % {"why": standing.reason},
            code="note",
        )
    else:
        reason = _("Taken by staff outside the rule table: %(note)s") % {"note": note}
    try:
        with transaction.atomic():
            Household.objects.select_for_update().filter(pk=household.pk).first()
            notice = ArrearsNotice.objects.create(
                household=household,
                spell=standing.spell,
                action=action,
                taken_on=today,
                months_owed=standing.months,
                amount_owed=standing.owed,
                reason=reason[:300],
                taken_by=actor if getattr(actor, "pk", None) else None,
                note=note[:300],
            )
            _carry_out(notice, household, standing, today, steps, actor)
            audit.record(
                actor=actor,
                action="arrears.step",
                target=notice,
                changes=audit.snapshot(
                    notice, ["household", "spell", "action", "months_owed", "amount_owed", "reason"]
                ),
            )
            timeline.add(
                "arrears.step",
                actor=actor,
                for_household=household,
                action=action,
                months=standing.months,
                amount=f"{standing.owed:.2f}",
            )
    except IntegrityError:
        raise DomainError(_("This step was just taken by someone else."), code="taken") from None
    return notice


def _carry_out(notice, household, standing, today, steps, actor) -> None:
    action = notice.action
    if action in TEMPLATES:
        # queue_many, as notify.queue's own `household` argument would shadow the
        # {household} placeholder.
        key = message_key(household.pk, standing.spell, action)
        notify.queue_many(
            [(TEMPLATES[action], key, household, _context(household, standing, today, steps))]
        )
        notice.message = Message.objects.get(key=key)
        notice.save(update_fields=["message"])
    elif action == ArrearsAction.VISIT:
        estate = household.estate
        later = [s for s in steps if s.order > _order(steps, action)]
        due = today + datetime.timedelta(days=later[0].wait_days) if later else None
        followups.task_raise(
            key=message_key(household.pk, standing.spell, action),
            kind="arrears.visit",
            title=_("Visit household %(h)s: rent months owed %(m)s, ¥%(a)s overdue since %(s)s")
            % {
                "h": household.number,
                "m": standing.months,
                "a": f"{standing.owed:,.2f}",
                "s": _day(standing.spell),
            },
            household=household,
            organisation=estate.community if estate else household.community,
            due_on=due,
        )
    elif action == ArrearsAction.MUST_VACATE:
        vacate.listing_add(
            household,
            actor=actor,
            reason=VacateReason.ARREARS,
            evidence=evidence_of(household, standing, today),
            on=today,
        )


def _order(steps, action) -> int:
    return next((s.order for s in steps if s.action == action), 0)


def steps_take_recommended(
    *,
    actor,
    bills,
    action: str = ArrearsAction.SMS,
    today: datetime.date | None = None,
    chunk: int = 1000,
) -> int:
    """Take `action` for every household of `bills` (a Bill queryset, already scoped)
    whose recommendation it is. SMS reminders are written in bulk: per chunk of
    households one query for their steps, one insert of messages, one of steps, and
    one audit append; “must vacate” goes household by household through `step_take`,
    as each listing carries its own evidence. Returns how many steps were taken."""
    from ..selectors.arrears import arrears_rows

    today = today or timezone.localdate()
    steps = active_steps()
    if action not in {s.action for s in steps}:
        return 0
    # Read the grouped rows first (a few MB for tens of thousands of households) rather
    # than hold a cursor open over the bills while the chunks write.
    rows = list(arrears_rows(bills, today).order_by("household_id"))
    return sum(
        _take_batch(rows[i : i + chunk], action, today, steps, actor)
        for i in range(0, len(rows), chunk)
    )


def _take_batch(rows, action, today, steps, actor) -> int:
    due = [s for s in standings(rows, today, steps) if s.action == action]
    if not due:
        return 0
    if action not in TEMPLATES:
        done = 0
        for standing in due:
            household = Household.objects.get(pk=standing.household_id)
            try:
                step_take(household, actor=actor, action=action, today=today)
            except DomainError:
                continue  # changed since the query (paid, held): nothing to do
            done += 1
        return done
    households = Household.objects.select_related("head", "unit").in_bulk(
        [s.household_id for s in due]
    )
    actor_obj = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        keys = {s.household_id: message_key(s.household_id, s.spell, action) for s in due}
        notify.queue_many(
            [
                (
                    TEMPLATES[action],
                    keys[s.household_id],
                    households[s.household_id],
                    _context(households[s.household_id], s, today, steps),
                )
                for s in due
            ]
        )
        messages = dict(Message.objects.filter(key__in=keys.values()).values_list("key", "pk"))
        notices = ArrearsNotice.objects.bulk_create(
            [
                ArrearsNotice(
                    household_id=s.household_id,
                    spell=s.spell,
                    action=action,
                    taken_on=today,
                    months_owed=s.months,
                    amount_owed=s.owed,
                    reason=s.reason[:300],
                    message_id=messages.get(keys[s.household_id]),
                    taken_by=actor_obj,
                )
                for s in due
            ],
            batch_size=1000,
        )
        audit.record_many(
            actor=actor,
            items=[
                (
                    "arrears.step",
                    notice,
                    {
                        "household": notice.household_id,
                        "spell": str(notice.spell),
                        "action": action,
                        "months_owed": notice.months_owed,
                        "amount_owed": str(notice.amount_owed),
                        "reason": notice.reason,
                        "bulk": True,
                    },
                )
                for notice in notices
            ],
        )
        timeline.add_many(
            timeline.build(
                "arrears.step",
                actor=actor_obj,
                for_household=households[s.household_id],
                action=action,
                months=s.months,
                amount=f"{s.owed:.2f}",
            )
            for s in due
        )
    return len(notices)


def automatic_steps_take(*, today: datetime.date | None = None) -> dict[str, int]:
    """The nightly run: every household whose recommendation is an automatic step
    (an SMS reminder, or the “must vacate” list at the art. 29 threshold) gets it.
    Running it again the same day takes nothing more."""
    from ..models import Bill

    today = today or timezone.localdate()
    return {
        action: steps_take_recommended(
            actor=None, bills=Bill.objects.all(), action=action, today=today
        )
        for action in AUTOMATIC
    }


# --- Holds ---------------------------------------------------------------------------


def hold_record(
    household: Household,
    *,
    actor,
    reference: str,
    since: datetime.date | None = None,
    kind: str = HoldKind.COURT,
) -> ArrearsHold:
    """Hold the arrears steps of a household while its case is in court."""
    reference = (reference or "").strip()
    today = timezone.localdate()
    since = since or today
    if kind not in HoldKind.values:
        raise DomainError(_("Unknown kind of hold."), code="kind")
    if not reference:
        raise DomainError(_("Give the court case's reference."), code="reference")
    if since > today:
        raise DomainError(_("A hold cannot start in the future."), code="since")
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        if ArrearsHold.objects.current(today).filter(household=household).exists():
            raise DomainError(_("The household's steps are already on hold."), code="held")
        hold = ArrearsHold.objects.create(
            household=household,
            kind=kind,
            reference=reference[:120],
            since=since,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="arrears.hold",
            target=hold,
            changes=audit.snapshot(hold, ["household", "kind", "reference", "since"]),
        )
        timeline.add(
            "arrears.hold",
            actor=actor,
            for_household=household,
            kind=kind,
            reference=hold.reference,
            since=_day(since),
        )
    return hold


def hold_lift(hold: ArrearsHold, *, actor, reason: str) -> ArrearsHold:
    """End a hold today: the steps resume from tomorrow's recommendation on."""
    reason = (reason or "").strip()
    today = timezone.localdate()
    if not reason:
        raise DomainError(_("Give the reason, e.g. the judgment."), code="reason")
    if hold.until is not None and hold.until < today:
        raise DomainError(_("This hold has already ended."), code="ended")
    with transaction.atomic():
        # The last day held is yesterday; a hold that started today never held.
        hold.until = max(
            today - datetime.timedelta(days=1), hold.since - datetime.timedelta(days=1)
        )
        hold.save(update_fields=["until"])
        audit.record(
            actor=actor,
            action="arrears.hold_lift",
            target=hold,
            changes={"until": str(hold.until), "reason": reason},
        )
        timeline.add(
            "arrears.hold_lifted",
            actor=actor,
            for_household=hold.household,
            kind=hold.kind,
            reference=hold.reference,
            reason=reason[:200],
        )
    return hold


# --- The rule table ------------------------------------------------------------------

STEP_FIELDS = ("order", "min_months", "wait_days", "active")


def steps_update(*, actor, rows: dict[int, dict], source: str) -> list[ArrearsStep]:
    """Change the rule table: `rows` maps a step's pk to its new order, min_months,
    wait_days and active. The authority cites the document that sets the change; the
    audit log keeps it with the before and after of every row."""
    source = (source or "").strip()
    if not source:
        raise DomainError(
            _("Name the document that sets this change (e.g. 长住建〔2026〕12号)."), code="source"
        )
    with transaction.atomic():
        current = {s.pk: s for s in ArrearsStep.objects.select_for_update().order_by("order")}
        if set(rows) - set(current):
            raise DomainError(_("Unknown arrears step."), code="step")
        merged = {
            pk: {f: rows.get(pk, {}).get(f, getattr(s, f)) for f in STEP_FIELDS}
            for pk, s in current.items()
        }
        orders = [v["order"] for v in merged.values()]
        if len(set(orders)) != len(orders):
            raise DomainError(_("Two steps cannot share a place in the order."), code="order")
        for pk, values in merged.items():
            step = current[pk]
            if values["min_months"] < 1:
                raise DomainError(
                    _("%(step)s: at least 1 month must be owed.") % {"step": step},
                    code="min_months",
                )
            if step.action == ArrearsAction.MUST_VACATE and not values["active"]:
                raise DomainError(
                    _("The “must vacate” step cannot be switched off: art. 29 requires it."),
                    code="vacate_required",
                )
        changed = {
            pk: {
                f: [getattr(current[pk], f), v[f]]
                for f in STEP_FIELDS
                if getattr(current[pk], f) != v[f]
            }
            for pk, v in merged.items()
        }
        changed = {pk: c for pk, c in changed.items() if c}
        if not changed:
            return list(current.values())
        # Orders are unique: park the rows that move, then set them.
        moving = [pk for pk, c in changed.items() if "order" in c]
        for i, pk in enumerate(moving):
            ArrearsStep.objects.filter(pk=pk).update(order=1000 + i)
        for pk in changed:
            ArrearsStep.objects.filter(pk=pk).update(**merged[pk])
        audit.record_many(
            actor=actor,
            items=[
                ("arrears.steps_update", current[pk], {**c, "source": source})
                for pk, c in changed.items()
            ],
        )
    return list(ArrearsStep.objects.order_by("order"))
