"""The outcome of one household's recertification (年审), from what it declared and the
rule set of the campaign. `outcome_for` is pure: the single path (one case, its
declaration read through the ORM) and the bulk path (a whole campaign, read with one
query) both call it and must agree. docs/recertification.md states the rules.

Each reason is {"code", "outcome", "actual", "limit"}, with plain numbers as strings
("4016.00", "2.51"); `sentence` puts one in words in the reader's language, in the
style of the admission pre-check ("what actual ≤ limit: outcome").

Boundaries are inclusive as written. Per-capita income is rounded to the cent (half
up). Its ratio to the category's limit is shown to the cent rounded *up*, and the bands
are compared with that shown ratio: every band edge is itself a whole cent, so rounding
up keeps the ratio on the same side of each edge as the exact quotient, and the verdict
always agrees with the number on the page (8,000.01 against 1,600 is 5.000006×, shown
5.01×, above 5.00×: must exit)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from ..models import HousingAcquired, Outcome

CENT = Decimal("0.01")
ONE = Decimal("1.00")
# The outcomes as plain strings: the reasons are written 100,000 at a time.
QUALIFIES = Outcome.QUALIFIES.value
TIERED = Outcome.TIERED.value
MUST_EXIT = Outcome.MUST_EXIT.value


@dataclass(frozen=True)
class Facts:
    """What the outcome reads of one declaration. `youngest_birth` is the birth date of
    the youngest member living in the unit, None when any of theirs is unknown."""

    member_count: int
    total_income: Decimal
    deposits: Decimal
    housing_acquired: str
    other_subsidised: bool
    youngest_birth: date | None
    on: date  # the campaign's date, for the ages


def facts_of(declaration, on: date) -> Facts:
    """The facts of a saved declaration (one query for its members)."""
    births = [m.birth_date for m in declaration.members.all() if m.present]
    return Facts(
        member_count=declaration.member_count,
        total_income=declaration.total_income,
        deposits=declaration.deposits,
        housing_acquired=declaration.housing_acquired,
        other_subsidised=declaration.other_subsidised,
        youngest_birth=None if (not births or None in births) else max(births),
        on=on,
    )


def age_on(birth: date, on: date) -> int:
    """Whole years on `on`; the birthday itself counts."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def per_capita(total: Decimal, count: int) -> Decimal:
    return (Decimal(total) / max(count, 1)).quantize(CENT, ROUND_HALF_UP)


def ratio_of(amount: Decimal, limit: Decimal) -> Decimal:
    """`amount` ÷ `limit`, rounded up to the cent (see the module's note)."""
    return (Decimal(amount) / Decimal(limit)).quantize(CENT, ROUND_CEILING)


def _plain(value) -> str:
    """A number read from the database or given by a caller, to the cent, as text."""
    return str(Decimal(value).quantize(CENT))


def _reason(code: str, outcome: str, actual: str = "", limit: str = "") -> dict:
    return {"code": code, "outcome": outcome, "actual": actual, "limit": limit}


def outcome_for(
    facts: Facts, rule, tiers: Sequence, ruleset
) -> tuple[str, Decimal | None, list[dict]]:
    """(outcome, rent multiple, reasons) for one declaration. `rule` is the category's
    CategoryRule (income_limit, deposit_limit) or None; `tiers` the rule set's RentTier
    rows (above, up_to, rent_multiple); `ruleset` gives exit_asset_multiple and
    tier_exempt_age. The multiple is the tier's for TIERED, 1.00 for QUALIFIES, and
    None for MUST_EXIT."""
    acquired = facts.housing_acquired not in ("", HousingAcquired.NONE)
    reasons = [
        _reason(
            "housing",
            MUST_EXIT if acquired else QUALIFIES,
            facts.housing_acquired or HousingAcquired.NONE.value,
            HousingAcquired.NONE.value,
        ),
        _reason(
            "subsidised",
            MUST_EXIT if facts.other_subsidised else QUALIFIES,
            "yes" if facts.other_subsidised else "no",
            "no",
        ),
    ]
    exits = acquired or facts.other_subsidised
    deposit_limit = getattr(rule, "deposit_limit", None)
    if deposit_limit is not None:
        cap = (Decimal(ruleset.exit_asset_multiple) * Decimal(deposit_limit)).quantize(CENT)
        over = Decimal(facts.deposits) > cap
        exits = exits or over
        reasons.append(
            _reason("deposits", MUST_EXIT if over else QUALIFIES, _plain(facts.deposits), str(cap))
        )
    income, multiple = QUALIFIES, ONE
    income_limit = getattr(rule, "income_limit", None)
    if not income_limit:
        reasons.append(_reason("no_limit", QUALIFIES))
    else:
        income, multiple = _income(facts, income_limit, tiers, ruleset, reasons)
    if exits or income == MUST_EXIT:
        return Outcome.MUST_EXIT, None, reasons
    if income == TIERED:
        return Outcome.TIERED, multiple, reasons
    return Outcome.QUALIFIES, ONE, reasons


def _income(facts: Facts, limit, tiers, ruleset, reasons: list) -> tuple[str, Decimal]:
    """The income's outcome and multiple; its reasons are added to `reasons`."""
    capita = per_capita(facts.total_income, facts.member_count)
    ratio = ratio_of(capita, limit)
    outcome, multiple, bound = QUALIFIES, ONE, None
    top = max((t.up_to for t in tiers), default=None)
    if top is not None and ratio > top:
        outcome, bound = MUST_EXIT, top
    else:
        band = next((t for t in tiers if t.above < ratio <= t.up_to), None)
        if band is not None:
            outcome, multiple, bound = TIERED, Decimal(band.rent_multiple), band.up_to
        else:
            # Below the lowest band (or in a gap between two): the next band's floor.
            bound = min((t.above for t in tiers if t.above >= ratio), default=None)
    # `capita` and `ratio` are already rounded to the cent.
    reasons.append(_reason("per_capita", outcome, str(capita), _plain(limit)))
    if bound is not None:
        reasons.append(_reason("income", outcome, str(ratio), _plain(bound)))
    if outcome == TIERED and ruleset.tier_exempt_age is not None and facts.youngest_birth:
        youngest = age_on(facts.youngest_birth, facts.on)
        if youngest >= ruleset.tier_exempt_age:
            # The income reasons stay as computed; the exemption decides.
            reasons.append(
                _reason("exempt", QUALIFIES, str(youngest), str(ruleset.tier_exempt_age))
            )
            return QUALIFIES, ONE
    return outcome, multiple


def no_declaration(declare_by: date) -> tuple[str, None, list[dict]]:
    return (
        Outcome.NO_DECLARATION,
        None,
        [_reason("no_declaration", Outcome.NO_DECLARATION.value, "", declare_by.isoformat())],
    )


# --- In words ---------------------------------------------------------------------


def _num(value: str) -> str:
    """ "4016.00" → "4,016"; "4016.50" → "4,016.50"; text stays as it is."""
    try:
        number = Decimal(value)
    except ArithmeticError:
        return value
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.quantize(CENT):,}"


def _times(value: str) -> str:
    """ "2.50" → "2.50×"."""
    try:
        return f"{Decimal(value).quantize(CENT)}×"
    except ArithmeticError:
        return value


def sentence(reason: dict) -> str:
    """One reason in words, in the reader's language."""
    code, outcome = reason.get("code", ""), reason.get("outcome", "")
    actual, limit = reason.get("actual", ""), reason.get("limit", "")
    words = Outcome(outcome).label if outcome in Outcome.values else outcome
    values = {"actual": _num(actual), "limit": _num(limit), "outcome": words}
    if code == "housing":
        if outcome == Outcome.MUST_EXIT:
            how = HousingAcquired(actual).label if actual in HousingAcquired.values else actual
            return _("other housing acquired (%(how)s): %(outcome)s") % {**values, "how": how}
        return _("no other housing acquired: %(outcome)s") % values
    if code == "subsidised":
        if outcome == Outcome.MUST_EXIT:
            return _("rents or owns other subsidised housing: %(outcome)s") % values
        return _("rents or owns no other subsidised housing: %(outcome)s") % values
    if code == "deposits":
        sign = ">" if outcome == Outcome.MUST_EXIT else "≤"
        return _(
            "household deposits (yuan) %(actual)s %(sign)s %(limit)s, the limit for "
            "leaving: %(outcome)s"
        ) % {**values, "sign": sign}
    if code == "per_capita":
        return _(
            "per-capita monthly income (yuan) %(actual)s; the category's limit is %(limit)s"
        ) % (values)
    if code == "income":
        values = {**values, "actual": _times(actual), "limit": _times(limit)}
        if outcome == Outcome.MUST_EXIT:
            return (
                _(
                    "per-capita income %(actual)s the limit > %(limit)s, the highest band: "
                    "%(outcome)s"
                )
                % values
            )
        if outcome == Outcome.TIERED:
            return (
                _(
                    "per-capita income %(actual)s the limit, in the band up to %(limit)s: "
                    "%(outcome)s"
                )
                % values
            )
        return _("per-capita income %(actual)s the limit ≤ %(limit)s: %(outcome)s") % values
    if code == "exempt":
        return (
            _(
                "every member living in the unit is %(limit)s or older (the youngest is "
                "%(actual)s): no tiered rent: %(outcome)s"
            )
            % values
        )
    if code == "no_declaration":
        return _("no declaration by %(limit)s: %(outcome)s") % {**values, "limit": limit}
    if code == "no_limit":
        return _("the rules set no income limit for this category: income not checked")
    return f"{code}: {words}"
