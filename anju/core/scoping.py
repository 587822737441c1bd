"""Who sees which records. Scoping is a property of the data (estate → community →
street), and this module is the one place that turns a user into that property. Each
model's `visible_to(user)` calls `estate_q` with its own path to the estate."""

from django.db.models import Q

from .roles import Role

_NOTHING = Q(pk__in=[])
DISTRICT_WIDE = {Role.AUTHORITY_OFFICER, Role.AUDITOR}


def _estate_conditions(user) -> Q | None:
    """A Q over Estate fields, or None when the user sees the whole district."""
    if not (user and user.is_authenticated and user.is_active):
        return _NOTHING
    if getattr(user, "estate_ids", None) is not None:  # a machine client's API key
        return Q(pk__in=user.estate_ids)
    roles = user.role_set
    if roles & DISTRICT_WIDE:
        return None
    org = user.organisation_id
    q = _NOTHING
    if Role.STREET_REVIEWER in roles:
        q |= Q(community__parent_id=org)
    if Role.COMMUNITY_WORKER in roles:
        q |= Q(community_id=org)
    if Role.OPERATOR_CLERK in roles:
        q |= Q(operator_id=org)
    if roles & {Role.PROPERTY_STAFF, Role.PROPERTY_MANAGER}:
        q |= Q(property_company_id=org)
    return q


def estate_q(user, path: str = "") -> Q:
    """A Q that keeps rows whose estate (reached through `path`, e.g. "building__estate")
    is visible to `user`."""
    cond = _estate_conditions(user)
    if cond is None:
        return Q()
    if cond == _NOTHING:
        return _NOTHING
    if not path:
        return cond
    prefix = path + "__"
    return _prefixed(cond, prefix)


def community_q(user, path: str) -> Q:
    """Rows attached to a community (households not yet housed) visible to `user`."""
    if not (user and user.is_authenticated and user.is_active):
        return _NOTHING
    roles = user.role_set
    if roles & DISTRICT_WIDE:
        return Q()
    q = _NOTHING
    if Role.STREET_REVIEWER in roles:
        q |= Q(**{f"{path}__parent_id": user.organisation_id})
    if Role.COMMUNITY_WORKER in roles:
        q |= Q(**{f"{path}_id": user.organisation_id})
    return q


def sees_whole_district(user) -> bool:
    return bool(user.is_authenticated and user.role_set & DISTRICT_WIDE)


def _prefixed(q: Q, prefix: str) -> Q:
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_prefixed(child, prefix))
        else:
            key, value = child  # type: ignore[misc]  # a leaf is a (lookup, value) pair
            out.children.append((prefix + key, value))
    return out
