from django import template
from django.utils.http import urlencode

from anju.core import timeline

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for paging and sorting)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return urlencode(sorted((k, v) for k in params for v in params.getlist(k)))


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(context, field, label):
    current = context["request"].GET.get("sort", "")
    descending = current == f"-{field}"
    active = current in (field, f"-{field}")
    params = context["request"].GET.copy()
    params["sort"] = field if descending or not active else f"-{field}"
    params.pop("page", None)
    return {"label": label, "active": active, "descending": descending, "query": params.urlencode()}


@register.filter
def thousands(value):
    """12345 → 12,345 in every language (Chinese statistics also group by thousands)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def timeline_text(entry):
    return timeline.render(entry)


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def record_type(label: str) -> str:
    """ "core.user" → the model's name in the reader's language ("user", "用户")."""
    from django.apps import apps

    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label
