"""Who is calling the API: a staff member's session, or a machine client's API key.
An API key becomes a principal that the scoping choke-points understand: it sees only
the estates it is bound to and may do only what its scopes allow."""

from django.core.exceptions import PermissionDenied
from ninja.security import APIKeyHeader, SessionAuth

from .access import needs_second_factor
from .middleware import current_client
from .roles import Perm
from .services import apikey_authenticate

SCOPE_PERMISSIONS = {
    "read": {Perm.HOUSING_VIEW, Perm.HOUSEHOLDS_VIEW},
    "ingest": {Perm.INGEST},
    "ledger": {Perm.LEDGER_IMPORT},
}


class ApiKeyPrincipal:
    is_authenticated = True
    is_active = True
    role_set: frozenset[str] = frozenset()
    organisation_id = None

    def __init__(self, key):
        self.key = key
        self.pk = None
        self.organisation_id = key.organisation_id
        self.estate_ids = list(key.estates.values_list("pk", flat=True))
        perms: set[str] = set()
        for scope in key.scopes:
            perms |= SCOPE_PERMISSIONS.get(scope, set())
        self.permission_set = frozenset(perms)

    def can(self, perm) -> bool:
        return perm in self.permission_set

    def get_username(self):
        return f"apikey:{self.key.prefix}"

    def __str__(self):
        return self.get_username()


class ApiKeyAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request, key):
        row = apikey_authenticate(key)
        if row is None:
            return None
        principal = ApiKeyPrincipal(row)
        current_client.set(principal.get_username())
        return principal


class StaffSessionAuth(SessionAuth):
    """Session log-in, for staff only (tenants use the portal, not the API)."""

    def _get_key(self, request):
        # CSRF is checked only when there is a session to forge. Ninja tries each auth in
        # turn, and a session auth failing CSRF answers 403 at once, so a machine client
        # (no cookie) with a wrong key would hear "CSRF" instead of 401.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None or not user.is_staff_user:
            return None
        if needs_second_factor(user) and not user.is_verified():
            return None  # the same rule as the pages: no second factor, no access
        return user


def actor_of(principal):
    """The User to record as actor in audit entries (None for an API key: its label
    is recorded through the request's principal)."""
    return principal if not isinstance(principal, ApiKeyPrincipal) else None


def require(principal, perm) -> None:
    if not principal.can(perm):
        raise PermissionDenied


def scoped(principal, finder, pk, perm):
    """Find the object in the caller's scope (404 otherwise), then check the permission
    (403 otherwise) — the same order as the pages."""
    obj = finder(principal, pk)
    require(principal, perm)
    return obj
