"""The device registry and data quality. Staff with Perm.SUPERVISION_VIEW see the
devices of their estates, each with its last report; those with Perm.DEVICES_MANAGE
confirm a device that registered itself on first sight, or retire one. The data
quality page lists meter registers that went backwards (a replacement or a fault:
never negative use) and door locks that have gone silent."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms.ingest import (
    DeviceConfirmForm,
    DeviceFilterForm,
    DeviceRetireForm,
    QualityFilterForm,
)
from ..selectors import ingest as q
from ..services.ingest_devices import device_confirm, device_retire

QUALITY_ROWS = 500  # each list shows at most this many rows; the count is exact


def _device(user, pk):
    return q.device_for_user(user, pk)


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("device_list")


@staff_view(Perm.SUPERVISION_VIEW)
def device_list(request):
    form = DeviceFilterForm(request.GET or None, user=request.user)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "estate": data.get("estate"),
            "kind": data.get("kind") or None,
            "unconfirmed": data.get("state") == "unconfirmed",
        }
        if data.get("state") == "retired":
            filters["retired"] = True
    devices = q.devices_for(request.user, **filters)
    if filters.get("retired"):
        devices = devices.filter(retired_at__isnull=False)
    unconfirmed = q.devices_for(request.user).unconfirmed().count()
    return list_page(
        request,
        "supervision/devices/device_list.html",
        devices.order_by("estate__code", "code"),
        {
            "filter": {"form": form},
            "unconfirmed": unconfirmed,
            "confirm_form": DeviceConfirmForm(),
            "retire_form": DeviceRetireForm(),
            "here": request.get_full_path(),
        },
    )


@staff_view(Perm.DEVICES_MANAGE, find=_device, methods=("POST",))
def device_confirm_page(request, device, pk):
    form = DeviceConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The confirmation could not be read."))
        return _back(request)
    try:
        device_confirm(device, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Device %(code)s confirmed.") % {"code": device.code})
    return _back(request)


@staff_view(Perm.DEVICES_MANAGE, find=_device, methods=("POST",))
def device_retire_page(request, device, pk):
    form = DeviceRetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the device is retired."))
        return _back(request)
    try:
        device_retire(device, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Device %(code)s retired.") % {"code": device.code})
    return _back(request)


@staff_view(Perm.SUPERVISION_VIEW)
def data_quality(request):
    form = QualityFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}  # bad dates: the default window
    since, until = form.window(data)
    estate = data.get("estate")
    if not form.is_bound:  # show the default window in the date fields
        form = QualityFilterForm(initial={"since": since, "until": until}, user=request.user)
    backwards = q.registers_backwards(request.user, since=since, until=until, estate=estate)
    silent, silent_days = q.silent_locks(request.user, estate=estate)
    silent = list(silent[: QUALITY_ROWS + 1])
    return render(
        request,
        "supervision/devices/quality.html",
        {
            "filter": {"form": form},
            "since": since,
            "until": until,
            "backwards": backwards[:QUALITY_ROWS],
            "backwards_total": len(backwards),
            "silent": silent[:QUALITY_ROWS],
            "silent_more": len(silent) > QUALITY_ROWS,
            "silent_days": silent_days,
            "limit": QUALITY_ROWS,
        },
    )


urlpatterns = [
    path("supervision/devices/", device_list, name="device_list"),
    path("supervision/devices/<int:pk>/confirm/", device_confirm_page, name="device_confirm"),
    path("supervision/devices/<int:pk>/retire/", device_retire_page, name="device_retire"),
    path("supervision/data-quality/", data_quality, name="data_quality"),
]
