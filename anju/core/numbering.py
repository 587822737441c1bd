"""Human-readable running numbers: a prefix (kind and year) and a zero-padded count,
e.g. SK2026000123. The unique constraint on the field is the guard against two
writers taking the same number at once; the second one's transaction fails and is
retried by the caller or the user."""


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
