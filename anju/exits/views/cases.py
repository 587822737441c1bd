"""Exit cases (退出): the list (by stage, reason, estate, overdue; exported to Excel or
CSV), a case's page (legal basis, evidence, the stages, the next deadline, the notice,
the rents, the bills, the court, the handover and the settlement, and what may be
done now), and one page or button per step:

- opening: from a “must vacate” listing, from a violation case that decided a
  recovery, or at the counter for a household (Perm.EXIT_MANAGE);
- the decision and the vacate notice with its preview (Perm.EXIT_DECIDE, the
  authority); the notice PDF (Perm.EXITS_VIEW);
- court steps (Perm.EXIT_MANAGE); taking an overstay to court and withdrawing a case
  (Perm.EXIT_DECIDE).

The move-out handover and the deposit settlement have their own pages
(views/handovers.py); the nightly task moves overstays on and bills them."""

import csv
import io
from functools import wraps

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page, sorted_by
from anju.core.roles import Perm

from ..forms.cases import (
    CourtStepForm,
    DecideForm,
    ExitFilterForm,
    ExitOpenForm,
    NoteForm,
    NoticeForm,
    ReasonForm,
    errors_text,
)
from ..models import (
    COURT_REASONS,
    FINISHED,
    IN_UNIT,
    LEGAL_BASIS,
    ExitChannel,
    ExitReason,
    Stage,
    Track,
)
from ..selectors import cases as selectors
from ..services import cases as services
from ..services.court import legal_step_record

SORTS = {"number", "opened_on", "due_on", "stage"}


# --- The list -----------------------------------------------------------------------------


def _export_headers():
    return [
        _("Case no."),
        _("Reason"),
        _("Stage"),
        _("Household no."),
        _("Head of household"),
        _("Estate"),
        _("Unit"),
        _("Opened"),
        _("Opened from"),
        _("Decided"),
        _("Notice no."),
        _("Vacate by"),
        _("Next deadline"),
        _("Overdue"),
        _("Rent in the moving period (yuan)"),
        _("Market rent after it (yuan)"),
    ]


def _export_row(today):
    def row(c):
        overdue = bool(c.due_on and c.due_on < today and c.stage not in FINISHED)
        return [
            c.number,
            c.get_reason_display(),
            c.get_stage_display(),
            c.household.number,
            c.household.head.name if c.household.head else "",
            c.estate.name,
            c.unit.code,
            c.opened_on,
            c.get_channel_display(),
            c.decided_on,
            c.notice_number,
            c.vacate_by,
            c.due_on,
            _("yes") if overdue else "",
            c.moving_rent,
            c.market_rent,
        ]

    return row


def _csv(filename, headers, rows):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens a UTF-8 file with its byte-order mark as UTF-8
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_view(Perm.EXITS_VIEW)
def case_list(request):
    query = request.GET.copy()
    if "stage" not in query:
        query["stage"] = "live"
    form = ExitFilterForm(query, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {"stage": "live"}
    today = timezone.localdate()
    cases = selectors.case_list(
        request.user,
        stage=filters.get("stage", ""),
        reason=filters.get("reason", ""),
        estate=filters.get("estate"),
        overdue=filters.get("overdue", False),
        q=(filters.get("q") or "").strip(),
        household=filters.get("household"),
    )
    cases = sorted_by(cases, request, SORTS, "-opened_on")
    row = _export_row(today)
    if request.GET.get("format") == "csv" and request.user.can(Perm.EXPORT):
        return _csv("exit-cases.csv", _export_headers(), (row(c) for c in cases.iterator(2000)))
    household = None
    if filters.get("household"):
        household = selectors.household_or_none(request.user, filters["household"])
    return list_page(
        request,
        "exits/cases/list.html",
        cases,
        {
            "filter": {"form": form},
            "today": today,
            "household": household,
            "household_live": selectors.live_case_of(household) if household else None,
        },
        export=("exit-cases.xlsx", _export_headers(), row),
    )


# --- One case -----------------------------------------------------------------------------


@staff_view(Perm.EXITS_VIEW, find=selectors.case_for_user)
def case_detail(request, case, pk):
    today = timezone.localdate()
    user = request.user
    stage = Stage(case.stage)
    handover = selectors.case_handover(case)
    settlement = selectors.case_settlement(case)
    steps = selectors.case_steps(case)
    preview = None
    if stage == Stage.DECIDED:
        # What a notice issued today would say: the deadline and the rents to come.
        try:
            preview = services.notice_preview(case, on=today)
        except DomainError:
            preview = None
    contract_rent = services.current_rent(case.lease)
    overdue = bool(case.due_on and case.due_on < today and case.stage not in FINISHED)
    return render(
        request,
        "exits/cases/detail.html",
        {
            "case": case,
            "household": case.household,
            "today": today,
            "strip": selectors.stage_strip(case),
            "overdue": overdue,
            "overdue_days": (today - case.due_on).days if overdue else 0,
            "bills": selectors.case_bills(case),
            "steps": steps,
            "last_step": steps[-1] if steps else None,
            "handover": handover,
            "settlement": settlement,
            "history": selectors.case_history(case),
            "preview": preview,
            "contract_rent": contract_rent,
            "court_track": case.track == Track.LITIGATION
            or (not case.track and case.reason in COURT_REASONS),
            "in_unit": stage in IN_UNIT,
            "may_manage": user.can(Perm.EXIT_MANAGE),
            "may_decide": user.can(Perm.EXIT_DECIDE),
            "may_handover": user.can(Perm.HANDOVER),
            "can_court": stage in (Stage.OVERSTAY, Stage.LITIGATION),
            "can_litigate": stage == Stage.OVERSTAY,
            "can_withdraw": stage in IN_UNIT,
            "can_hand_over": stage in (Stage.MOVING, Stage.OVERSTAY, Stage.LITIGATION)
            and handover is None,
            "can_settle": stage == Stage.HANDED_OVER and settlement is None,
            "withdraw_form": ReasonForm(),
            "litigate_form": NoteForm(),
        },
    )


def _back(case):
    return redirect("exit_case", pk=case.pk)


def _wrong_stage(request, case, message):
    messages.error(request, message)
    return _back(case)


# --- Opening ------------------------------------------------------------------------------


@staff_view(Perm.EXIT_MANAGE, find=selectors.listing_for_user, methods=("POST",))
def case_from_listing(request, listing, pk):
    try:
        case = services.case_from_listing(listing, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("vacate_list")
    messages.success(
        request,
        _("Exit case %(n)s opened from the “must vacate” list. The authority decides next.")
        % {"n": case.number},
    )
    return _back(case)


@staff_view(Perm.EXIT_MANAGE, find=selectors.violation_for_user, methods=("POST",))
def case_from_violation(request, violation, pk):
    try:
        case = services.case_from_violation(violation, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("case_detail", pk=violation.pk)
    messages.success(
        request,
        _("Exit case %(n)s opened from violation case %(v)s. The authority decides next.")
        % {"n": case.number, "v": violation.number},
    )
    return _back(case)


def household_param(view):
    """Hands the counter form's `?household=<pk>` to `staff_view`'s lookup as if it
    were part of the URL, so an outsider gets 404 before a missing permission gets 403,
    as everywhere else."""

    @wraps(view)
    def wrapper(request, **kwargs):
        pk = request.GET.get("household") or request.POST.get("household") or ""
        return view(request, household=pk, **kwargs)

    return wrapper


@household_param
@staff_view(Perm.EXIT_MANAGE, find=selectors.household_for_exit, methods=("GET", "POST"))
def case_new(request, found, household):
    form = ExitOpenForm(request.POST or None)
    live = selectors.live_case_of(found)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        voluntary = data["reason"] == ExitReason.VOLUNTARY
        try:
            case = services.case_open(
                found,
                actor=request.user,
                reason=data["reason"],
                channel=ExitChannel.COUNTER if voluntary else ExitChannel.STAFF,
                summary=data["summary"],
                evidence=data["evidence"],
                requested_move_out=data["requested_move_out"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Exit case %(n)s opened. The authority decides next.") % {"n": case.number},
            )
            return _back(case)
    return render(
        request,
        "exits/cases/new.html",
        {
            "household": found,
            "form": form,
            "live": live,
            "lease": found.leases.filter(status="active").first(),
            "bases": [(r.value, r.label, LEGAL_BASIS[r]) for r in ExitReason],
        },
    )


# --- The decision and the notice -------------------------------------------------------------


@staff_view(Perm.EXIT_DECIDE, find=selectors.case_for_user, methods=("GET", "POST"))
def case_decide(request, case, pk):
    if case.stage != Stage.OPEN:
        return _wrong_stage(
            request,
            case,
            _("Case %(n)s is “%(s)s”: it is not awaiting a decision.")
            % {"n": case.number, "s": case.get_stage_display()},
        )
    initial = {"has_other_housing": case.reason == ExitReason.OTHER_HOUSING}
    form = DecideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_decide(
                case,
                actor=request.user,
                decision=data["decision"],
                has_other_housing=data["has_other_housing"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Case %(n)s is decided. Issue the vacate notice next.") % {"n": case.number},
            )
            return _back(case)
    return render(
        request,
        "exits/cases/decide.html",
        {
            "case": case,
            "household": case.household,
            "form": form,
            "always_court": case.reason in COURT_REASONS,
            "contract_rent": services.current_rent(case.lease),
        },
    )


@staff_view(Perm.EXIT_DECIDE, find=selectors.case_for_user, methods=("GET", "POST"))
def case_notice(request, case, pk):
    """GET previews the notice (its deadline and rents; with `vacate_by`, a sooner
    deadline, and as an htmx partial when the date changes); POST issues it."""
    if case.stage != Stage.DECIDED:
        return _wrong_stage(
            request,
            case,
            _("Case %(n)s is “%(s)s”: a vacate notice is issued once the exit is decided.")
            % {"n": case.number, "s": case.get_stage_display()},
        )
    if request.method == "POST":
        form = NoticeForm(request.POST)
        if not form.is_valid():
            messages.error(request, errors_text(form))
            return redirect("exit_case_notice", pk=case.pk)
        try:
            case = services.notice_issue(
                case, actor=request.user, vacate_by=form.cleaned_data["vacate_by"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("exit_case_notice", pk=case.pk)
        messages.success(
            request,
            _(
                "Vacate notice %(n)s issued: vacate by %(d)s. A letter and an SMS are "
                "queued to the household."
            )
            % {"n": case.notice_number, "d": case.vacate_by.isoformat()},
        )
        return _back(case)
    form = NoticeForm(request.GET if request.GET.get("vacate_by") else None)
    vacate_by, preview, preview_error = None, None, None
    if form.is_bound:
        if form.is_valid():
            vacate_by = form.cleaned_data["vacate_by"]
        else:
            preview_error = errors_text(form)
    try:
        preview = services.notice_preview(case, vacate_by=vacate_by)
    except DomainError as exc:
        # A day the rules refuse: say why, and show the rules' own deadline.
        preview_error, vacate_by = exc.message, None
        try:
            preview = services.notice_preview(case)
        except DomainError:  # no rule set in force: the message above says so
            preview = None
    context = {
        "case": case,
        "household": case.household,
        "form": form,
        "preview": preview,
        "preview_error": preview_error,
        "chosen": vacate_by,
    }
    if request.htmx:
        return render(request, "exits/cases/notice.html#preview", context)
    return render(request, "exits/cases/notice.html", context)


@staff_view(Perm.EXITS_VIEW, find=selectors.case_for_user)
def case_notice_pdf(request, case, pk):
    if not case.notice_document:
        raise Http404
    response = FileResponse(case.notice_document.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.notice_number}.pdf"'
    return response


# --- The court --------------------------------------------------------------------------------


@staff_view(Perm.EXIT_MANAGE, find=selectors.case_for_user, methods=("GET", "POST"))
def case_court(request, case, pk):
    if case.stage not in (Stage.OVERSTAY, Stage.LITIGATION):
        return _wrong_stage(
            request,
            case,
            _("Case %(n)s is “%(s)s”: court steps are recorded once the household overstays.")
            % {"n": case.number, "s": case.get_stage_display()},
        )
    steps = selectors.case_steps(case)
    last = steps[-1] if steps else None
    initial = {}
    if last is not None:
        initial = {"court": last.court, "court_case_number": last.court_case_number}
    elif case.stage == Stage.OVERSTAY:
        initial = {"kind": "filed"}
    form = CourtStepForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            step = legal_step_record(
                case,
                actor=request.user,
                kind=data["kind"],
                court=data["court"],
                court_case_number=data["court_case_number"],
                on=data["on"],
                due_on=data["due_on"],
                summary=data["summary"],
                award=data["award"],
                document=data["document"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            text = _("%(kind)s recorded.") % {"kind": step.get_kind_display()}
            if step.award:
                text += " " + _("The award of ¥%(a)s is billed to the household.") % {
                    "a": step.award
                }
            messages.success(request, text)
            return _back(case)
    return render(
        request,
        "exits/cases/court.html",
        {"case": case, "household": case.household, "form": form, "steps": steps},
    )


@staff_view(Perm.EXITS_VIEW, find=selectors.step_for_user)
def court_document(request, found, pk, step):
    if not found.document:
        raise Http404
    return FileResponse(found.document.open("rb"), filename=found.document.name.rsplit("/", 1)[-1])


@staff_view(Perm.EXIT_DECIDE, find=selectors.case_for_user, methods=("POST",))
def case_litigate(request, case, pk):
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.to_litigation(case, actor=request.user, note=note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Case %(n)s goes to court; record the filing when it is made.") % {"n": case.number},
        )
    return _back(case)


@staff_view(Perm.EXIT_DECIDE, find=selectors.case_for_user, methods=("POST",))
def case_withdraw(request, case, pk):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.case_withdraw(case, actor=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Case %(n)s is withdrawn.") % {"n": case.number})
    return _back(case)


urlpatterns = [
    path("exits/cases/", case_list, name="exit_cases"),
    path("exits/cases/new/", case_new, name="exit_case_new"),
    path("exits/cases/from-listing/<int:pk>/", case_from_listing, name="exit_case_from_listing"),
    path(
        "exits/cases/from-violation/<int:pk>/",
        case_from_violation,
        name="exit_case_from_violation",
    ),
    path("exits/cases/<int:pk>/", case_detail, name="exit_case"),
    path("exits/cases/<int:pk>/decide/", case_decide, name="exit_case_decide"),
    path("exits/cases/<int:pk>/notice/", case_notice, name="exit_case_notice"),
    path("exits/cases/<int:pk>/notice.pdf", case_notice_pdf, name="exit_case_notice_pdf"),
    path("exits/cases/<int:pk>/court/", case_court, name="exit_case_court"),
    path(
        "exits/cases/<int:pk>/court/<int:step>/document/",
        court_document,
        name="exit_court_document",
    ),
    path("exits/cases/<int:pk>/litigate/", case_litigate, name="exit_case_litigate"),
    path("exits/cases/<int:pk>/withdraw/", case_withdraw, name="exit_case_withdraw"),
]
