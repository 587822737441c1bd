"""Log-in with django-axes throttling and an optional TOTP second step."""

import re

from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from anju.core import audit, pii
from anju.core.access import needs_second_factor
from anju.core.forms import LoginForm, TokenForm
from anju.core.models import AuditKind

PENDING = "anju_pending_2fa_user"


def _next_url(request):
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return None


def _username(raw: str) -> str:
    """Applicants log in with their phone number, however they type it ("138 1234 5678",
    "+86…"); staff usernames pass through unchanged."""
    phone = pii.normalise_phone(raw)
    return pii.phone_username(phone) if re.fullmatch(r"1\d{10}", phone) else raw.strip()


def _home_for(user):
    return "portal_home" if user.role_set == {"tenant"} else "home"


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = _username(form.cleaned_data["username"])
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            form.add_error(None, _("Too many failed attempts. Try again in 30 minutes."))
        elif user is None:
            form.add_error(None, _("The username or password is wrong."))
            audit.record(
                actor=None,
                kind=AuditKind.SECURITY,
                action="login.failed",
                target=("core.user", "", username[:150]),
            )
        elif needs_second_factor(user):
            request.session[PENDING] = user.pk
            request.session["anju_next"] = _next_url(request)
            return redirect("login_token")
        else:
            login(request, user)
            audit.record(actor=user, kind=AuditKind.SECURITY, action="login", target=user)
            return redirect(_next_url(request) or _home_for(user))
    return render(request, "core/login.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def login_token(request):
    user_id = request.session.get(PENDING)
    if not user_id:
        return redirect("login")
    user = get_user_model().objects.get(pk=user_id)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is None:
            form.add_error("token", _("That code is not valid."))
        else:
            nxt = request.session.pop("anju_next", None)
            request.session.pop(PENDING, None)
            user.backend = "django.contrib.auth.backends.ModelBackend"
            login(request, user)
            otp_login(request, device)
            audit.record(actor=user, kind=AuditKind.SECURITY, action="login.2fa", target=user)
            return redirect(nxt or _home_for(user))
    return render(request, "core/login_token.html", {"form": form})


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this instead of answering with its own bare page: the log-in page
    again, in the user's language, saying why (HTTP 429)."""
    form = LoginForm(request.POST or None)
    form.is_valid()
    form.add_error(None, _("Too many failed attempts. Try again in 30 minutes."))
    return render(
        request, "core/login.html", {"form": form, "next": _next_url(request)}, status=429
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("login")
