"""Scoping-matrix rows of renewal: the renewals-due list, a renewal, its decision, the
counter application, and the tenant's portal pages.

Each side (E1 "in", E2 "out") gets two households of its own, housed in a new building
with a lease ending 30 days from today, so their renewal window is open whatever the
day the suite runs: one with no application (taken at the counter by the POST), one
that applied (to be decided). Alice and Charlie are left as they are: on the portal
each sees their own lease and when they may apply; outside their window the
application page sends them back to it."""

import datetime
from decimal import Decimal

from django.utils import timezone
from stdnum.cn import ric

from anju.admission.models import RuleSet
from anju.tenancy.services.renewal import months_before, renewal_apply
from anju.testing.admission import make_ruleset
from anju.testing.matrix import RENEWAL_DECIDE, RENEWAL_ENTER, TENANCY_VIEW, Row, _list, _r
from anju.testing.tenancy import housed_household

PORTAL_ONLY = {"anonymous": 302, "*": 404}
# The cast's leases end on 2028-01-01; inside their window (the default rules: from
# 2027-10-01) the application page is shown, before or after it sends the tenant back.
CAST_END = datetime.date(2028, 1, 1)
CAST_WINDOW_OPEN = (
    months_before(CAST_END, RuleSet._meta.get_field("renewal_window_months").default)
    <= datetime.date.today()
    <= CAST_END
)
TENANT_APPLY = 200 if CAST_WINDOW_OPEN else 302


def _id(seq: int) -> str:
    body = f"14040219750505{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def _housed(estate, number: str, seq: int, actor, end: datetime.date):
    household = housed_household(
        estate,
        number,
        actor,
        start=end.replace(year=end.year - 3),
        end=end,
        head={"name": f"续租{seq}", "id_number": _id(seq), "monthly_income": Decimal("1200")},
    )
    return household.leases.get(), household.head


def _form_data(head) -> dict:
    """The counter's declaration form filled in: the head at ¥1,200, nothing else."""
    return {
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "1",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "1000",
        "m-0-member": str(head.pk),
        "m-0-monthly_income": "1200",
        "m-0-present": "on",
        "n-TOTAL_FORMS": "0",
        "n-INITIAL_FORMS": "0",
        "n-MIN_NUM_FORMS": "0",
        "n-MAX_NUM_FORMS": "6",
        "d-deposits": "5000",
        "d-vehicles": "0",
        "d-housing_acquired": "none",
        "d-consent": "on",
    }


def build(world):
    cast = world.cast
    officer = cast.users["officer"]
    make_ruleset(officer)
    end = timezone.localdate() + datetime.timedelta(days=30)
    sides = {}
    for seq, (side, estate) in enumerate((("in", cast.e1), ("out", cast.e2))):
        tag = side.upper()
        lease, head = _housed(estate, f"MXR-APL-{tag}", 10 * seq + 1, officer, end)
        applied, applied_head = _housed(estate, f"MXR-DEC-{tag}", 10 * seq + 2, officer, end)
        renewal = renewal_apply(
            applied,
            actor=officer,
            channel="counter",
            members=[{"member": applied_head.pk, "monthly_income": "1200", "present": True}],
            deposits="5000",
            consent=True,
        )
        sides[side] = {"lease": lease, "form": _form_data(head), "renewal": renewal}
    world.extra["renewal"] = sides


def _pk(name, what):
    return lambda w, side, role: _r(name, w.extra["renewal"][side][what].pk)


ROWS = [
    Row(
        "renewals_due",
        _list("renewals_due"),
        allowed=TENANCY_VIEW,
        scope="none",
        marks=("L-MXR-APL-IN", "L-MXR-APL-OUT", "L-MXR-DEC-OUT"),
    ),
    Row("renewal_detail", _pk("renewal_detail", "renewal"), allowed=TENANCY_VIEW),
    Row(
        "renewal_decide",
        _pk("renewal_decide", "renewal"),
        methods=("GET", "POST"),
        allowed=RENEWAL_DECIDE,
        data=lambda w, side: {"decision": "approve", "reason": ""},
    ),
    Row(
        "renewal_apply",
        _pk("renewal_apply", "lease"),
        methods=("GET", "POST"),
        allowed=RENEWAL_ENTER,
        data=lambda w, side: w.extra["renewal"][side]["form"],
    ),
    # --- the portal: a tenant's own household only; staff have none ---
    Row(
        "portal_renewal",
        _list("portal_renewal"),
        fixed={"alice": 200, "charlie": 200, **PORTAL_ONLY},
        marks=("L-HH-A", "L-HH-C"),
        marks_for=frozenset({"alice"}),
    ),
    # An empty POST inside the window shows the form again with its errors.
    Row(
        "portal_renewal_apply",
        _list("portal_renewal_apply"),
        methods=("GET", "POST"),
        fixed={"alice": TENANT_APPLY, "charlie": TENANT_APPLY, **PORTAL_ONLY},
    ),
    Row(
        "portal_renewal_card",
        _list("portal_renewal_card"),
        fixed={"alice": 200, "charlie": 200, **PORTAL_ONLY},
    ),
]
