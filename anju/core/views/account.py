"""A signed-in user's own account: password and TOTP two-factor log-in."""

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from anju.core import audit
from anju.core.access import staff_view
from anju.core.forms import TokenForm
from anju.core.models import AuditKind


@staff_view(None, methods=("GET", "POST"))
def account(request):
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    password_form = PasswordChangeForm(user)
    token_form = TokenForm()
    action = request.POST.get("action")
    if action == "password":
        password_form = PasswordChangeForm(user, request.POST)
        if password_form.is_valid():
            password_form.save()
            update_session_auth_hash(request, user)
            audit.record(actor=user, kind=AuditKind.SECURITY, action="password.change", target=user)
            messages.success(request, _("Your password was changed."))
            return redirect("account")
    elif action == "totp-start" and not confirmed:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        TOTPDevice.objects.create(user=user, name="default", confirmed=False)
        return redirect("account")
    elif action == "totp-confirm" and pending:
        token_form = TokenForm(request.POST)
        if token_form.is_valid() and pending.verify_token(token_form.cleaned_data["token"]):
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            otp_login(request, pending)  # this session has just proven the second factor
            audit.record(actor=user, kind=AuditKind.SECURITY, action="2fa.enable", target=user)
            messages.success(request, _("Two-factor log-in is on."))
            return redirect("account")
        token_form.add_error("token", _("That code is not valid."))
    elif action == "totp-off" and confirmed:
        TOTPDevice.objects.filter(user=user).delete()
        audit.record(actor=user, kind=AuditKind.SECURITY, action="2fa.disable", target=user)
        messages.info(request, _("Two-factor log-in is off."))
        return redirect("account")
    qr = segno.make(pending.config_url).svg_inline(scale=4) if pending else None
    return render(
        request,
        "core/account.html",
        {
            "password_form": password_form,
            "token_form": token_form,
            "confirmed": confirmed,
            "pending": pending,
            "qr": qr,
        },
    )
