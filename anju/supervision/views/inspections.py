"""Inspection pages: an inspector's own tasks (phone-friendly, the earliest first), the
supervisors' task list with filters, a task's page (visits, people, photos, signature,
the appointment letter, where the escalation stands) with its actions, the visit form
(one column, big touch targets, the signature drawn on the screen), the routine plans
with their progress, and raising a task from a screening flag (`flag_inspect`, posted
from the screening results page)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.models import TimelineEntry
from anju.core.roles import Perm

from .. import thresholds
from ..forms.inspections import (
    AssignForm,
    CancelForm,
    ConcludeForm,
    NotesFormSet,
    PeopleFormSet,
    PlanForm,
    TaskFilterForm,
    VisitForm,
    notes_of,
    people_of,
)
from ..models import ScreeningFlag, TaskStatus
from ..selectors import inspections as q
from ..services import inspections as svc
from ..services import inspections_plans as plans


def find_task(user, pk):
    return q.task_for_user(user, pk)


def find_flag(user, pk):
    return get_or_404(ScreeningFlag.objects.visible_to(user).select_related("unit"), pk=pk)


def find_plan(user, pk):
    return q.plan_for_user(user, pk)


# --- Lists -------------------------------------------------------------------------------


MY_TASKS_PAGE = 20


@staff_view(Perm.INSPECT)
def inspection_my_tasks(request):
    tasks = q.my_tasks(request.user)
    page = Paginator(tasks, MY_TASKS_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/inspections/my_tasks.html",
        {"page": page, "today": timezone.localdate()},
    )


@staff_view(Perm.SUPERVISION_VIEW)
def inspection_task_list(request):
    today = timezone.localdate()
    query = request.GET.copy()
    if "status" not in query:
        query["status"] = TaskStatus.OPEN
    form = TaskFilterForm(query, user=request.user)
    filters = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    tasks = q.task_list(request.user, today=today, **filters)
    return list_page(
        request,
        "supervision/inspections/list.html",
        tasks,
        {"filter": {"form": form}, "today": today},
        export=(
            f"inspections-{today:%Y%m%d}.xlsx",
            [
                _("Task no."),
                _("Kind"),
                _("Estate"),
                _("Unit"),
                _("Household"),
                _("Inspector"),
                _("Due"),
                _("Next visit"),
                _("Unanswered visits"),
                _("Status"),
                _("Finding"),
                _("Why"),
            ],
            lambda t: [
                t.number,
                t.get_kind_display(),
                t.estate.name,
                t.unit.code,
                t.household.number if t.household else "",
                str(t.assigned_to or ""),
                t.due_on,
                t.next_visit_on or "",
                t.failed_attempts,
                t.get_status_display(),
                t.get_finding_display() if t.finding else "",
                t.reason,
            ],
        ),
    )


# --- One task ----------------------------------------------------------------------------


def _task_context(request, task, **forms):
    visits = q.visits_of(task)
    letter_at = int(thresholds.value("letter_attempt"))
    case_at = int(thresholds.value("case_attempt"))
    history = []
    if task.household_id:
        history = list(
            TimelineEntry.objects.filter(household=task.household, data__number=task.number)
            .select_related("actor")
            .order_by("-at", "-pk")
        )
    return {
        "task": task,
        "visits": visits,
        "cases": list(task.cases.all()),
        "history": history,
        "today": timezone.localdate(),
        "letter_at": letter_at,
        "case_at": case_at,
        "attempts": range(1, case_at + 1),
        "checklist": svc.CHECKLIST,
        "has_answered_visit": any(v.outcome == "completed" for v in visits),
        "assign_form": forms.get("assign_form") or AssignForm(user=request.user),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "conclude_form": forms.get("conclude_form") or ConcludeForm(),
    }


@staff_view(Perm.SUPERVISION_VIEW, find=find_task)
def inspection_task_detail(request, task, pk):
    return render(request, "supervision/inspections/detail.html", _task_context(request, task))


@staff_view(Perm.INSPECTION_PLAN, find=find_task, methods=("POST",))
def inspection_task_assign(request, task, pk):
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose an inspector."))
        return redirect("inspection_task_detail", pk=task.pk)
    try:
        svc.task_assign(task, form.cleaned_data["inspector"], actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Task %(n)s given to %(who)s.")
            % {"n": task.number, "who": form.cleaned_data["inspector"]},
        )
    return redirect("inspection_task_detail", pk=task.pk)


@staff_view(Perm.INSPECTION_PLAN, find=find_task, methods=("POST",))
def inspection_task_cancel(request, task, pk):
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for cancelling."))
        return redirect("inspection_task_detail", pk=task.pk)
    try:
        svc.task_cancel(task, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Task %(n)s cancelled.") % {"n": task.number})
    return redirect("inspection_task_detail", pk=task.pk)


def _case_message(request, task, case):
    if case is not None:
        messages.warning(
            request,
            _("Violation case %(c)s opened from inspection %(n)s.")
            % {"c": case.number, "n": task.number},
        )


@staff_view(Perm.INSPECT, find=find_task, methods=("POST",))
def inspection_task_conclude(request, task, pk):
    form = ConcludeForm(request.POST)
    if form.is_valid():
        try:
            case = svc.task_conclude(task, actor=request.user, conclusion=form.conclusion())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Inspection %(n)s ended.") % {"n": task.number})
            _case_message(request, task, case)
            return redirect("inspection_task_detail", pk=task.pk)
    return render(
        request,
        "supervision/inspections/detail.html",
        _task_context(request, task, conclude_form=form),
    )


@staff_view(Perm.SUPERVISION_VIEW, find=find_task)
def inspection_letter(request, task, pk):
    if not task.appointment_letter:
        raise Http404
    return FileResponse(
        task.appointment_letter.open("rb"),
        content_type="application/pdf",
        filename=f"{task.number}-appointment.pdf",
    )


@staff_view(Perm.SUPERVISION_VIEW, find=q.photo_for_user)
def inspection_photo(request, photo, pk):
    # Photos are never served from a public media URL; each one is scoped.
    return FileResponse(photo.file.open("rb"), filename=photo.file.name.rsplit("/", 1)[-1])


@staff_view(Perm.SUPERVISION_VIEW, find=q.visit_for_user)
def inspection_signature(request, visit, pk):
    if not visit.signature:
        raise Http404
    return FileResponse(visit.signature.open("rb"), content_type="image/png")


# --- The visit form ----------------------------------------------------------------------


@staff_view(Perm.INSPECT, find=find_task, methods=("GET", "POST"))
def inspection_visit_new(request, task, pk):
    if task.status != TaskStatus.OPEN:
        messages.info(request, _("This task has ended; no more visits are recorded on it."))
        return redirect("inspection_task_detail", pk=task.pk)
    post = request.POST if request.method == "POST" else None
    form = VisitForm(post, request.FILES or None)
    people = PeopleFormSet(post, prefix="people")
    notes = NotesFormSet(post, prefix="notes")
    if post is not None and form.is_valid() and people.is_valid() and notes.is_valid():
        text, follow_ups = notes_of(notes)
        answered = form.answered
        data = form.cleaned_data
        try:
            # The form's sections for an answered visit are hidden when nobody
            # answered; whatever was typed there before is not part of this visit.
            result = svc.visit_record(
                task,
                actor=request.user,
                outcome=data["outcome"],
                visited_at=data["visited_at"],
                people=people_of(people) if answered else [],
                checklist=form.checklist() if answered else None,
                photos=data["photos"],
                notes=text,
                follow_ups=follow_ups,
                signature=data["signature"] if answered else None,
                signature_refused=data["signature_refused"] if answered else False,
                conclusion=form.conclusion() if answered else None,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            _visit_messages(request, task, result)
            return redirect("inspection_task_detail", pk=task.pk)
    return render(
        request,
        "supervision/inspections/visit_form.html",
        {
            "task": task,
            "form": form,
            "people": people,
            "notes": notes,
            "members": list(task.household.members.current()) if task.household_id else [],
            "attempts_left": int(thresholds.value("case_attempt")) - task.failed_attempts,
            "letter_at": int(thresholds.value("letter_attempt")),
        },
    )


def _visit_messages(request, task, result):
    visit = result.visit
    messages.success(
        request,
        _("Visit recorded on %(n)s: %(outcome)s.")
        % {"n": task.number, "outcome": visit.get_outcome_display()},
    )
    if result.unregistered:
        messages.warning(
            request,
            _("Not registered in the household: %(names)s.")
            % {"names": "、".join(result.unregistered)},
        )
    task.refresh_from_db()
    if result.letter_sent:
        messages.warning(
            request,
            _("%(k)s unanswered visits: an appointment letter is sent for %(d)s.")
            % {"k": task.failed_attempts, "d": task.next_visit_on.strftime("%Y-%m-%d")},
        )
    elif task.status == TaskStatus.OPEN and task.next_visit_on:
        messages.info(
            request,
            _("Next visit by %(d)s.") % {"d": task.next_visit_on.strftime("%Y-%m-%d")},
        )
    _case_message(request, task, result.case)


# --- Flags -------------------------------------------------------------------------------


@staff_view(Perm.INSPECT, find=find_flag, methods=("POST",))
def flag_inspect(request, flag, pk):
    """Raise a task on a screening flag and go to it. If the flag cannot be inspected
    (dismissed), say why and go back to the page it was raised from (`next`)."""
    try:
        task = svc.task_from_flag(flag, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        existing = flag.tasks.filter(status=TaskStatus.OPEN).first()
        if existing is not None:
            return redirect("inspection_task_detail", pk=existing.pk)
        back = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(back)
        try:
            return redirect("screening_results")
        except NoReverseMatch:  # the screening pages are not there yet
            return redirect("inspection_task_list")
    messages.success(
        request,
        _("Inspection task %(n)s raised for unit %(unit)s.")
        % {"n": task.number, "unit": flag.unit.code},
    )
    return redirect("inspection_task_detail", pk=task.pk)


# --- Plans -------------------------------------------------------------------------------


@staff_view(Perm.SUPERVISION_VIEW)
def inspection_plan_list(request):
    return render(
        request,
        "supervision/inspections/plans.html",
        {"plans": list(q.plans_for(request.user)), "today": timezone.localdate()},
    )


@staff_view(Perm.INSPECTION_PLAN, methods=("GET", "POST"))
def inspection_plan_create(request):
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = plans.plan_create(
                data["estate"], data["year"], data["inspector"], actor=request.user
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Plan for %(estate)s in %(year)s: %(n)s visits given to %(who)s.")
                % {
                    "estate": plan.estate.name,
                    "year": plan.year,
                    "n": plan.tasks.count(),
                    "who": plan.inspector,
                },
            )
            return redirect("inspection_plan_detail", pk=plan.pk)
    return render(
        request,
        "supervision/inspections/plan_create.html",
        {"form": form, "visits": int(thresholds.value("routine_visits_per_year"))},
    )


@staff_view(Perm.SUPERVISION_VIEW, find=find_plan)
def inspection_plan_detail(request, plan, pk):
    return render(
        request,
        "supervision/inspections/plan_detail.html",
        {
            "plan": plan,
            "months": q.plan_months(plan),
            "assign_form": AssignForm(initial={"inspector": plan.inspector}, user=request.user),
            "today": timezone.localdate(),
        },
    )


@staff_view(Perm.INSPECTION_PLAN, find=find_plan, methods=("POST",))
def inspection_plan_assign(request, plan, pk):
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose an inspector."))
        return redirect("inspection_plan_detail", pk=plan.pk)
    try:
        moved = plans.plan_assign(plan, form.cleaned_data["inspector"], actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The plan is now %(who)s's; %(n)s open visits moved.")
            % {"who": form.cleaned_data["inspector"], "n": moved},
        )
    return redirect("inspection_plan_detail", pk=plan.pk)


urlpatterns = [
    path("supervision/inspections/", inspection_task_list, name="inspection_task_list"),
    path("supervision/inspections/mine/", inspection_my_tasks, name="inspection_my_tasks"),
    path("supervision/inspections/plans/", inspection_plan_list, name="inspection_plan_list"),
    path(
        "supervision/inspections/plans/new/",
        inspection_plan_create,
        name="inspection_plan_create",
    ),
    path(
        "supervision/inspections/plans/<int:pk>/",
        inspection_plan_detail,
        name="inspection_plan_detail",
    ),
    path(
        "supervision/inspections/plans/<int:pk>/assign/",
        inspection_plan_assign,
        name="inspection_plan_assign",
    ),
    path(
        "supervision/inspections/<int:pk>/", inspection_task_detail, name="inspection_task_detail"
    ),
    path(
        "supervision/inspections/<int:pk>/visit/",
        inspection_visit_new,
        name="inspection_visit_new",
    ),
    path(
        "supervision/inspections/<int:pk>/assign/",
        inspection_task_assign,
        name="inspection_task_assign",
    ),
    path(
        "supervision/inspections/<int:pk>/cancel/",
        inspection_task_cancel,
        name="inspection_task_cancel",
    ),
    path(
        "supervision/inspections/<int:pk>/conclude/",
        inspection_task_conclude,
        name="inspection_task_conclude",
    ),
    path(
        "supervision/inspections/<int:pk>/letter.pdf",
        inspection_letter,
        name="inspection_letter",
    ),
    path(
        "supervision/inspections/photos/<int:pk>/",
        inspection_photo,
        name="inspection_photo",
    ),
    path(
        "supervision/inspections/visits/<int:pk>/signature.png",
        inspection_signature,
        name="inspection_signature",
    ),
    path(
        "supervision/screening/flags/<int:pk>/inspect/",
        flag_inspect,
        name="flag_inspect",
    ),
]
