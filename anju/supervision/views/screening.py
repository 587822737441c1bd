"""The screening pages (Perm.SUPERVISION_VIEW; each over the estates the user sees):
the results of a run, ranked by score and filtered, also as CSV and Excel; starting a
run (Perm.SCREENING_RUN) as a background job whose progress page leads back here;
dismissing a lead with its reason; and a unit's evidence page with the daily series
of its window. Raising an inspection from a lead is the inspections pages' action
(`flag_inspect`); its button shows once that page exists."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.export import xlsx_response
from anju.core.roles import Perm
from anju.households.models import Household, Member
from anju.housing.models import Unit

from .. import thresholds
from ..forms.screening import DismissForm, ResultsFilterForm, RunForm
from ..models import FlagKind, RunStatus, ScreeningFlag
from ..selectors import evidence as evidence_selectors
from ..selectors import screening as selectors
from ..services.flags import flag_dismiss
from ..services.screening import flags_csv, screening_job_start
from ..services.screening_rules import evidence_text

PAGE_SIZE = 50
FLAG_COLOURS = {
    FlagKind.IDLE: "azure",
    FlagKind.SUBLET: "red",
    FlagKind.OVERCROWDING: "orange",
    FlagKind.CHANGE_OF_USE: "purple",
}


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


def _run_from(request):
    """The run asked for by ?run=, else the latest finished one (None if none yet)."""
    pk = request.GET.get("run", "")
    if not pk:
        return selectors.latest_run()
    if not pk.isdigit():
        raise Http404
    return selectors.run_or_404(pk)


def _inspect_perm():
    """The permission of the inspections page's `flag_inspect`, or None while that page
    does not exist (the button is then not shown)."""
    try:
        match = resolve(reverse("flag_inspect", args=[1]))
    except NoReverseMatch:
        return None
    return getattr(match.func, "anju_perm", None) or Perm.INSPECT


def _can(user, perm) -> bool:
    perms = (perm,) if isinstance(perm, str) else perm
    return any(user.can(p) for p in perms)


# --- The results ------------------------------------------------------------------------


@staff_view(Perm.SUPERVISION_VIEW)
def screening_results(request):
    user = request.user
    run = _run_from(request)
    form = ResultsFilterForm(request.GET or None, user=user)
    flags = (
        selectors.flags_for(user, run, **form.filters()) if run else ScreeningFlag.objects.none()
    )
    wanted = request.GET.get("format")
    if run is not None and wanted in ("csv", "xlsx") and user.can(Perm.EXPORT):
        return _export(run, flags, wanted)
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    _in_readers_language(page)
    inspect_perm = _inspect_perm()
    runs = selectors.runs_for(user)
    context = {
        "run": run,
        "form": form,
        "page": page,
        "colours": FLAG_COLOURS,
        "can_inspect": inspect_perm is not None and _can(user, inspect_perm),
        "can_dismiss": user.can(Perm.SCREENING_RUN),
        "dismiss_form": DismissForm(),
        "here": request.get_full_path(),
        "runs": runs,
        "running": [r for r in runs if r.status == RunStatus.RUNNING],
        "counts": selectors.flag_counts(user, run) if run else {},
        "window_start": evidence_selectors.window_of(run, today=run.until).start if run else None,
        "kinds": FlagKind.choices,
        "run_form": RunForm() if user.can(Perm.SCREENING_RUN) else None,
    }
    return render(request, "supervision/screening/results.html", context)


def _sentence(flag) -> str:
    """The flag's evidence written again from its features in the reader's language (a
    run writes it in the language of whoever started it)."""
    try:
        return evidence_text(flag.flag, flag.features)
    except (KeyError, TypeError, ValueError):  # a flag kept without its full features
        return flag.evidence


def _in_readers_language(flags) -> None:
    for flag in flags:
        flag.sentence = _sentence(flag)


def _export(run, flags, wanted):
    name = f"screening-{run.until:%Y-%m-%d}-{run.pk}"
    if wanted == "xlsx":
        return xlsx_response(
            f"{name}.xlsx",
            [
                _("Unit"),
                _("Estate"),
                _("Household no."),
                _("Flag"),
                _("Score"),
                _("Evidence"),
                _("Status"),
            ],
            (
                [
                    f.unit.code,
                    f.estate.name,
                    f.household.number if f.household else "",
                    f.get_flag_display(),
                    float(f.score),
                    _sentence(f),
                    f.get_status_display(),
                ]
                for f in flags.iterator(2000)
            ),
        )
    # The same file as `anju screen --output`, so one reader takes both.
    response = HttpResponse(flags_csv(run, flags), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@staff_view(Perm.SCREENING_RUN, methods=("POST",))
def screening_run_start(request):
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("screening_results")
    try:
        job = screening_job_start(
            actor=request.user,
            until=form.cleaned_data["until"],
            window_days=form.cleaned_data["window_days"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("screening_results")
    return redirect("job_detail", pk=job.pk)


# --- Dismissing a lead ------------------------------------------------------------------


def _flag(user, pk):
    return selectors.flag_for_user(user, pk)


@staff_view(Perm.SCREENING_RUN, find=_flag, methods=("POST",))
def flag_dismiss_view(request, flag, pk):
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
    else:
        try:
            flag_dismiss(flag, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The lead “%(flag)s” on %(unit)s is dismissed: %(reason)s")
                % {
                    "flag": flag.get_flag_display(),
                    "unit": flag.unit.code,
                    "reason": flag.dismissed_reason,
                },
            )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(f"{reverse('screening_results')}?run={flag.run_id}")


# --- A unit's evidence ------------------------------------------------------------------


def _unit(user, pk):
    return get_or_404(Unit.objects.visible_to(user).select_related("estate", "building"), pk=pk)


# The screening's features (see anju.supervision.services.screening), in the order the
# page lists them; a run's (key, first day, last day) span is shown with its length.
FEATURES = [
    ("household_size", gettext_lazy("Household members")),
    ("observed_days", gettext_lazy("Days the access shares are counted over")),
    ("lock_days", gettext_lazy("Days the lock reported")),
    ("registered_days", gettext_lazy("Days a registered member came in")),
    ("regular_members", gettext_lazy("Members seen regularly")),
    ("unregistered_days", gettext_lazy("Days an unregistered credential came in")),
    ("unregistered_credentials", gettext_lazy("Unregistered credentials")),
    ("regular_unregistered", gettext_lazy("Unregistered credentials seen regularly")),
    ("passing_visitors", gettext_lazy("Passing visitors")),
    ("elec_kwh_per_day", gettext_lazy("Electricity, kWh/day")),
    ("elec_median", gettext_lazy("Median electricity, same household size")),
    ("elec_ratio", gettext_lazy("Electricity ÷ median")),
    ("water_m3_per_day", gettext_lazy("Water, m³/day")),
    ("water_median", gettext_lazy("Median water, same household size")),
    ("water_ratio", gettext_lazy("Water ÷ median")),
    ("median_scope", gettext_lazy("Median taken over")),
    ("meter_days", gettext_lazy("Days with meter data")),
    ("meter_resets", gettext_lazy("Meter registers that went backwards")),
    ("quiet_run_days", gettext_lazy("Longest run with no access and no use")),
    ("lock_silent_run", gettext_lazy("Longest run the lock sent nothing")),
    ("lock_silent_use_days", gettext_lazy("Of those days, with electricity above standby")),
    ("lock_silent", gettext_lazy("Lock silent while the meters showed use")),
]
SPANS = {"quiet_run_days": "quiet", "lock_silent_run": "lock_silent"}
SCOPES = {"estate": gettext_lazy("the estate"), "district": gettext_lazy("the district")}
HIDDEN = {"window_days", "window_from", "window_to", "passing_days"}


def _feature_value(features: dict, key: str) -> str:
    value = features.get(key)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "median_scope":
        return str(SCOPES.get(value, value))
    if key in SPANS and value:
        start, end = features.get(f"{SPANS[key]}_from"), features.get(f"{SPANS[key]}_to")
        if start and end:
            return _("%(n)s days (%(start)s to %(end)s)") % {"n": value, "start": start, "end": end}
    return str(value)


def _feature_rows(features: dict) -> list[tuple[str, str]]:
    """(label, value) rows of a flag's features; keys this page does not know yet are
    listed after the others under their own names."""
    known = {key for key, _label in FEATURES}
    spans = {f"{span}_{end}" for span in SPANS.values() for end in ("from", "to")}
    rows = [
        (str(label), _feature_value(features, key)) for key, label in FEATURES if key in features
    ]
    rows += [
        (key, _feature_value(features, key))
        for key in features
        if key not in known and key not in HIDDEN and key not in spans
    ]
    return rows


@staff_view(Perm.SUPERVISION_VIEW, find=_unit)
def screening_evidence(request, unit, pk):
    run = _run_from(request) if "run" in request.GET else None
    flags = []
    if run is not None:
        flags = list(selectors.flags_for(request.user, run).filter(unit=unit))
        _in_readers_language(flags)
    household = next((f.household for f in flags if f.household), None)
    if household is None:
        household = Household.objects.filter(unit=unit).select_related("head").first()
    members = (
        list(Member.objects.filter(household=household, left_at__isnull=True).order_by("id"))
        if household
        else []
    )
    values = {key: str(value) for key, value in thresholds.current().items()}
    if run is not None:
        values |= run.thresholds  # the values the run used, where it kept them
    window = evidence_selectors.window_of(run, today=timezone.localdate())
    features = flags[0].features if flags else None
    series = evidence_selectors.evidence_series(unit, window, values=values, features=features)
    summary = dict(series["summary"])
    if features:
        # The run's own figures, so the page says what the evidence sentence says.
        summary |= {
            key: features[source]
            for key, source in (
                ("member_days", "registered_days"),
                ("other_days", "unregistered_days"),
                ("longest_quiet", "quiet_run_days"),
                ("electricity", "elec_kwh_per_day"),
                ("electricity_median", "elec_median"),
                ("water", "water_m3_per_day"),
                ("water_median", "water_median"),
                ("scope", "median_scope"),
            )
            if source in features
        }
    series["labels"] = {
        "members": _("Registered members seen"),
        "unregistered": _("Unregistered credentials seen"),
        "member_openings": _("Openings by members"),
        "other_openings": _("Openings by unregistered credentials"),
        "unit": _("This unit"),
        "median": (
            _("District median, same household size")
            if series["scope"] == "district"
            else _("Estate median, same household size")
        ),
        "standby": _("Empty home"),
        "no_access": _("Nobody opened the door in the window."),
        "kwh": _("kWh/day"),
        "m3": _("m³/day"),
    }
    inspect_perm = _inspect_perm()
    history = list(
        ScreeningFlag.objects.filter(unit=unit)
        .exclude(run=run)
        .select_related("run")
        .order_by("-run__started_at", "-run_id", "flag")[:20]
    )
    return render(
        request,
        "supervision/screening/evidence.html",
        {
            "unit": unit,
            "run": run,
            "flags": flags,
            "features": _feature_rows(features) if features else [],
            "household": household,
            "members": members,
            "window": window,
            "summary": summary,
            "series": series,
            "history": history,
            "colours": FLAG_COLOURS,
            "can_inspect": inspect_perm is not None and _can(request.user, inspect_perm),
            "can_dismiss": request.user.can(Perm.SCREENING_RUN),
            "dismiss_form": DismissForm(),
            "here": request.get_full_path(),
        },
    )


urlpatterns = [
    path("supervision/screening/", screening_results, name="screening_results"),
    path("supervision/screening/run/", screening_run_start, name="screening_run_start"),
    path("supervision/screening/flags/<int:pk>/dismiss/", flag_dismiss_view, name="flag_dismiss"),
    path("supervision/screening/units/<int:pk>/", screening_evidence, name="screening_evidence"),
]
