"""The thresholds page (Perm.SUPERVISION_VIEW): every screening and inspection
threshold with the value in force, its default, its unit and the reason for it; and
the thresholds report, which follows the flags of the last runs to what inspections
found, so the authority can see whether a threshold is too loose. Setting a value, or
going back to the default, is the authority's (Perm.RULES_MANAGE) and cites the
document that decided it."""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.core.roles import Perm

from .. import thresholds
from ..forms.screening import ReportForm, ThresholdForm
from ..models import ThresholdValue
from ..selectors import screening as selectors
from ..services.thresholds import threshold_reset, threshold_set

GROUPS = {
    "screening": gettext_lazy("Screening"),
    "inspection": gettext_lazy("Inspections"),
    "tips": gettext_lazy("Tips"),
}
HISTORY = 20


def plain(value: Decimal) -> str:
    """90.000 → 90, 0.100 → 0.1: the number as the authority's document writes it."""
    return f"{Decimal(value).normalize():f}"


def _row(threshold, row: ThresholdValue | None) -> dict:
    return {
        "t": threshold,
        "value": plain(row.value if row else threshold.default),
        "default": plain(threshold.default),
        "changed": row,
    }


@staff_view(Perm.SUPERVISION_VIEW)
def screening_thresholds(request):
    set_values = {r.key: r for r in ThresholdValue.objects.select_related("changed_by")}
    # The known groups in their order, then any other a threshold names.
    keys = list(GROUPS) + sorted({t.group for t in thresholds.THRESHOLDS} - set(GROUPS))
    groups = [
        (
            key,
            GROUPS.get(key, key),
            [_row(t, set_values.get(t.key)) for t in thresholds.THRESHOLDS if t.group == key],
        )
        for key in keys
    ]
    report_form = ReportForm(request.GET or None)
    runs = selectors.report_runs(report_form.count())
    kinds, total = selectors.thresholds_report(request.user, runs)
    return render(
        request,
        "supervision/screening/thresholds.html",
        {
            "groups": groups,
            "report_form": report_form,
            "runs": runs,
            "oldest": min((r.until for r in runs), default=None),
            "newest": max((r.until for r in runs), default=None),
            "kinds": kinds,
            "total": total,
            "can_edit": request.user.can(Perm.RULES_MANAGE),
        },
    )


def _threshold(user, key):
    threshold = thresholds.BY_KEY.get(key)
    if threshold is None:
        raise Http404
    return threshold


@staff_view(Perm.RULES_MANAGE, find=_threshold, methods=("GET", "POST"))
def threshold_edit(request, threshold, key):
    row = ThresholdValue.objects.select_related("changed_by").filter(key=key).first()
    form = ThresholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resetting = request.POST.get("action") == "reset"
        try:
            if resetting:
                threshold_reset(key, actor=request.user, source=form.cleaned_data["source"])
            else:
                threshold_set(
                    key,
                    form.cleaned_data["value"],
                    actor=request.user,
                    source=form.cleaned_data["source"],
                )
        except DomainError as exc:
            form.add_error("source" if exc.code == "source" else "value", exc.message)
        else:
            now = plain(thresholds.value(key))
            messages.success(
                request,
                (
                    _("“%(label)s” is back to its default, %(value)s %(unit)s.")
                    if resetting
                    else _("“%(label)s” is now %(value)s %(unit)s.")
                )
                % {"label": threshold.label, "value": now, "unit": threshold.unit},
            )
            return redirect(f"{reverse('screening_thresholds')}#t-{key}")
    history = AuditEntry.objects.filter(
        target_type="supervision.thresholdvalue", target_id=key
    ).order_by("-id")[:HISTORY]
    return render(
        request,
        "supervision/screening/threshold_edit.html",
        {"row": _row(threshold, row), "form": form, "history": history},
    )


urlpatterns = [
    path("supervision/screening/thresholds/", screening_thresholds, name="screening_thresholds"),
    path("supervision/screening/thresholds/<slug:key>/", threshold_edit, name="threshold_edit"),
]
