"""Scoping-matrix rows of the dashboards: the cockpit and its JSON (the officer and the
auditor only), each organisation's dashboard, the redirect to one's own, and the
indicator trends.

The world gets the hand-built periods of `dashboard_data` (in 2011, apart from any
other module's). A party's dashboard on the E1 side is the role's own organisation
(the district-wide roles and everyone else ask for P1's); on the E2 side it is P2's,
which only the district-wide roles see. The repairer is in scope of P1's scorecards
but may not view them: 403."""

from django.utils import timezone

from anju.evaluation.models import PartyKind
from anju.evaluation.tests.dashboard_data import build_evaluations
from anju.testing.matrix import COCKPIT_VIEW, DISTRICT, EVALUATION_VIEW, Row, _list, _r

OWN = {
    "street": "street_a",
    "community": "community_a",
    "operator": "operator_1",
    "repairer": "property_1",
    "propmgr": "property_1",
}


def build(world) -> None:
    built = build_evaluations(world.cast, year=2011, today=timezone.localdate(), prefix="mxdash")
    world.extra["dashboards"] = built


def _party(w, side, role):
    cast = w.cast
    if side == "out":
        return _r("party_dashboard", cast.property_2.pk)
    return _r("party_dashboard", getattr(cast, OWN.get(role, "property_1")).pk)


def _trends(w, side, role):
    indicator = w.extra["dashboards"].indicators[PartyKind.PROPERTY]
    return _r("evaluation_trends") + f"?indicator={indicator.pk}"


ROWS = [
    Row("cockpit", _list("cockpit"), allowed=COCKPIT_VIEW, scope="none"),
    Row("cockpit_data", _list("cockpit_data"), allowed=COCKPIT_VIEW, scope="none"),
    Row("party_dashboard", _party, allowed=EVALUATION_VIEW),
    # The authority is never evaluated: its officer and auditor have no own dashboard.
    Row(
        "my_dashboard",
        _list("my_dashboard"),
        allowed=EVALUATION_VIEW,
        scope="none",
        ok={"GET": 302},
        override={role: 404 for role in DISTRICT},
    ),
    Row(
        "evaluation_trends",
        _trends,
        allowed=EVALUATION_VIEW,
        scope="none",
        marks=(None, "宏达物业"),
    ),
]
