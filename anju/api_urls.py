"""Wires the apps' django-ninja routers into /api/v1/. Nothing else lives here."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from anju.admission.api import router as admission_router
from anju.core.api_auth import ApiKeyAuth, StaffSessionAuth
from anju.core.errors import DomainError
from anju.households.api import router as households_router
from anju.housing.api import router as housing_router
from anju.supervision.api import router as supervision_router
from anju.tenancy.api import router as tenancy_router

api = NinjaAPI(
    title="Anju API",
    version="1",
    description="Public rental housing registry of the district. Staff use their session; "
    "machine clients send `X-API-Key`.",
    # The key first: a machine client sends no CSRF token (see StaffSessionAuth).
    auth=[ApiKeyAuth(), StaffSessionAuth()],
    urls_namespace="api-1",
)


def _error(request, code, message, status, **extra):
    return api.create_response(
        request, {"code": code, "message": str(message), **extra}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc):
    return _error(request, exc.code, exc.message, 400)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, "not_found", "Not found.", 404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, "forbidden", "You do not have permission to do this.", 403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, "unauthenticated", "Log in or send a valid X-API-Key.", 401)


@api.exception_handler(NinjaValidationError)
def on_invalid(request, exc):
    return _error(request, "invalid", "The request is not valid.", 422, errors=exc.errors)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return _error(request, f"http_{exc.status_code}", exc.message, exc.status_code)


api.add_router("/", housing_router)
api.add_router("/", households_router)
api.add_router("/", admission_router)
api.add_router("/", tenancy_router)
api.add_router("/", supervision_router)

urlpatterns = [path("", api.urls)]
