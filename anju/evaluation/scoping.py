"""Who sees which scorecards: the one choke-point for `Evaluation` and everything
hanging from it (scores, objections, consequences).

- The district-wide roles see every scorecard.
- A staff member sees their own organisation's; a street reviewer also those of the
  communities of its street.
- Street, community and operator staff see the tenant households' scorecards in the
  estates they work for (they carry out the interviews and warnings).
- A tenant sees their own household's.
- A property company sees only its own; the others' totals reach it through the
  public ranking."""

from django.db.models import Q

from anju.core.roles import Role
from anju.core.scoping import estate_q, sees_whole_district

_NOTHING = Q(pk__in=[])
TENANT_SEERS = {Role.STREET_REVIEWER, Role.COMMUNITY_WORKER, Role.OPERATOR_CLERK}


def evaluation_q(user, path: str = "") -> Q:
    """A Q keeping the evaluations (reached through `path`) `user` may see."""
    prefix = f"{path}__" if path else ""
    if not (user and user.is_authenticated and user.is_active):
        return _NOTHING
    if sees_whole_district(user):
        return Q()
    roles = user.role_set
    q = _NOTHING
    if Role.TENANT in roles and user.household_id:
        q |= Q(**{f"{prefix}household_id": user.household_id})
    org = user.organisation_id
    if org and roles - {Role.TENANT}:
        q |= Q(**{f"{prefix}organisation_id": org})
        if Role.STREET_REVIEWER in roles:
            q |= Q(**{f"{prefix}organisation__parent_id": org, f"{prefix}party_kind": "community"})
        if roles & TENANT_SEERS:
            q |= Q(**{f"{prefix}party_kind": "tenant"}) & estate_q(user, f"{prefix}estate")
    return q
