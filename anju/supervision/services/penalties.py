"""The penalty arithmetic of a violation case (arts. 35 and 36 of Order No. 11, 2012):
pure functions of the rent history, the dates and the rule set's numbers, with the
workings kept line by line for the decision page and the notice. No database here.

The rules, as the authority applies them:

- **Market rent** is the contract rent × the rule set's `market_rent_multiple`.
- **Back rent at market price** (art. 36; art. 35 for a unit obtained by deception)
  runs from the day the breach began to the day of the decision, both counted. The
  contract rent of those days is billed by the monthly bill run as usual (and stays
  owed if unpaid), so what the case adds is the difference: for each calendar month,
  Σ over the rents in force that month of contract rent × (multiple − 1) × days covered
  ÷ days in the month, in cents, rounded half up once per month, never negative.
  Days that no lease rent covers add nothing.
- **The fine cap**: the rule set's `fine_cap` (1,000 yuan) where there was no illegal
  income; where the breach brought illegal income (art. 36 only),
  `illegal_income_multiple` × that income but no more than `illegal_income_fine_cap`
  (3×, 30,000 yuan). As art. 36 words it, the income clause replaces the plain cap, so
  a small income (under 1,000 ÷ 3) gives a cap under 1,000: a fine above the legal
  limit is void, one below it is not. Art. 35 has no illegal-income clause.
- **The fine** is what the officer chooses, up to the cap; left empty, it is the cap.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from anju.core.errors import DomainError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RentSpan:
    """A contract rent in force from `start` to `end` (both inclusive; None: open)."""

    start: datetime.date
    end: datetime.date | None
    monthly_rent: Decimal


@dataclass(frozen=True)
class Numbers:
    """The rule set's numbers the arithmetic uses (a RuleSet has these attributes)."""

    market_rent_multiple: Decimal
    fine_cap: Decimal
    illegal_income_multiple: Decimal
    illegal_income_fine_cap: Decimal

    @classmethod
    def of(cls, ruleset) -> Numbers:
        return cls(
            market_rent_multiple=Decimal(ruleset.market_rent_multiple),
            fine_cap=Decimal(ruleset.fine_cap),
            illegal_income_multiple=Decimal(ruleset.illegal_income_multiple),
            illegal_income_fine_cap=Decimal(ruleset.illegal_income_fine_cap),
        )


@dataclass
class Assessment:
    back_rent: Decimal = ZERO
    fine: Decimal = ZERO
    fine_cap: Decimal = ZERO
    # [{"code": …, "amount": "…", …}]: plain JSON, described in the reader's language.
    workings: list[dict] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.back_rent + self.fine


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _months(start: datetime.date, end: datetime.date):
    """(first day, last day) of each calendar month from start's to end's."""
    day = start.replace(day=1)
    while day <= end:
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        yield day, last
        day = last + datetime.timedelta(days=1)


def back_rent(
    spans: list[RentSpan], *, began: datetime.date, until: datetime.date, multiple: Decimal
) -> tuple[Decimal, list[dict]]:
    """Back rent at market price from `began` to `until` (both counted): the amount
    and its lines, one per month with rent in it."""
    if until < began:
        raise DomainError(_("The breach cannot begin after the decision."), code="bad_dates")
    extra = max(Decimal(multiple) - 1, ZERO)  # a multiple below 1 never pays money back
    lines: list[dict] = [
        {
            "code": "period",
            "began": began.isoformat(),
            "until": until.isoformat(),
            "days": (until - began).days + 1,
            "multiple": str(multiple),
        }
    ]
    total = ZERO
    for first, last in _months(began, until):
        month_days = last.day
        lo, hi = max(first, began), min(last, until)
        pieces = []
        for span in spans:
            s, e = max(lo, span.start), min(hi, span.end or hi)
            if e >= s:
                pieces.append((Decimal(span.monthly_rent), (e - s).days + 1))
        if not pieces:
            continue
        amount = _cents(sum((rent * extra * days for rent, days in pieces), ZERO) / month_days)
        total += amount
        lines.append(
            {
                "code": "month",
                "month": first.strftime("%Y-%m"),
                "pieces": [[_money(rent), days] for rent, days in pieces],
                "month_days": month_days,
                "multiple": str(multiple),
                "amount": _money(amount),
            }
        )
    lines.append({"code": "back_rent", "amount": _money(total)})
    return total, lines


def fine_cap(
    numbers: Numbers, *, illegal_income: Decimal | None, income_clause: bool = True
) -> tuple[Decimal, list[dict]]:
    """The highest fine allowed, and the line that shows why."""
    plain = Decimal(numbers.fine_cap)
    if not illegal_income or not income_clause:
        return plain, [{"code": "cap_plain", "amount": _money(plain)}]
    product = _cents(Decimal(illegal_income) * Decimal(numbers.illegal_income_multiple))
    cap = min(product, Decimal(numbers.illegal_income_fine_cap))
    return cap, [
        {
            "code": "cap_income",
            "income": _money(Decimal(illegal_income)),
            "multiple": str(numbers.illegal_income_multiple),
            "product": _money(product),
            "income_cap": _money(Decimal(numbers.illegal_income_fine_cap)),
            "amount": _money(cap),
        }
    ]


def assess(
    numbers: Numbers,
    *,
    spans: list[RentSpan],
    began: datetime.date | None,
    until: datetime.date,
    illegal_income: Decimal | None = None,
    fine: Decimal | None = None,
    income_clause: bool = True,
    with_back_rent: bool = True,
) -> Assessment:
    """Back rent and fine of one decision. `income_clause` is False under art. 35
    (no illegal-income cap); `fine` None means the cap."""
    if illegal_income is not None and illegal_income < 0:
        raise DomainError(_("Illegal income cannot be negative."), code="bad_income")
    if illegal_income and not income_clause:
        raise DomainError(
            _("Illegal income raises the fine cap only for the acts of art. 27 (art. 36)."),
            code="income_not_applicable",
        )
    out = Assessment()
    if with_back_rent:
        if began is None:
            raise DomainError(
                _("Give the day the breach began: back rent runs from it."),
                code="began_required",
            )
        out.back_rent, lines = back_rent(
            spans, began=began, until=until, multiple=numbers.market_rent_multiple
        )
        out.workings += lines
    out.fine_cap, lines = fine_cap(
        numbers, illegal_income=illegal_income, income_clause=income_clause
    )
    out.workings += lines
    if fine is None:
        fine = out.fine_cap
    fine = Decimal(fine)
    if fine < 0:
        raise DomainError(_("The fine cannot be negative."), code="bad_fine")
    if fine != fine.quantize(CENT):
        raise DomainError(_("The fine has more than two decimals."), code="bad_fine")
    if fine > out.fine_cap:
        raise DomainError(
            _("The fine of ¥%(fine)s is above the cap of ¥%(cap)s.")
            % {"fine": _money(fine), "cap": _money(out.fine_cap)},
            code="fine_above_cap",
        )
    out.fine = fine
    out.workings.append({"code": "fine", "amount": _money(fine), "cap": _money(out.fine_cap)})
    out.workings.append({"code": "total", "amount": _money(out.total)})
    return out


def describe(line: dict) -> str:
    """One line of the workings as a sentence in the reader's language."""
    code = line.get("code")
    if code == "period":
        return (
            _(
                "Breach from %(began)s to the decision on %(until)s: %(days)s days; market rent "
                "is %(multiple)s × the contract rent, which is billed as usual, so back rent is "
                "the difference."
            )
            % line
        )
    if code == "month":
        pieces = " + ".join(
            _("¥%(rent)s × %(days)s days") % {"rent": rent, "days": days}
            for rent, days in line["pieces"]
        )
        return _("%(month)s: (%(pieces)s) × (%(multiple)s − 1) ÷ %(month_days)s days") % {
            **line,
            "pieces": pieces,
        }
    if code == "back_rent":
        return _("Back rent at market price")
    if code == "cap_plain":
        return _("Fine cap without illegal income (art. 36 / art. 35)")
    if code == "cap_income":
        return (
            _(
                "Fine cap with illegal income: ¥%(income)s × %(multiple)s = ¥%(product)s, "
                "no more than ¥%(income_cap)s"
            )
            % line
        )
    if code == "fine":
        return _("Fine chosen (cap ¥%(cap)s)") % line
    if code == "total":
        return _("Total to pay")
    if code == "points":
        return _("Points: %(rule)s") % line
    return str(code)
