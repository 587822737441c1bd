"""Declaring who may open a view. Every staff view is wrapped by `staff_view`, which
settles the three answers in one order: wrong method → 405, record outside the user's
scope → 404 (the same answer as a missing record), in scope without the permission → 403.
The declared permission and methods stay on the view for the scoping-matrix test."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect


def staff_view(perm: str | tuple[str, ...] | None, *, find=None, methods=("GET",)):
    """`find(user, **url_kwargs)` returns the scoped object or raises Http404; the view
    then receives it as its second argument. `perm=None` means any signed-in user; a
    tuple means any one of those permissions."""

    methods = tuple(methods)
    perms = (perm,) if isinstance(perm, str) else perm

    def decorate(view):
        @wraps(view)
        def wrapper(request, **kwargs):
            if wrong_method(request, methods):
                return HttpResponseNotAllowed(methods)
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if needs_second_factor(user) and not user.is_verified():
                return redirect("login")
            obj = find(user, **kwargs) if find else None
            if perms is not None and not any(user.can(p) for p in perms):
                raise PermissionDenied
            if find:
                return view(request, obj, **kwargs)
            return view(request, **kwargs)

        # Read by the scoping-matrix test.
        wrapper.anju_perm = perm  # type: ignore[attr-defined]
        wrapper.anju_methods = methods  # type: ignore[attr-defined]
        return wrapper

    return decorate


def wrong_method(request, methods: tuple[str, ...]) -> bool:
    """The request's method is not one the view takes (HEAD goes with GET)."""
    return request.method not in methods and not (request.method == "HEAD" and "GET" in methods)


def needs_second_factor(user) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


def get_or_404(queryset, **lookup):
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
