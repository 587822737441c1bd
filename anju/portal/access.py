"""Who may open a portal page, and the lookups every portal page starts from: the
signed-in account's own household and its own application. There is no other way in,
so another family's records answer 404, the same as a missing one."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed

from anju.admission.models import Application
from anju.core.access import get_or_404, wrong_method
from anju.core.roles import Role


def portal_view(*, find=None, methods=("GET",)):
    """The portal's counterpart of `staff_view`: wrong method → 405, not signed in → the
    log-in page, then `find(user, **url_kwargs)` returns the account's own object or
    raises Http404, and the view receives it as its second argument. (An account with a
    second factor only gets a session after the log-in's second step, so unlike
    `staff_view` this asks the database nothing more.)"""

    methods = tuple(methods)

    def decorate(view):
        @wraps(view)
        def wrapper(request, **kwargs):
            if wrong_method(request, methods):
                return HttpResponseNotAllowed(methods)
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if find is None:
                return view(request, **kwargs)
            return view(request, find(user, **kwargs), **kwargs)

        wrapper.anju_perm = None
        wrapper.anju_methods = methods
        return wrapper

    return decorate


def is_applicant_account(user) -> bool:
    """A tenant-portal account and nothing else: staff never apply through the portal."""
    return user.role_set == {Role.TENANT}


def own_household(user):
    if not user.household_id:
        raise Http404
    return user.household


def own_application(user, **_kwargs) -> Application:
    """The application of the account's own household."""
    if not user.household_id:
        raise Http404
    return get_or_404(
        Application.objects.select_related("household", "community__parent", "ruleset"),
        household_id=user.household_id,
    )


def own_member(user, pk):
    return get_or_404(own_application(user).members.all(), pk=pk)


def own_document(user, pk):
    return get_or_404(own_application(user).documents.all(), pk=pk)
