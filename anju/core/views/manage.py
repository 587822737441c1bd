"""Administration pages: user accounts (security administrator), organisations
(system administrator) and API keys (security administrator)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anju.core import services
from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.forms import ApiKeyForm, OrganisationForm, UserForm
from anju.core.models import ApiKey, Organisation, User
from anju.core.roles import Perm


def _user_for(user, pk):
    return get_or_404(User.objects.all(), pk=pk)


def _org_for(user, pk):
    return get_or_404(Organisation.objects.all(), pk=pk)


def _key_for(user, pk):
    return get_or_404(ApiKey.objects.all(), pk=pk)


@staff_view(Perm.USERS_MANAGE)
def user_list(request):
    q = request.GET.get("q", "").strip()
    users = (
        User.objects.select_related("organisation").prefetch_related("roles").order_by("username")
    )
    if q:
        users = users.filter(username__icontains=q) | users.filter(full_name__icontains=q)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "core/user_list.html", {"page": page, "q": q})


@staff_view(Perm.USERS_MANAGE, methods=("GET", "POST"))
def user_create(request):
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=d["username"],
                full_name=d["full_name"],
                organisation=d["organisation"],
                roles=d["roles"],
                password=d["password"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Account %(u)s created.") % {"u": user.username})
            return redirect("user_list")
    return render(request, "core/user_form.html", {"form": form, "creating": True})


@staff_view(Perm.USERS_MANAGE, find=_user_for, methods=("GET", "POST"))
def user_edit(request, account, pk):
    initial = {
        "username": account.username,
        "full_name": account.full_name,
        "organisation": account.organisation,
        "roles": sorted(account.role_set),
        "is_active": account.is_active,
    }
    form = UserForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.user_update(
                account,
                actor=request.user,
                full_name=d["full_name"],
                organisation=d["organisation"],
                roles=d["roles"],
                is_active=d["is_active"],
                password=d["password"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Account %(u)s saved.") % {"u": account.username})
            return redirect("user_list")
    return render(request, "core/user_form.html", {"form": form, "account": account})


@staff_view(Perm.ORGS_MANAGE)
def organisation_list(request):
    orgs = Organisation.objects.select_related("parent").order_by("kind", "code")
    return render(request, "core/organisation_list.html", {"orgs": orgs})


@staff_view(Perm.ORGS_MANAGE, methods=("GET", "POST"))
def organisation_create(request):
    return _organisation_form(request, None)


@staff_view(Perm.ORGS_MANAGE, find=_org_for, methods=("GET", "POST"))
def organisation_edit(request, org, pk):
    return _organisation_form(request, org)


def _organisation_form(request, org):
    initial = None
    if org:
        initial = {f: getattr(org, f) for f in services.ORG_FIELDS}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_save(org, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Organisation %(n)s saved.") % {"n": org.name})
            return redirect("organisation_list")
    return render(request, "core/organisation_form.html", {"form": form, "org": org})


@staff_view(Perm.APIKEYS_MANAGE, methods=("GET", "POST"))
def apikey_list(request):
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            _row, new_key = services.apikey_issue(
                actor=request.user,
                name=d["name"],
                organisation=d["organisation"],
                estates=list(d["estates"]),
                scopes=d["scopes"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            form = ApiKeyForm()
    keys = ApiKey.objects.select_related("organisation", "created_by").prefetch_related("estates")
    return render(
        request, "core/apikey_list.html", {"form": form, "keys": keys, "new_key": new_key}
    )


@staff_view(Perm.APIKEYS_MANAGE, find=_key_for, methods=("POST",))
def apikey_revoke(request, key, pk):
    try:
        services.apikey_revoke(key, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Key %(n)s revoked.") % {"n": key.name})
    return redirect("apikey_list")
