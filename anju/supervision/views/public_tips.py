"""The public tip pages, open to anyone without logging in: giving a tip (anonymous
allowed; limited per address and hour) and following it by its tracking code, which
shows the progress and nothing about the people involved."""

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from anju.core.errors import DomainError
from anju.core.middleware import client_ip

from ..forms.tips import TipForm
from ..models import TipSource
from ..services import tips as svc

# Looking codes up is limited too, so that nobody can walk through the codes; a real
# tipster looks theirs up a few times.
STATUS_LOOKUPS_PER_HOUR = 30


@require_http_methods(["GET", "POST"])
def tip_public_new(request):
    form = TipForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            tip = svc.tip_submit(
                source=TipSource.PUBLIC, ip=client_ip(request), **form.service_kwargs()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            if exc.code == "rate_limited":
                status = 429
        else:
            messages.success(
                request,
                _(
                    "Thank you. Your tip %(n)s is received. Keep its tracking code "
                    "%(code)s to follow it on this page."
                )
                % {"n": tip.number, "code": tip.tracking_code},
            )
            return redirect(
                reverse("tip_public_status") + "?" + urlencode({"code": tip.tracking_code})
            )
    return render(request, "supervision/tips/public_new.html", {"form": form}, status=status)


def _lookup_allowed(request) -> bool:
    key = f"anju:tip-status:{client_ip(request)}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) <= STATUS_LOOKUPS_PER_HOUR


@require_safe
def tip_public_status(request):
    code = svc.normalise_code(request.GET.get("code", ""))
    status, error, http_status = None, "", 200
    if code:
        if not _lookup_allowed(request):
            error, http_status = _("Too many look-ups from your address; try again later."), 429
        else:
            status = svc.public_status(code)
            if status is None:
                error = _("No tip has this tracking code. Check it and try again.")
    return render(
        request,
        "supervision/tips/public_status.html",
        {"code": code, "status": status, "error": error},
        status=http_status,
    )


urlpatterns = [
    path("tips/new/", tip_public_new, name="tip_public_new"),
    path("tips/status/", tip_public_status, name="tip_public_status"),
]
