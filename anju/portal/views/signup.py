"""Signing up as an applicant: a public page, no log-in. The family logs in later at
the ordinary log-in page with its phone number (the account keeps only its keyed hash;
see `anju.core.pii.phone_username`)."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from anju.core import audit, pii
from anju.core.errors import DomainError
from anju.core.models import AuditKind
from anju.core.services import applicant_signup

from ..forms import SignupForm
from ..selectors import rules_summary

# Which field a refusal of `applicant_signup` belongs to, by its code.
FIELD_OF_ERROR = {
    "phone_invalid": "phone",
    "phone_registered": "phone",
    "name_required": "full_name",
    "weak_password": "password",
}


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = applicant_signup(
                phone=data["phone"], password=data["password"], full_name=data["full_name"]
            )
        except DomainError as exc:
            form.add_error(FIELD_OF_ERROR.get(exc.code), exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            audit.record(actor=user, kind=AuditKind.SECURITY, action="login", target=user)
            messages.success(
                request,
                _("Your account is ready. From now on you log in with %(phone)s.")
                % {"phone": pii.mask_phone(pii.normalise_phone(data["phone"]))},
            )
            return redirect("portal_apply")
    ruleset, categories = rules_summary()
    return render(
        request, "portal/signup.html", {"form": form, "ruleset": ruleset, "categories": categories}
    )
