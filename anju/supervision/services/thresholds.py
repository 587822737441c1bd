"""The authority's own values for the screening and inspection thresholds. A value
replaces the default of `anju.supervision.thresholds` and cites the document that set
it; resetting goes back to the default. Each change is audited with the value before
and after. Thresholds belong to no household or unit, so there is no timeline entry:
the audit log and the thresholds page (who changed it, when, on what authority) are
where a change is read."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError

from .. import thresholds
from ..models import ThresholdValue
from .screening import WINDOW_MAX, WINDOW_MIN

SOURCE_MAX = 200
# ThresholdValue.value is DECIMAL(10, 3).
PLACES = 3
LARGEST = Decimal("9999999.999")


def _bounds(threshold) -> tuple[Decimal, Decimal | None, bool]:
    """(lowest, highest or None, whole numbers only) for a threshold, from its unit."""
    if threshold.key == "window_days":
        return Decimal(WINDOW_MIN), Decimal(WINDOW_MAX), True
    if threshold.unit is thresholds.SHARE:
        return Decimal(0), Decimal(1), False
    if threshold.unit is thresholds.DAYS:
        return Decimal(1), None, True
    if threshold.unit is thresholds.COUNT:
        return Decimal(0), None, True
    return Decimal(0), None, False


def _text(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def _lookup(key: str):
    threshold = thresholds.BY_KEY.get(key)
    if threshold is None:
        raise DomainError(_("There is no threshold “%(key)s”.") % {"key": key}, code="unknown")
    return threshold


def _checked_source(source: str) -> str:
    source = (source or "").strip()
    if not source:
        raise DomainError(
            _("Name the document that sets the value (its number and date)."), code="source"
        )
    if len(source) > SOURCE_MAX:
        raise DomainError(
            _("The source document may be at most %(n)d characters.") % {"n": SOURCE_MAX},
            code="source",
        )
    return source


def threshold_check(key: str, value) -> Decimal:
    """The value as a Decimal if it is a sensible value for the threshold, else a
    DomainError saying what is wrong."""
    threshold = _lookup(key)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a number."), code="value") from None
    if not number.is_finite():
        raise DomainError(_("Enter a number."), code="value")
    lowest, highest, whole = _bounds(threshold)
    if whole and number != number.to_integral_value():
        raise DomainError(_("Enter a whole number."), code="value")
    if number.as_tuple().exponent < -PLACES:  # type: ignore[operator]
        raise DomainError(_("Enter at most %(n)d decimal places.") % {"n": PLACES}, code="value")
    top = highest if highest is not None else LARGEST
    if number < lowest or number > top:
        raise DomainError(
            _("Enter a value from %(low)s to %(high)s.") % {"low": lowest, "high": top},
            code="value",
        )
    return number


def threshold_set(key: str, value, *, actor, source: str) -> ThresholdValue:
    """Put the authority's value for one threshold in force."""
    number = threshold_check(key, value)
    source = _checked_source(source)
    threshold = thresholds.BY_KEY[key]
    with transaction.atomic():
        row = ThresholdValue.objects.select_for_update().filter(key=key).first()
        before = row.value if row is not None else threshold.default
        if row is None:
            row = ThresholdValue(key=key)
        row.value, row.source, row.changed_by = number, source, actor
        row.changed_at = timezone.now()
        row.save()
        audit.record(
            actor=actor,
            action="threshold.set",
            target=("supervision.thresholdvalue", key, str(threshold.label)),
            changes={"value": [_text(before), _text(number)], "source": source},
        )
    return row


def threshold_reset(key: str, *, actor, source: str) -> None:
    """Go back to the default in code for one threshold."""
    threshold = _lookup(key)
    source = _checked_source(source)
    with transaction.atomic():
        row = ThresholdValue.objects.select_for_update().filter(key=key).first()
        if row is None:
            raise DomainError(_("This threshold already has its default value."), code="default")
        before = row.value
        row.delete()
        audit.record(
            actor=actor,
            action="threshold.reset",
            target=("supervision.thresholdvalue", key, str(threshold.label)),
            changes={"value": [_text(before), _text(threshold.default)], "source": source},
        )
