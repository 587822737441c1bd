"""Confirming recertification outcomes: in bulk, with exceptions. A confirmed tiered
rent changes the lease's rent from a date; a confirmed "must exit" lists the household
on the “must vacate” list; each confirmation is audited and on the household's timeline."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anju.admission.models import (
    RentTier,
)
from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.models import TimelineEntry
from anju.households.models import Lease, LeaseStatus, RentReason

from ..models import (
    Outcome,
    RecertCase,
    RecertStatus,
    VacateReason,
)
from .outcomes import sentence
from .recertification import _check_open, _chunks, _entry, first_of_next_month
from .rent import lease_rent_change
from .vacate import listing_add

CENT = Decimal("0.01")


# --- Confirming -----------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """Staff set a different outcome for one case, with the reason."""

    outcome: str
    note: str
    multiple: Decimal | None = None


@dataclass
class Confirmed:
    confirmed: int = 0
    rent_changes: int = 0
    listed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (household, why)


def _rent_terms(lease: Lease, multiple: Decimal) -> dict:
    """The terms of the new rent: the tier multiplier; and, for a lease imported with
    its rent only (no area, standard or relief tier), the rent itself, scaled from the
    rent at the current multiplier."""
    terms: dict = {"rent_multiplier": multiple}
    if not (lease.area_m2 and lease.price_per_m2 and lease.relief_tier):
        base = (lease.monthly_rent - lease.surcharge) / (lease.rent_multiplier or 1)
        terms["monthly_rent"] = (base * multiple).quantize(CENT, ROUND_HALF_UP) + lease.surcharge
    return terms


def _check_exceptions(exceptions: dict, tiers: dict[int, set]) -> dict:
    """{pk: Override} checked: a known outcome, a reason, and for tiered rent one of
    the rule set's multiples."""
    checked = {}
    for pk, exc in exceptions.items():
        if exc.outcome not in Outcome.values:
            raise DomainError(_("Unknown outcome."), code="outcome")
        note = (exc.note or "").strip()
        if not note:
            raise DomainError(
                _("Give the reason for setting a different outcome."), code="exception_note"
            )
        multiple = None
        if exc.outcome == Outcome.TIERED:
            allowed = tiers.get(pk, set())
            if exc.multiple is None or Decimal(exc.multiple) not in allowed:
                raise DomainError(
                    _("Choose the rent multiple of one of the rule set's tiers: %(m)s")
                    % {"m": ", ".join(f"{m}×" for m in sorted(allowed))},
                    code="multiple",
                )
            multiple = Decimal(exc.multiple)
        elif exc.outcome == Outcome.QUALIFIES:
            multiple = Decimal("1.00")
        checked[pk] = Override(exc.outcome, note[:300], multiple)
    return checked


def _evidence(case: RecertCase, outcome: str, note: str) -> dict:
    """What the "must vacate" list shows: the campaign, the reasons that decided, and
    the exception's reason, in the district's language."""
    with translation.override(settings.LANGUAGE_CODE):
        evidence = {_("Recertification"): case.campaign.name}
        deciding = [r for r in case.reasons if r.get("outcome") == Outcome.MUST_EXIT]
        for index, reason in enumerate(deciding, 1):
            evidence[_("Reason %(n)s") % {"n": index}] = sentence(reason)
        if note:
            evidence[_("Computed outcome")] = str(Outcome(case.outcome).label)
            evidence[_("Confirmed as an exception because")] = note
        return {str(k): str(v) for k, v in evidence.items()}


def recert_confirm(
    cases,
    *,
    actor,
    effective_from: datetime.date | None = None,
    exceptions: dict | None = None,
    on: datetime.date | None = None,
) -> Confirmed:
    """Confirm the computed outcome of every unconfirmed case in `cases` (a queryset),
    or the exception staff set ({case pk: Override}). Tiered rent, or the return to
    normal rent of a household that qualifies again, takes effect from
    `effective_from` (by default the first day of next month): one rent change per
    lease. "Must exit" puts the household on the "must vacate" list with the reasons;
    "no declaration" stays with the community's follow-up. A case whose rent cannot
    change from that date (the month is billed, the lease ends before) is left
    unconfirmed and reported. The cases themselves are updated in bulk."""
    today = on or timezone.localdate()
    effective_from = effective_from or first_of_next_month(today)
    now = timezone.now()
    result = Confirmed()
    with transaction.atomic():
        rows = list(
            cases.exclude(status=RecertStatus.CONFIRMED)
            .exclude(outcome="")
            .select_for_update(of=("self",))
            .select_related("campaign", "household")
            .order_by("pk")
        )
        for case in rows:
            _check_open(case.campaign)
        by_pk = {c.pk: c for c in rows}
        exceptions = exceptions or {}
        missing = set(exceptions) - set(by_pk)
        if missing:
            raise DomainError(
                _("Only a computed, unconfirmed outcome can be set differently."),
                code="not_confirmable",
            )
        tier_multiples: dict[int, set] = {}
        for case in (by_pk[pk] for pk in exceptions):
            tier_multiples[case.pk] = set(
                RentTier.objects.filter(ruleset=case.campaign.ruleset_id).values_list(
                    "rent_multiple", flat=True
                )
            )
        exceptions = _check_exceptions(exceptions, tier_multiples)
        if not rows:
            raise DomainError(_("There is no computed outcome to confirm."), code="nothing")
        decided = {
            c.pk: (
                (exceptions[c.pk].outcome, exceptions[c.pk].multiple)
                if c.pk in exceptions
                else (c.outcome, c.rent_multiple)
            )
            for c in rows
        }
        leases = {
            lease.household_id: lease
            for lease in Lease.objects.filter(
                household_id__in=[c.household_id for c in rows], status=LeaseStatus.ACTIVE
            )
        }
        changed: set[int] = set()
        skipped: set[int] = set()
        for case in rows:
            outcome, multiple = decided[case.pk]
            if outcome not in (Outcome.TIERED, Outcome.QUALIFIES):
                continue
            lease = leases.get(case.household_id)
            target = Decimal(multiple or 1)
            if lease is None:
                if outcome == Outcome.TIERED:
                    skipped.add(case.pk)
                    result.skipped.append(
                        (case.household.number, _("The household has no active lease."))
                    )
                continue
            if lease.rent_multiplier == target:
                continue
            try:
                lease_rent_change(
                    lease,
                    actor=actor,
                    effective_from=effective_from,
                    reason=RentReason.RECERTIFICATION,
                    note=case.campaign.name,
                    **_rent_terms(lease, target),
                )
            except DomainError as exc:
                skipped.add(case.pk)
                result.skipped.append((case.household.number, str(exc.message)))
                continue
            changed.add(case.pk)
        confirmed = [c for c in rows if c.pk not in skipped]
        plain = [c.pk for c in confirmed if c.pk not in exceptions]
        stamp = {"status": RecertStatus.CONFIRMED, "confirmed_by": actor, "confirmed_at": now}
        for pks in _chunks(plain):
            RecertCase.objects.filter(pk__in=pks).update(
                confirmed_outcome=F("outcome"), confirmed_multiple=F("rent_multiple"), **stamp
            )
        for pks in _chunks(sorted(changed)):
            RecertCase.objects.filter(pk__in=pks).update(effective_from=effective_from)
        special = [c for c in confirmed if c.pk in exceptions]
        for case in special:
            override = exceptions[case.pk]
            case.confirmed_outcome, case.confirmed_multiple = override.outcome, override.multiple
            case.exception_note = override.note
            for name, value in stamp.items():
                setattr(case, name, value)
            case.effective_from = effective_from if case.pk in changed else None
        RecertCase.objects.bulk_update(
            special,
            [
                "confirmed_outcome",
                "confirmed_multiple",
                "exception_note",
                "status",
                "confirmed_by",
                "confirmed_at",
                "effective_from",
            ],
        )
        for case in confirmed:
            outcome, _m = decided[case.pk]
            if outcome != Outcome.MUST_EXIT:
                continue
            note = exceptions[case.pk].note if case.pk in exceptions else ""
            _listing, new = listing_add(
                case.household,
                actor=actor,
                reason=VacateReason.RECERTIFICATION,
                evidence=_evidence(case, outcome, note),
                lease=leases.get(case.household_id),
                on=today,
            )
            result.listed += int(new)
        audit.record_many(
            actor=actor,
            items=[
                (
                    "recert.confirm",
                    case,
                    {
                        "campaign": case.campaign.name,
                        "computed": case.outcome,
                        "outcome": decided[case.pk][0],
                        "multiple": decided[case.pk][1],
                        "exception_note": exceptions[case.pk].note if case.pk in exceptions else "",
                        "effective_from": effective_from if case.pk in changed else None,
                    },
                )
                for case in confirmed
            ],
        )
        timeline.add_many(_confirm_entry(case, decided, exceptions, actor) for case in confirmed)
    result.confirmed = len(confirmed)
    result.rent_changes = len(changed)
    return result


def _confirm_entry(case, decided, exceptions, actor) -> TimelineEntry:
    outcome, multiple = decided[case.pk]
    shown = f" ({Decimal(multiple).normalize()}×)" if outcome == Outcome.TIERED else ""
    if case.pk in exceptions:
        return _entry(
            "recert.exception",
            case.household_id,
            actor=actor,
            campaign=case.campaign.name,
            outcome=outcome,
            multiple=shown,
            computed=case.outcome,
            note=exceptions[case.pk].note,
        )
    return _entry(
        "recert.confirmed",
        case.household_id,
        actor=actor,
        campaign=case.campaign.name,
        outcome=outcome,
        multiple=shown,
    )
