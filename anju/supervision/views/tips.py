"""Staff pages of tips: the queue (filtered by status, category, source, estate and
overdue triage; Excel export), entering a tip taken by phone or at the counter, a
tip's page with its photos, and triage: into an inspection task, or closed with a
reason. The tipster's phone is revealed only on purpose, into the access log."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms.tips import ReasonForm, StaffTipForm, TipFilterForm, TipInspectForm
from ..models import TipPhoto, TipSource, TipStatus
from ..selectors import tips as q
from ..services import tips as svc


def find_tip(user, pk):
    return q.tip_for_user(user, pk)


def find_photo(user, pk, photo_pk):
    tip = q.tip_for_user(user, pk)
    return get_or_404(TipPhoto.objects.filter(tip=tip), pk=photo_pk)


@staff_view(Perm.SUPERVISION_VIEW)
def tip_list(request):
    today = timezone.localdate()
    form = TipFilterForm(request.GET or None, user=request.user)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "status": data["status"],
            "category": data["category"],
            "source": data["source"],
            "estate": data["estate"],
            "overdue": data["overdue"],
        }
    tips = q.tip_queue(request.user, today=today, **filters)
    overdue_since = q.triage_overdue_since(today)
    return list_page(
        request,
        "supervision/tips/list.html",
        tips,
        {
            "filter": {"form": form},
            "overdue_since": overdue_since,
            "new_count": q.tip_queue(request.user, status=TipStatus.NEW).count(),
            "overdue_count": q.tip_queue(request.user, overdue=True, today=today).count(),
        },
        export=(
            f"tips-{today:%Y%m%d}.xlsx",
            [
                _("Tip no."),
                _("Received"),
                _("Source"),
                _("Category"),
                _("Estate"),
                _("Unit"),
                _("Place"),
                _("What was seen"),
                _("Status"),
                _("Reason closed"),
            ],
            lambda t: [
                t.number,
                timezone.localtime(t.received_at).strftime("%Y-%m-%d %H:%M"),
                t.get_source_display(),
                t.get_category_display(),
                t.estate.name if t.estate else "",
                t.unit.code if t.unit else "",
                t.place,
                t.text,
                t.get_status_display(),
                t.closed_reason,
            ],
        ),
    )


@staff_view(Perm.TIP_TRIAGE, methods=("GET", "POST"))
def tip_create(request):
    form = StaffTipForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            tip = svc.tip_submit(
                source=TipSource.STAFF, actor=request.user, **form.service_kwargs()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Tip %(n)s recorded; its tracking code for the tipster is %(code)s.")
                % {"n": tip.number, "code": tip.tracking_code},
            )
            return redirect("tip_detail", pk=tip.pk)
    return render(request, "supervision/tips/create.html", {"form": form})


def form_errors(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


def _detail(request, tip):
    tasks = list(tip.tasks.select_related("assigned_to", "unit").order_by("-created_at"))
    initial = {"unit_code": tip.unit.code if tip.unit else ""}
    return render(
        request,
        "supervision/tips/detail.html",
        {
            "tip": tip,
            "photos": list(tip.photos.all()),
            "tasks": tasks,
            "due_on": svc.triage_due_on(tip),
            "today": timezone.localdate(),
            "inspect_form": TipInspectForm(initial=initial, user=request.user),
        },
    )


@staff_view(Perm.SUPERVISION_VIEW, find=find_tip)
def tip_detail(request, tip, pk):
    return _detail(request, tip)


@staff_view(Perm.SUPERVISION_VIEW, find=find_photo)
def tip_photo(request, photo, pk, photo_pk):
    # Photos are never served from a public media URL; each one is scoped.
    return FileResponse(photo.file.open("rb"), filename=photo.file.name.rsplit("/", 1)[-1])


@staff_view(Perm.TIP_TRIAGE, find=find_tip, methods=("POST",))
def tip_inspect(request, tip, pk):
    form = TipInspectForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("tip_detail", pk=tip.pk)
    data = form.cleaned_data
    try:
        task = svc.tip_to_inspection(
            tip,
            actor=request.user,
            unit=data["unit_code"],
            assign_to=data["assign_to"],
            due_on=data["due_on"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("tip_detail", pk=tip.pk)
    messages.success(
        request,
        _("Inspection task %(n)s raised for unit %(unit)s.")
        % {"n": task.number, "unit": task.unit.code},
    )
    return redirect("inspection_task_detail", pk=task.pk)


@staff_view(Perm.TIP_TRIAGE, find=find_tip, methods=("POST",))
def tip_close(request, tip, pk):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for closing the tip."))
        return redirect("tip_detail", pk=tip.pk)
    try:
        svc.tip_close(tip, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Tip %(n)s closed.") % {"n": tip.number})
    return redirect("tip_detail", pk=tip.pk)


@staff_view(Perm.PII_UNMASK, find=find_tip, methods=("POST",))
def tip_contact(request, tip, pk):
    """The tipster's phone in full (an audited access), into the page by htmx."""
    try:
        value = svc.tip_reveal_contact(tip, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("tip_detail", pk=tip.pk)
    if request.htmx:
        return render(request, "households/_revealed.html", {"value": value})
    messages.info(request, value)
    return redirect("tip_detail", pk=tip.pk)


urlpatterns = [
    path("supervision/tips/", tip_list, name="tip_list"),
    path("supervision/tips/new/", tip_create, name="tip_create"),
    path("supervision/tips/<int:pk>/", tip_detail, name="tip_detail"),
    path("supervision/tips/<int:pk>/photos/<int:photo_pk>/", tip_photo, name="tip_photo"),
    path("supervision/tips/<int:pk>/inspect/", tip_inspect, name="tip_inspect"),
    path("supervision/tips/<int:pk>/close/", tip_close, name="tip_close"),
    path("supervision/tips/<int:pk>/contact/", tip_contact, name="tip_contact"),
]
