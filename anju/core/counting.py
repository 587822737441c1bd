"""Per-row counts as correlated subqueries. A JOIN + GROUP BY over the whole table
would aggregate every row before LIMIT; a subquery is evaluated only for the rows a
page shows, each through an index on the foreign key."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_of(queryset, fk: str):
    """Annotation: how many rows of `queryset` point at the outer row through `fk`."""
    inner = (
        queryset.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(inner, output_field=IntegerField()), 0)
