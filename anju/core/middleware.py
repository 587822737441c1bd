import contextvars

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)
# The label of a machine client (API key) making the request, for audit entries.
current_client: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_client", default=None
)


def client_ip(request) -> str | None:
    """The client's address. X-Forwarded-For is believed only behind our own reverse
    proxy (ANJU_BEHIND_PROXY), and then only its last hop, the one the proxy added;
    otherwise anyone could write any address into the audit log."""
    from django.conf import settings

    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Remembers where the request came from, so audit entries written deep inside a
    service can say "from where" without every service taking the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        client_token = current_client.set(None)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
            current_client.reset(client_token)
