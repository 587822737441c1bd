"""Staff pages of work orders (报修):

- the list (status, estate, company, channel, month, overdue, escalated; sorted,
  paged, exported to Excel) and an order's page: the trail, the deadlines (red when
  overdue), the photos, and the actions the user may take (Perm.HELPDESK_VIEW);
- a new order taken by phone or at the counter, or raised from an inspection task or
  a move-out handover (`?inspection=<pk>`, `?handover=<pk>`; Perm.WORKORDER_ENTER);
- dispatching: assign, defer, take up again, cancel, the urgency, and the dispatch
  board with the unassigned and overdue orders first (Perm.WORKORDER_DISPATCH);
- quality checks, on an order and on a sample drawn at random
  (Perm.WORKORDER_QUALITY).

Starting and finishing the work are the repairer's pages (views/repairer.py)."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page, sorted_by
from anju.core.roles import Perm
from anju.exits.models import UnitHandover
from anju.housing.models import Building, Unit
from anju.supervision.models import InspectionTask

from ..forms.workorders import (
    AssignForm,
    CheckForm,
    DeferForm,
    ReasonForm,
    SampleForm,
    StaffReportForm,
    UrgencyForm,
    WorkOrderFilterForm,
)
from ..models import (
    OPEN_STATUSES,
    PhotoStage,
    QualityCheck,
    WorkOrder,
    WorkOrderChannel,
    WorkOrderStatus,
)
from ..selectors import workorders as selectors
from ..services import workorder_answers as answers
from ..services import workorder_quality as quality
from ..services import workorders as services

S = WorkOrderStatus
SORTS = {"number", "reported_at", "respond_by", "complete_by", "status"}
SAMPLE_SESSION_KEY = "workorder_sample"


# --- The list -----------------------------------------------------------------------------


def _export_headers():
    return [
        _("Work order no."),
        _("Channel"),
        _("Estate"),
        _("Unit or place"),
        _("Household no."),
        _("Classification"),
        _("Urgency"),
        _("Status"),
        _("Property company"),
        _("Repairer"),
        _("Reported"),
        _("Respond by"),
        _("Responded"),
        _("Complete by"),
        _("Done"),
        _("Overdue"),
        _("Escalation"),
        _("Times reopened"),
        _("Rating"),
        _("Charge (yuan)"),
    ]


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _export_row(now):
    def row(o):
        return [
            o.number,
            o.get_channel_display(),
            o.estate.name,
            services.where_of(o),
            o.household.number if o.household_id else "",
            " › ".join(n.name for n in o.repair_class.path()),
            o.get_urgency_display(),
            o.get_status_display(),
            o.property_company.name,
            str(o.assigned_to or ""),
            _local(o.reported_at),
            _local(o.respond_by),
            _local(o.responded_at),
            _local(o.complete_by),
            _local(o.done_at),
            _("yes") if o.is_overdue(now) else "",
            o.get_escalation_display() if o.escalation else "",
            o.reopen_count,
            o.rating or "",
            o.charge or "",
        ]

    return row


@staff_view(Perm.HELPDESK_VIEW)
def workorder_list(request):
    query = request.GET.copy()
    if "status" not in query:
        query["status"] = "open"
    form = WorkOrderFilterForm(query, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {"status": "open"}
    orders = selectors.order_list(
        request.user,
        status=filters.get("status", ""),
        estate=filters.get("estate"),
        company=filters.get("company"),
        channel=filters.get("channel", ""),
        overdue=filters.get("overdue", False),
        escalated=filters.get("escalated", False),
        month=filters.get("month"),
        q=(filters.get("q") or "").strip(),
    )
    orders = sorted_by(orders, request, SORTS, "-reported_at", unique={"number"})
    now = timezone.now()
    return list_page(
        request,
        "helpdesk/workorders/list.html",
        orders,
        {"filter": {"form": form}, "now": now},
        export=("work-orders.xlsx", _export_headers(), _export_row(now)),
    )


# --- One order ----------------------------------------------------------------------------


def _back(request, order):
    """Back to the page the action was taken on (the board, the repairer's list), or
    to the order."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("workorder_detail", pk=order.pk)


def _say(request, exc: DomainError):
    messages.error(request, exc.message)


@staff_view(Perm.HELPDESK_VIEW, find=selectors.order_for_user)
def workorder_detail(request, order, pk):
    user = request.user
    now = timezone.now()
    status = S(order.status)
    photos = selectors.photos_of(order)
    open_clock = status in (S.REPORTED, S.ASSIGNED, S.IN_PROGRESS)
    return render(
        request,
        "helpdesk/workorders/detail.html",
        {
            "order": order,
            "now": now,
            "path": order.repair_class.path(),
            "steps": selectors.steps_of(order),
            "reported_photos": [p for p in photos if p.stage == PhotoStage.REPORTED],
            "done_photos": [p for p in photos if p.stage == PhotoStage.DONE],
            "checks": selectors.checks_of(order),
            "overdue": order.is_overdue(now),
            "late_response": order.responded_at is None and order.respond_by < now and open_clock,
            "late_completion": order.complete_by < now and open_clock,
            "may_dispatch": user.can(Perm.WORKORDER_DISPATCH),
            "may_work": user.can(Perm.WORKORDER_WORK) and services.may_work(order, user),
            "may_check": user.can(Perm.WORKORDER_QUALITY),
            "can_assign": open_clock,
            "can_defer": open_clock,
            "can_resume": status == S.DEFERRED,
            "can_cancel": status in (S.REPORTED, S.ASSIGNED, S.DEFERRED),
            "can_urgency": status in OPEN_STATUSES and not order.emergency,
            "can_start": status == S.ASSIGNED,
            "can_finish": status == S.IN_PROGRESS,
            "can_check": status in (S.DONE, S.CLOSED),
            "assign_form": AssignForm(
                repairers=services.repairers_of(order.property_company),
                initial={"repairer": order.assigned_to_id},
            ),
            "defer_form": DeferForm(),
            "urgency_form": UrgencyForm(initial={"urgency": order.urgency}),
            "check_form": CheckForm(),
        },
    )


@staff_view(Perm.HELPDESK_VIEW, find=selectors.photo_for_user)
def workorder_photo(request, photo, pk, photo_pk):
    if not photo.file:
        raise Http404
    return FileResponse(photo.file.open("rb"), filename=photo.file.name.rsplit("/", 1)[-1])


# --- New orders ---------------------------------------------------------------------------


def _raised_from(request):
    """The inspection task or handover an order is raised from (`?inspection=` or
    `?handover=`, kept through the POST), in the user's scope; 404 otherwise."""
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    inspection = handover = None
    if params.get("inspection"):
        inspection = get_or_404(
            InspectionTask.objects.visible_to(user).select_related("unit__estate"),
            pk=_int(params["inspection"]),
        )
    elif params.get("handover"):
        handover = get_or_404(
            UnitHandover.objects.visible_to(user).select_related("unit__estate"),
            pk=_int(params["handover"]),
        )
    return inspection, handover


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _place_of(request, data):
    """The unit (a repair in a home) or the estate and building (a shared area), found
    in the user's scope; DomainError names what is not there."""
    user = request.user
    unit = building = None
    code = (data.get("unit") or "").strip()
    if code:
        unit = Unit.objects.visible_to(user).filter(code__iexact=code).first()
        if unit is None:
            raise DomainError(
                _("There is no unit %(u)s in your estates.") % {"u": code}, code="wrong_unit"
            )
    estate = data.get("estate")
    number = (data.get("building") or "").strip()
    if number:
        if estate is None:
            raise DomainError(_("Name the estate of the building."), code="estate_required")
        building = Building.objects.filter(estate=estate, number=number).first()
        if building is None:
            raise DomainError(
                _("Estate %(e)s has no building %(b)s.") % {"e": estate.name, "b": number},
                code="wrong_building",
            )
    return unit, estate, building


@staff_view(Perm.WORKORDER_ENTER, methods=("GET", "POST"))
def workorder_new(request):
    inspection, handover = _raised_from(request)
    source = inspection or handover
    fixed = (
        WorkOrderChannel.INSPECTION
        if inspection
        else WorkOrderChannel.HANDOVER
        if handover
        else None
    )
    initial = {"unit": source.unit.code} if source else {}
    form = StaffReportForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        fixed_channel=fixed,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit, estate, building = _place_of(request, data)
            order = services.workorder_report(
                actor=request.user,
                channel=fixed or data["channel"],
                repair_class=data["repair_class"],
                description=data["description"],
                unit=unit,
                estate=estate,
                building=building,
                place=data["place"],
                emergency=data["emergency"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                photos=data.get("photos") or [],
                inspection=inspection,
                handover=handover,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Work order %(n)s recorded: respond by %(r)s, complete by %(c)s.")
                % {
                    "n": order.number,
                    "r": _local(order.respond_by),
                    "c": _local(order.complete_by),
                },
            )
            return redirect("workorder_detail", pk=order.pk)
    return render(
        request,
        "helpdesk/workorders/new.html",
        {"form": form, "inspection": inspection, "handover": handover},
    )


# --- Dispatching --------------------------------------------------------------------------


@staff_view(Perm.WORKORDER_DISPATCH, find=selectors.order_for_user, methods=("POST",))
def workorder_assign(request, order, pk):
    form = AssignForm(request.POST, repairers=services.repairers_of(order.property_company))
    if not form.is_valid():
        messages.error(request, _("Choose a repairer of %(c)s.") % {"c": order.property_company})
        return _back(request, order)
    try:
        order = services.workorder_assign(
            order, actor=request.user, repairer=form.cleaned_data["repairer"]
        )
    except DomainError as exc:
        _say(request, exc)
    else:
        messages.success(
            request,
            _("%(n)s given to %(who)s.") % {"n": order.number, "who": order.assigned_to},
        )
    return _back(request, order)


@staff_view(Perm.WORKORDER_DISPATCH, find=selectors.order_for_user, methods=("POST",))
def workorder_defer(request, order, pk):
    form = DeferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the day until which it is put off, and why."))
        return _back(request, order)
    try:
        order = services.workorder_defer(
            order,
            actor=request.user,
            until=form.cleaned_data["until"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        _say(request, exc)
    else:
        messages.success(
            request,
            _("%(n)s put off until %(d)s; its clock stands still until then.")
            % {"n": order.number, "d": order.defer_until},
        )
    return _back(request, order)


@staff_view(Perm.WORKORDER_DISPATCH, find=selectors.order_for_user, methods=("POST",))
def workorder_resume(request, order, pk):
    try:
        order = services.workorder_resume(order, actor=request.user)
    except DomainError as exc:
        _say(request, exc)
    else:
        messages.success(
            request,
            _("%(n)s taken up again; complete by %(d)s.")
            % {"n": order.number, "d": _local(order.complete_by)},
        )
    return _back(request, order)


@staff_view(Perm.WORKORDER_DISPATCH, find=selectors.order_for_user, methods=("POST",))
def workorder_cancel(request, order, pk):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        order = answers.workorder_cancel(order, actor=request.user, reason=reason)
    except DomainError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("%(n)s cancelled.") % {"n": order.number})
    return _back(request, order)


@staff_view(Perm.WORKORDER_DISPATCH, find=selectors.order_for_user, methods=("POST",))
def workorder_urgency(request, order, pk):
    form = UrgencyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the urgency."))
        return _back(request, order)
    try:
        order = services.workorder_set_urgency(
            order, actor=request.user, urgency=form.cleaned_data["urgency"]
        )
    except DomainError as exc:
        _say(request, exc)
    else:
        messages.success(
            request,
            _("%(n)s is now “%(u)s”: respond by %(r)s, complete by %(c)s.")
            % {
                "n": order.number,
                "u": order.get_urgency_display(),
                "r": _local(order.respond_by),
                "c": _local(order.complete_by),
            },
        )
    return _back(request, order)


@staff_view(Perm.WORKORDER_DISPATCH)
def workorder_board(request):
    now = timezone.now()
    orders = selectors.board(request.user, now)
    page_orders = list(orders[:200])
    companies = {o.property_company_id: o.property_company for o in page_orders}
    repairers = {pk: services.repairers_of(company) for pk, company in companies.items()}
    return render(
        request,
        "helpdesk/workorders/board.html",
        {
            "orders": page_orders,
            "total": orders.count() if len(page_orders) == 200 else len(page_orders),
            "repairers": repairers,
            "now": now,
            "unassigned": sum(1 for o in page_orders if o.status == S.REPORTED),
            "late": sum(1 for o in page_orders if o.is_overdue(now)),
        },
    )


# --- Quality checks -----------------------------------------------------------------------


@staff_view(Perm.WORKORDER_QUALITY, find=selectors.order_for_user, methods=("POST",))
def workorder_check(request, order, pk):
    form = CheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say how it was checked and whether it passed."))
        return _back(request, order)
    try:
        quality.quality_check_record(order, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("Quality check of %(n)s recorded.") % {"n": order.number})
    return _back(request, order)


@staff_view(Perm.WORKORDER_QUALITY)
def workorder_quality(request):
    user = request.user
    visible = WorkOrder.objects.visible_to(user)
    drawn_ids = request.session.get(SAMPLE_SESSION_KEY, [])
    sample = list(
        selectors.orders_for(user)
        .filter(pk__in=drawn_ids)
        .prefetch_related("quality_checks")
        .order_by("property_company__name", "number")
    )
    checks = (
        QualityCheck.objects.filter(order__in=visible)
        .select_related("order__estate", "order__property_company", "checked_by")
        .order_by("-checked_at", "-id")
    )
    return list_page(
        request,
        "helpdesk/workorders/quality.html",
        checks,
        {"sample": sample, "form": SampleForm(), "check_form": CheckForm()},
        page_size=30,
    )


@staff_view(Perm.WORKORDER_QUALITY, methods=("POST",))
def workorder_sample(request):
    form = SampleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the month and how many orders per company."))
        return redirect("workorder_quality")
    try:
        ids = quality.quality_sample_draw(
            actor=request.user,
            month=form.cleaned_data["month"],
            per_company=form.cleaned_data["per_company"],
        )
    except DomainError as exc:
        _say(request, exc)
    else:
        request.session[SAMPLE_SESSION_KEY] = ids
        messages.success(
            request,
            _("%(k)s orders drawn for a check; they are listed below.") % {"k": len(ids)},
        )
    return redirect("workorder_quality")


urlpatterns = [
    path("repairs/", workorder_list, name="workorder_list"),
    path("repairs/new/", workorder_new, name="workorder_new"),
    path("repairs/board/", workorder_board, name="workorder_board"),
    path("repairs/quality/", workorder_quality, name="workorder_quality"),
    path("repairs/quality/sample/", workorder_sample, name="workorder_sample"),
    path("repairs/<int:pk>/", workorder_detail, name="workorder_detail"),
    path("repairs/<int:pk>/photos/<int:photo_pk>/", workorder_photo, name="workorder_photo"),
    path("repairs/<int:pk>/assign/", workorder_assign, name="workorder_assign"),
    path("repairs/<int:pk>/defer/", workorder_defer, name="workorder_defer"),
    path("repairs/<int:pk>/resume/", workorder_resume, name="workorder_resume"),
    path("repairs/<int:pk>/cancel/", workorder_cancel, name="workorder_cancel"),
    path("repairs/<int:pk>/urgency/", workorder_urgency, name="workorder_urgency"),
    path("repairs/<int:pk>/check/", workorder_check, name="workorder_check"),
]
