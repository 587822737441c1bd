"""Human-readable running numbers: a prefix (kind and year) and a zero-padded count,
e.g. SK2026000123. The unique constraint on the field is the guard against two
writers taking the same number at once: the second one's write fails, and
`with_fresh_number` runs it again, in a savepoint of its own, with the next number."""

from collections.abc import Callable

from django.db import IntegrityError, transaction


def next_numbers(model, prefix: str, count: int = 1, *, field: str = "number", width: int = 6):
    last = (
        model.objects.filter(**{f"{field}__startswith": prefix})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    start = int(last[len(prefix) :]) + 1 if last else 1
    return [f"{prefix}{n:0{width}d}" for n in range(start, start + count)]


def next_number(model, prefix: str, *, field: str = "number", width: int = 6) -> str:
    return next_numbers(model, prefix, 1, field=field, width=width)[0]


def with_fresh_number[T](write: Callable[[], T], *, attempts: int = 3) -> T:
    """Run `write`, which takes a running number with `next_number` (or `next_numbers`)
    and saves the record, in a savepoint of its own; when another writer took the same
    number first (the unique constraint fails), run it again with the next number.
    After `attempts` tries the IntegrityError propagates, with nothing of `write` kept.

    Any IntegrityError counts, not only the number's: a caller that knows of another
    constraint `write` can break (one live case per household, say) catches the error
    around this call and says what it means."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return write()
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
