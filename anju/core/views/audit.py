from datetime import datetime, time

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from anju.core.access import staff_view
from anju.core.forms import AuditFilterForm
from anju.core.models import AuditEntry, AuditKind
from anju.core.roles import Perm


@staff_view(Perm.AUDIT_VIEW)
def audit_log(request):
    """Both logs, the change log and the personal-data access log, searchable by person,
    record and date. Read-only: nothing here deletes or edits an entry."""
    kind = request.GET.get("kind", AuditKind.CHANGE)
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.select_related("actor").order_by("-id")
    if kind in AuditKind.values:
        entries = entries.filter(kind=kind)
    if form.is_valid():
        d = form.cleaned_data
        if d["person"]:
            entries = entries.filter(
                Q(actor_label__icontains=d["person"]) | Q(actor__full_name__icontains=d["person"])
            )
        if d["record"]:
            r = d["record"]
            entries = entries.filter(
                Q(target_label__icontains=r) | Q(target_id=r) | Q(target_type__icontains=r)
            )
        tz = timezone.get_current_timezone()
        if d["date_from"]:
            entries = entries.filter(at__gte=datetime.combine(d["date_from"], time.min, tz))
        if d["date_to"]:
            entries = entries.filter(at__lte=datetime.combine(d["date_to"], time.max, tz))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "form": form,
            "kind": kind,
            "kinds": AuditKind.choices,
        },
    )
