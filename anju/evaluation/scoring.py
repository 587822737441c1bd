"""From values to scores, totals and grades: the arithmetic of a scheme.

A line's score is 100 at its target or better and nought at `zero_at` or worse,
linear between. Which side is "better" follows from the two numbers: a target above
`zero_at` means higher is better, below it lower is better. A party's total is the
weighted mean of the scores it has; an indicator with nothing to measure is left out
and the other weights count for more."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def line_score(value, target, zero_at) -> Decimal | None:
    if value is None:
        return None
    value, target, zero_at = Decimal(value), Decimal(target), Decimal(zero_at)
    if target == zero_at:
        return HUNDRED if value == target else Decimal(0)
    fraction = (value - zero_at) / (target - zero_at)
    fraction = min(Decimal(1), max(Decimal(0), fraction))
    return (fraction * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def weighted_total(pairs) -> Decimal | None:
    """`pairs` of (weight, score); scores that are None are left out."""
    weight = Decimal(0)
    points = Decimal(0)
    for w, score in pairs:
        if score is None or not w:
            continue
        weight += Decimal(w)
        points += Decimal(w) * Decimal(score)
    if not weight:
        return None
    return (points / weight).quantize(CENT, rounding=ROUND_HALF_UP)
