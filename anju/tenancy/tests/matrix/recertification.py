"""Scoping-matrix rows of the yearly recertification: the campaigns, one campaign's
progress, households, outcomes report and steps, one household's case, the counter
declaration, and the tenant's portal pages.

Each side gets a campaign of its own estate ("in": E1, "out": E2), opened today, in
which the cast's household (Alice's, Charlie's) has declared a low income and has its
outcome computed (still qualifies). So every step succeeds for a role allowed to take
it: sending to the agencies, taking in the answers, computing, confirming (no rent
changes, as the household qualifies at its normal rent), and declaring again. On the
portal, Alice and Charlie each see their own case; everyone else has no household."""

from anju.tenancy.models import RecertCase
from anju.tenancy.services import recertification as recert
from anju.testing.admission import make_ruleset
from anju.testing.matrix import RECERT_ENTER, RECERT_MANAGE, TENANCY_VIEW, Row, _list, _r

TENANTS_OWN = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}
NAMES = {"in": "矩阵年审（康居苑）", "out": "矩阵年审（安泰小区）"}


def build(world):
    cast = world.cast
    officer = cast.users["officer"]
    ruleset = make_ruleset(officer)
    campaigns, cases = {}, {}
    for side in ("in", "out"):
        campaigns[side] = recert.campaign_open(
            actor=officer, year=ruleset.year, name=NAMES[side], estates=[world.estate(side)]
        )
        case = RecertCase.objects.get(campaign=campaigns[side], household=world.household(side))
        members = [
            {"member": m.pk, "monthly_income": "1000.00", "present": True}
            for m in case.household.members.current()
        ]
        recert.recert_declare(case, actor=officer, channel="counter", members=members, consent=True)
        cases[side] = recert.recert_compute(case)
    world.extra["recert"] = {"campaigns": campaigns, "cases": cases, "year": ruleset.year}


def _x(w):
    return w.extra["recert"]


def _campaign(name, *args):
    return lambda w, side, role: _r(name, _x(w)["campaigns"][side].pk, *args)


def _case(name):
    return lambda w, side, role: _r(name, _x(w)["cases"][side].pk)


def _declaration(w, side):
    data = {"deposits": "0", "vehicles": "0", "housing_acquired": "none", "consent": "on"}
    for member in w.household(side).members.current():
        data[f"income_{member.pk}"] = "1200.00"
        data[f"present_{member.pk}"] = "on"
    return data


ROWS = [
    Row(
        "recert_campaign_list",
        _list("recert_campaign_list"),
        allowed=TENANCY_VIEW,
        scope="none",
        marks=(NAMES["in"], NAMES["out"]),
    ),
    Row(
        "recert_campaign_open",
        _list("recert_campaign_open"),
        methods=("GET", "POST"),
        allowed=RECERT_MANAGE,
        scope="none",
        data=lambda w, side: {
            "year": str(_x(w)["year"] + 1),
            "name": "矩阵新年审",
            "estates": [w.cast.e1.pk],
        },
    ),
    Row("recert_campaign_detail", _campaign("recert_campaign_detail"), allowed=TENANCY_VIEW),
    Row("recert_campaign_cases", _campaign("recert_campaign_cases"), allowed=TENANCY_VIEW),
    Row("recert_outcomes_export", _campaign("recert_outcomes_export"), allowed=TENANCY_VIEW),
    Row(
        "recert_campaign_compute",
        _campaign("recert_campaign_compute"),
        methods=("POST",),
        allowed=RECERT_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "recert_campaign_verify",
        _campaign("recert_campaign_verify"),
        methods=("POST",),
        allowed=RECERT_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "recert_campaign_answers",
        _campaign("recert_campaign_answers"),
        methods=("POST",),
        allowed=RECERT_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "recert_campaign_confirm",
        _campaign("recert_campaign_confirm"),
        methods=("POST",),
        allowed=RECERT_MANAGE,
        data=lambda w, side: {"estate": w.estate(side).pk},
    ),
    Row("recert_case_detail", _case("recert_case_detail"), allowed=TENANCY_VIEW),
    Row(
        "recert_case_declare",
        _case("recert_case_declare"),
        methods=("GET", "POST"),
        allowed=RECERT_ENTER,
        data=_declaration,
    ),
    Row(
        "recert_case_confirm",
        _case("recert_case_confirm"),
        methods=("POST",),
        allowed=RECERT_MANAGE,
        data=lambda w, side: {},
    ),
    # The tenant's own pages: a POST without a declaration shows the form again.
    Row("portal_recert", _list("portal_recert"), fixed=TENANTS_OWN),
    Row(
        "portal_recert_declare",
        _list("portal_recert_declare"),
        methods=("GET", "POST"),
        fixed=TENANTS_OWN,
    ),
]
