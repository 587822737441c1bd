"""The pieces of the scoping matrix (anju/core/tests/test_scoping_matrix.py) that the
apps' own matrix rows share: who holds which permission, the `Row` that describes a
URL, and the helpers that build its URLs. An app adds rows in a module of its
`tests/matrix/` package, with `ROWS` and `build(world)`, which stores the app's objects
in `world.extra`."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from anju.testing.cast import ROLE_USERS

ROLES = [*ROLE_USERS, "anonymous"]
TENANTS = {"alice", "charlie"}
STAFF = set(ROLE_USERS) - TENANTS

# Who sees which side. Every staff member of the cast works on the E1 side; the
# district-wide roles see both. Agency, administrators and tenants see no estate.
E1_SIDE = frozenset(
    {"officer", "street", "community", "operator", "repairer", "propmgr", "auditor"}
)
DISTRICT = frozenset({"officer", "auditor"})

# Who holds which permission (anju.core.roles.ROLE_PERMISSIONS, written out by hand so
# that a change there shows up here as a failing row rather than passing silently).
HOUSING_VIEW = frozenset(
    {"officer", "street", "community", "operator", "repairer", "propmgr", "auditor"}
)
HOUSING_CHANGE = frozenset({"officer", "operator"})
HOUSEHOLDS_VIEW = frozenset({"officer", "street", "community", "operator", "auditor"})
HOUSEHOLDS_CHANGE = frozenset({"officer", "community", "operator"})
PII_UNMASK = frozenset({"officer", "community", "operator"})
LEDGER_IMPORT = frozenset({"officer"})
LEDGER_EXPORT = frozenset({"officer"})
AUDIT_VIEW = frozenset({"auditor"})
USERS_MANAGE = frozenset({"secadmin"})
ORGS_MANAGE = frozenset({"sysadmin"})
APIKEYS_MANAGE = frozenset({"secadmin"})
SIGNED_IN = frozenset(ROLE_USERS)
ADMISSION_VIEW = frozenset({"officer", "street", "community", "auditor"})
APPLICATION_ENTER = frozenset({"officer", "community"})
APPLICATION_REVIEW = frozenset({"officer", "street", "community"})
RULES_MANAGE = frozenset({"officer"})
CONDUCT_RECORD = frozenset({"officer"})
VERIFICATION_MANAGE = frozenset({"officer"})
VERIFICATION_ANSWER = frozenset({"agency"})
NOTICE_MANAGE = frozenset({"officer"})
WAITING_MANAGE = frozenset({"officer"})
ROUND_MANAGE = frozenset({"officer"})
SELECTION_RECORD = frozenset({"officer", "operator"})
LEASE_SIGN = frozenset({"officer", "operator"})
EVALUATION_VIEW = frozenset({"officer", "street", "community", "operator", "propmgr", "auditor"})
EVALUATION_MANAGE = frozenset({"officer"})
EVALUATION_SCORE = frozenset({"officer"})
EVALUATION_RESPOND = frozenset({"street", "community", "operator", "propmgr"})
CONSEQUENCE_RECORD = frozenset({"officer", "community", "operator"})
COCKPIT_VIEW = frozenset({"officer", "auditor"})


@dataclass(frozen=True)
class Row:
    """`url(world, side, role)` builds the URL for side "in" (E1 side) or "out" (E2 side).
    `scope` says what "out" means: "estate" (the E2 side, seen by district-wide roles),
    "own" (another user's record, seen by nobody), "missing" (a record that does not
    exist) or "none" (a list or a page without a record: only "in" is asked)."""

    name: str
    url: Callable
    methods: tuple[str, ...] = ("GET",)
    allowed: frozenset[str] = frozenset()
    scope: str = "estate"
    api: bool = False
    data: Callable | None = None  # POST body: data(world, side) -> dict
    ok: dict[str, int] = field(default_factory=lambda: {"GET": 200, "POST": 302})
    fixed: dict[str, int] | None = None  # a page outside the rules: status per role, "*" else
    override: dict[str, int] = field(default_factory=dict)  # exceptions to the rules
    wrong_method: str | None = "auto"
    # (a text of the E1 side, then texts of the E2 side): a 200 page must show the first
    # and show the others exactly when the role sees the whole district.
    marks: tuple[str | None, ...] | None = None
    marks_for: frozenset[str] | None = None  # roles whose 200 page is checked for marks
    api_estates: Callable | None = None  # item → estate id, for API lists
    succeeded: Callable | None = None  # (response, body) → bool, for a POST answered 200


def _r(name, *args, **kwargs):
    return reverse(name, args=args, kwargs=kwargs or None)


def _object(name, pick):
    """A URL taking one pk, picked from the world for the side."""
    return lambda w, side, role: _r(name, pick(w, side).pk)


def _api(name, kwarg, pick):
    return lambda w, side, role: reverse(name, kwargs={kwarg: pick(w, side).pk})


def _list(name, query=""):
    return lambda w, side, role: _r(name) + query


TENANCY_VIEW = frozenset({"officer", "street", "community", "operator", "auditor"})
BILLING_MANAGE = frozenset({"officer", "operator"})
PAYMENT_RECORD = frozenset({"officer", "operator"})
ARREARS_MANAGE = frozenset({"officer", "operator"})
LEASE_AMEND = frozenset({"officer", "operator"})
LEASE_AMEND_APPROVE = frozenset({"officer"})
RENEWAL_ENTER = frozenset({"officer", "community", "operator"})
RENEWAL_DECIDE = frozenset({"officer"})
RECERT_ENTER = frozenset({"officer", "community", "operator"})
RECERT_MANAGE = frozenset({"officer"})
VACATE_LIST = frozenset({"officer"})
SUPERVISION_VIEW = frozenset({"officer", "street", "community", "operator", "auditor"})
INGEST = frozenset({"officer", "operator"})
DEVICES_MANAGE = frozenset({"officer", "operator"})
SCREENING_RUN = frozenset({"officer"})
TIP_TRIAGE = frozenset({"officer", "community"})
INSPECTION_PLAN = frozenset({"officer", "operator"})
INSPECT = frozenset({"officer", "community", "operator"})
CASE_MANAGE = frozenset({"officer", "community", "operator"})
CASE_DECIDE = frozenset({"officer"})
POINTS_RECORD = frozenset({"officer", "operator"})
EXITS_VIEW = frozenset({"officer", "street", "community", "operator", "auditor"})
EXIT_MANAGE = frozenset({"officer", "operator"})
EXIT_DECIDE = frozenset({"officer"})
HANDOVER = frozenset({"officer", "operator"})
EXCHANGE_ENTER = frozenset({"officer", "community", "operator"})
EXCHANGE_DECIDE = frozenset({"officer"})

# --- helpdesk: work orders ---
HELPDESK_VIEW = frozenset(
    {"officer", "street", "community", "operator", "repairer", "propmgr", "auditor"}
)
WORKORDER_ENTER = frozenset({"officer", "community", "operator", "propmgr"})
WORKORDER_DISPATCH = frozenset({"operator", "propmgr"})
WORKORDER_WORK = frozenset({"repairer", "propmgr"})
WORKORDER_QUALITY = frozenset({"officer", "operator", "propmgr"})
SLA_MANAGE = frozenset({"officer"})

# --- outreach: notices and messages ---
OUTREACH_VIEW = frozenset({"officer", "street", "community", "operator", "propmgr", "auditor"})
PUBLICITY_MANAGE = frozenset({"officer"})

# --- helpdesk: feedback ---
FEEDBACK_ENTER = frozenset({"officer", "street", "community", "operator"})
FEEDBACK_ANSWER = frozenset({"officer", "street", "community", "operator", "propmgr"})

# --- outreach: activities and surveys (OUTREACH_VIEW is above, with the notices) ---
ACTIVITY_MANAGE = frozenset({"officer", "community"})
SURVEY_MANAGE = frozenset({"officer"})
