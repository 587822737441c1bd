"""Violation cases (违规案件): the list (by type, status, estate, deadline passed), a
case's page with its legal basis, evidence, steps and their forms, the penalty workings,
the bills it raised and its documents; opening a case from a household
(Perm.CASE_MANAGE), the notice and the statement (CASE_MANAGE), the decision and the
closing (Perm.CASE_DECIDE, the authority)."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.models import TimelineEntry
from anju.core.roles import Perm

from ..forms.cases import (
    CaseFilterForm,
    CaseOpenForm,
    DecideForm,
    NoticeForm,
    ReasonForm,
    StatementForm,
    errors_text,
)
from ..models import CaseStatus, CaseType
from ..selectors import cases as selectors
from ..services import cases as services
from ..services.penalties import describe

STEPS = [
    (CaseStatus.OPEN, "ti-folder-open"),
    (CaseStatus.NOTICE_ISSUED, "ti-file-alert"),
    (CaseStatus.STATEMENT, "ti-message-2"),
    (CaseStatus.DECIDED, "ti-gavel"),
    (CaseStatus.CLOSED, "ti-circle-check"),
]


@staff_view(Perm.SUPERVISION_VIEW)
def case_list(request):
    query = request.GET.copy()
    if "status" not in query:
        query["status"] = "active"
    form = CaseFilterForm(query, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list(
        request.user,
        type=filters.get("type", ""),
        status=filters.get("status", "active"),
        estate=filters.get("estate"),
        overdue=filters.get("overdue", False),
        q=(filters.get("q") or "").strip(),
    )
    return list_page(
        request,
        "supervision/cases/list.html",
        cases,
        {"filter": {"form": form}, "today": timezone.localdate()},
        export=(
            "violation-cases.xlsx",
            [
                _("Case no."),
                _("Type"),
                _("Status"),
                _("Household no."),
                _("Estate"),
                _("Unit"),
                _("Opened"),
                _("Statement or rectification due"),
                _("Outcome"),
                _("Back rent (yuan)"),
                _("Fine (yuan)"),
            ],
            lambda c: [
                c.number,
                c.get_type_display(),
                c.get_status_display(),
                c.household.number,
                c.estate.name,
                c.unit.code if c.unit else "",
                timezone.localtime(c.opened_at).date(),
                c.respond_by,
                c.get_outcome_display(),
                c.back_rent,
                c.fine,
            ],
        ),
    )


def _history(case):
    entries = TimelineEntry.objects.filter(
        household=case.household_id, verb__startswith="case.", data__number=case.number
    ).select_related("actor")
    return list(entries.order_by("at", "id"))


@staff_view(Perm.SUPERVISION_VIEW, find=selectors.case_for_user)
def case_detail(request, case, pk):
    today = timezone.localdate()
    perms = request.user.permission_set
    status = CaseStatus(case.status)
    reached = [s for s, _icon in STEPS].index(status)
    can_decide_now = status == CaseStatus.STATEMENT or (
        status == CaseStatus.NOTICE_ISSUED and case.respond_by and today > case.respond_by
    )
    return render(
        request,
        "supervision/cases/detail.html",
        {
            "case": case,
            "household": case.household,
            "today": today,
            "steps": [
                (s, s.label, icon, i < reached, i == reached) for i, (s, icon) in enumerate(STEPS)
            ],
            "notice_form": NoticeForm() if status == CaseStatus.OPEN else None,
            "statement_form": StatementForm() if status == CaseStatus.NOTICE_ISSUED else None,
            "can_decide_now": bool(can_decide_now) or status == CaseStatus.DECIDED,
            "close_form": ReasonForm() if status != CaseStatus.CLOSED else None,
            "workings": [(describe(line), line) for line in case.penalty_workings],
            "bills": selectors.case_bills(case),
            "conduct": selectors.case_conduct_records(case),
            "points": selectors.case_points(case),
            "history": _history(case),
            "total": case.back_rent + case.fine,
            "may_manage": Perm.CASE_MANAGE in perms,
            "may_decide": Perm.CASE_DECIDE in perms,
        },
    )


@staff_view(Perm.CASE_MANAGE, find=selectors.household_for_case, methods=("GET", "POST"))
def case_open(request, household, pk):
    form = CaseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                household,
                actor=request.user,
                type=data["type"],
                source=data["source"],
                summary=data["summary"],
                evidence=data["evidence"],
                breach_began_on=data["breach_began_on"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Case %(n)s opened. Issue the notice next.") % {"n": case.number},
            )
            return redirect("case_detail", pk=case.pk)
    return render(
        request,
        "supervision/cases/open.html",
        {
            "household": household,
            "form": form,
            "open_cases": selectors.household_cases(household).exclude(status=CaseStatus.CLOSED),
        },
    )


@staff_view(Perm.CASE_MANAGE, find=selectors.case_for_user, methods=("POST",))
def case_notice(request, case, pk):
    form = NoticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("case_detail", pk=case.pk)
    try:
        services.notice_issue(
            case,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            respond_by=form.cleaned_data["respond_by"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The notice is issued; a letter and an SMS are queued to the household."),
        )
    return redirect("case_detail", pk=case.pk)


@staff_view(Perm.CASE_MANAGE, find=selectors.case_for_user, methods=("POST",))
def case_statement(request, case, pk):
    form = StatementForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("case_detail", pk=case.pk)
    data = form.cleaned_data
    try:
        services.statement_record(
            case,
            actor=request.user,
            text=data["text"],
            document=data["document"],
            received_on=data["received_on"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The statement is recorded; the case awaits the decision."))
    return redirect("case_detail", pk=case.pk)


def _document(case, field):
    file = getattr(case, field)
    if not file:
        raise Http404
    return FileResponse(file.open("rb"), filename=file.name.rsplit("/", 1)[-1])


@staff_view(Perm.SUPERVISION_VIEW, find=selectors.case_for_user)
def case_notice_pdf(request, case, pk):
    response = _document(case, "notice_document")
    response["Content-Type"] = "application/pdf"
    response["Content-Disposition"] = f'inline; filename="{case.number}.pdf"'
    return response


@staff_view(Perm.SUPERVISION_VIEW, find=selectors.case_for_user)
def case_statement_document(request, case, pk):
    return _document(case, "statement_document")


def _decimal(form, name):
    return form.cleaned_data.get(name) if name in form.fields else None


@staff_view(Perm.CASE_DECIDE, find=selectors.case_for_user, methods=("GET", "POST"))
def case_decide(request, case, pk):
    """GET shows the form and, as the officer fills it in (htmx), what it would charge;
    POST decides."""
    if case.status == CaseStatus.CLOSED:
        messages.error(request, _("This case is closed."))
        return redirect("case_detail", pk=case.pk)
    bound = request.method == "POST" or "outcome" in request.GET
    initial = {}
    if case.status == CaseStatus.DECIDED:
        initial = {
            "outcome": case.outcome,
            "reasons": case.decision,
            "breach_began_on": case.breach_began_on,
            "illegal_income": case.illegal_income,
            "fine": case.fine or None,
        }
    else:
        initial = {"breach_began_on": case.breach_began_on}
    form = DecideForm(
        (request.POST if request.method == "POST" else request.GET) if bound else None,
        case=case,
        initial=initial,
    )
    preview, preview_error = None, None
    if bound and form.is_valid():
        data = form.cleaned_data
        values = {
            "outcome": data["outcome"],
            "illegal_income": _decimal(form, "illegal_income"),
            "fine": _decimal(form, "fine"),
            "breach_began_on": data.get("breach_began_on"),
        }
        if request.method == "POST":
            try:
                services.case_decide(
                    case,
                    actor=request.user,
                    reasons=data["reasons"],
                    point_rule=data.get("point_rule"),
                    **values,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Case %(n)s is decided.") % {"n": case.number})
                return redirect("case_detail", pk=case.pk)
        try:
            preview = services.decision_preview(case, **values)
        except DomainError as exc:
            preview_error = exc.message
    context = {
        "case": case,
        "household": case.household,
        "form": form,
        "preview": preview,
        "preview_error": preview_error,
        "workings": [(describe(line), line) for line in preview.workings] if preview else [],
        "is_minor": case.type == CaseType.MINOR,
    }
    if request.htmx and request.method == "GET":
        return render(request, "supervision/cases/decide.html#preview", context)
    return render(request, "supervision/cases/decide.html", context)


@staff_view(Perm.CASE_DECIDE, find=selectors.case_for_user, methods=("POST",))
def case_close(request, case, pk):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.case_close(case, actor=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Case %(n)s is closed.") % {"n": case.number})
    return redirect("case_detail", pk=case.pk)


urlpatterns = [
    path("supervision/cases/", case_list, name="case_list"),
    path("supervision/cases/<int:pk>/", case_detail, name="case_detail"),
    path("supervision/cases/<int:pk>/notice/", case_notice, name="case_notice"),
    path("supervision/cases/<int:pk>/notice.pdf", case_notice_pdf, name="case_notice_pdf"),
    path("supervision/cases/<int:pk>/statement/", case_statement, name="case_statement"),
    path(
        "supervision/cases/<int:pk>/statement/document/",
        case_statement_document,
        name="case_statement_document",
    ),
    path("supervision/cases/<int:pk>/decide/", case_decide, name="case_decide"),
    path("supervision/cases/<int:pk>/close/", case_close, name="case_close"),
    path("supervision/households/<int:pk>/cases/new/", case_open, name="case_open"),
]
