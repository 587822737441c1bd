"""My repairs: a tenant reports a repair (what is wrong, chosen place → category →
problem; where, if not in the home; a description and photos), follows each of the
household's orders with its trail (who is on it and by when), confirms a finished one
with stars and a comment, reopens it within the window, or withdraws a report nobody
is on yet. The same services as the staff pages. Only the signed-in tenant's own
household: another family's order answers 404, like a missing one."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.helpdesk.forms.workorders import ConfirmForm, PortalReportForm, ReasonForm
from anju.helpdesk.models import PhotoStage, WorkOrderChannel, WorkOrderStatus
from anju.helpdesk.selectors import workorders as selectors
from anju.helpdesk.services import workorder_answers as answers
from anju.helpdesk.services import workorders as services

from ..access import portal_view

S = WorkOrderStatus


def own_household(user, **_kwargs):
    if not user.household_id:
        raise Http404
    return user.household


def own_housed_household(user, **_kwargs):
    """The account's household, living in a unit: a repair is reported for a home."""
    household = own_household(user)
    if household.unit_id is None:
        raise Http404
    return household


def own_order(user, pk):
    return selectors.household_order(own_household(user), pk)


def own_photo(user, pk, photo_pk):
    return selectors.household_photo(own_household(user), pk, photo_pk)


@portal_view(find=own_household)
def my_repairs(request, household):
    orders = list(selectors.household_orders(household)[:100])
    return render(
        request,
        "portal/repairs/list.html",
        {
            "household": household,
            "orders": orders,
            "may_report": household.unit_id is not None,
            "now": timezone.now(),
        },
    )


@portal_view(find=own_housed_household, methods=("GET", "POST"))
def my_repair_new(request, household):
    form = PortalReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.workorder_report(
                actor=request.user,
                channel=WorkOrderChannel.PORTAL,
                repair_class=data["repair_class"],
                description=data["description"],
                place=data["place"],
                emergency=data["emergency"],
                contact_name=str(household.head or ""),
                contact_phone=data["contact_phone"],
                photos=data.get("photos") or [],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Your repair %(n)s is received. Someone will respond by %(d)s; you can "
                    "follow it here."
                )
                % {
                    "n": order.number,
                    "d": timezone.localtime(order.respond_by).strftime("%Y-%m-%d %H:%M"),
                },
            )
            return redirect("portal_repair", pk=order.pk)
    return render(request, "portal/repairs/new.html", {"form": form, "household": household})


@portal_view(find=own_order)
def my_repair(request, order, pk):
    photos = selectors.photos_of(order)
    now = timezone.now()
    refusal = answers.reopen_refusal(order, now)
    return render(
        request,
        "portal/repairs/detail.html",
        {
            "order": order,
            "now": now,
            "steps": selectors.steps_of(order),
            "reported_photos": [p for p in photos if p.stage == PhotoStage.REPORTED],
            "done_photos": [p for p in photos if p.stage == PhotoStage.DONE],
            "can_confirm": order.status == S.DONE,
            "can_reopen": order.status in (S.DONE, S.CLOSED) and refusal is None,
            "reopen_refusal": refusal if order.status in (S.DONE, S.CLOSED) else None,
            "can_cancel": order.status == S.REPORTED,
            "reopen_days": settings.ANJU_REPAIR_REOPEN_DAYS,
            "reopens_left": max(settings.ANJU_REPAIR_REOPEN_MAX - order.reopen_count, 0),
            "confirm_form": ConfirmForm(),
        },
    )


@portal_view(find=own_order, methods=("POST",))
def my_repair_confirm(request, order, pk):
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose from 1 to 5 stars."))
        return redirect("portal_repair", pk=order.pk)
    try:
        answers.workorder_confirm(
            order,
            actor=request.user,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you. The repair is confirmed and closed."))
    return redirect("portal_repair", pk=order.pk)


@portal_view(find=own_order, methods=("POST",))
def my_repair_reopen(request, order, pk):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        order = answers.workorder_reopen(order, actor=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Reopened: %(who)s comes back to it, to be done by %(d)s.")
            % {
                "who": order.assigned_to,
                "d": timezone.localtime(order.complete_by).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return redirect("portal_repair", pk=order.pk)


@portal_view(find=own_order, methods=("POST",))
def my_repair_cancel(request, order, pk):
    try:
        answers.workorder_cancel(order, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your report is withdrawn."))
    return redirect("portal_repair", pk=order.pk)


@portal_view(find=own_photo)
def my_repair_photo(request, photo, pk, photo_pk):
    if not photo.file:
        raise Http404
    return FileResponse(photo.file.open("rb"), filename=photo.file.name.rsplit("/", 1)[-1])


urlpatterns = [
    path("my/repairs/", my_repairs, name="portal_repairs"),
    path("my/repairs/new/", my_repair_new, name="portal_repair_new"),
    path("my/repairs/<int:pk>/", my_repair, name="portal_repair"),
    path("my/repairs/<int:pk>/confirm/", my_repair_confirm, name="portal_repair_confirm"),
    path("my/repairs/<int:pk>/reopen/", my_repair_reopen, name="portal_repair_reopen"),
    path("my/repairs/<int:pk>/cancel/", my_repair_cancel, name="portal_repair_cancel"),
    path(
        "my/repairs/<int:pk>/photos/<int:photo_pk>/",
        my_repair_photo,
        name="portal_repair_photo",
    ),
]
