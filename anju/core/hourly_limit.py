"""A per-address, per-hour limit on the public pages (tips, feedback): a counter in the
cache, keyed by what is counted, the address and the hour, which expires with the
hour. Nothing is written to the database, so a flood costs no rows."""

import datetime

from django.core.cache import cache
from django.utils import timezone

from .errors import DomainError


def _key(scope: str, ip: str | None, now: datetime.datetime) -> str:
    return f"anju:{scope}:{ip or 'unknown'}:{now:%Y%m%d%H}"


def left(scope: str, ip: str | None, limit: int) -> int:
    """How many more `scope` this address may send this hour."""
    used = cache.get(_key(scope, ip, timezone.now()), 0)
    return max(limit - used, 0)


def count(scope: str, ip: str | None, limit: int, *, message) -> None:
    """Count one more `scope` from `ip` this hour; beyond `limit`, refuse with
    `message` (DomainError, code "rate_limited")."""
    key = _key(scope, ip, timezone.now())
    cache.add(key, 0, timeout=3600)
    if cache.incr(key) > limit:
        raise DomainError(message, code="rate_limited")
