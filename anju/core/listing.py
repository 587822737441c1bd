"""The shared behaviour of list pages: sorting by a whitelisted column, paging, an
htmx partial for the table, and Excel export of the same rows."""

from django.core.paginator import Paginator
from django.shortcuts import render

from .export import xlsx_response


def sorted_by(queryset, request, allowed: set[str], default: str, unique=frozenset()):
    """Order by the requested column if it is allowed. A non-unique column gets the primary
    key as a tie-breaker so pages are stable; a unique one does not need it, and leaving
    it out lets the database walk the column's index instead of sorting the table."""
    key = request.GET.get("sort", default)
    if key.lstrip("-") not in allowed:
        key = default
    return queryset.order_by(key) if key.lstrip("-") in unique else queryset.order_by(key, "pk")


def list_page(request, template, queryset, context, *, export=None, page_size=50):
    """Render the page, its htmx table partial, or (with ?format=xlsx) the Excel file.
    `export` is (filename, headers, row_function)."""
    if export and request.GET.get("format") == "xlsx" and request.user.can("export"):
        filename, headers, row = export
        return xlsx_response(filename, headers, (row(obj) for obj in queryset.iterator(2000)))
    page = Paginator(queryset, page_size).get_page(request.GET.get("page"))
    context = {**context, "page": page}
    if request.htmx and not request.htmx.boosted:
        return render(request, f"{template}#table", context)
    return render(request, template, context)
