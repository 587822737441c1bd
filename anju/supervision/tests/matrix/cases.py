"""Scoping-matrix rows of violation cases: the list, a case's page, its notice and its
PDF, the statement and its scan, the decision and the closing, and opening a case from
a household; the tenant's conduct page and the notice of a case on the portal.

Each side (E1 "in", E2 "out") gets a household of its own in a new building with four
cases, one at each step: "open" (for the notice), "noticed" (for the statement and
the notice PDF), "stated" (for the decision and the scanned statement) and "decided"
(for the closing). Charlie's household gets a case with its notice, which only Charlie
reads on the portal."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.supervision.services import cases as svc
from anju.testing.admission import make_ruleset
from anju.testing.matrix import CASE_DECIDE, CASE_MANAGE, SUPERVISION_VIEW, Row, _list, _r
from anju.testing.tenancy import housed_household

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TENANTS_OWN = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}


def _case(household, actor, summary):
    return svc.case_open(
        household,
        actor=actor,
        type="sublet",
        source="staff",
        summary=summary,
        evidence={"入户核查": "见两名非家庭成员"},
        breach_began_on=timezone.localdate() - datetime.timedelta(days=40),
    )


def build(world):
    officer = world.cast.users["officer"]
    make_ruleset(officer)
    due = timezone.localdate() + datetime.timedelta(days=14)
    sides = {}
    for side, estate in (("in", world.cast.e1), ("out", world.cast.e2)):
        tag = f"CSM-{side[0].upper()}"
        household = housed_household(estate, tag, officer)
        x = {"household": household}
        for step in ("open", "noticed", "stated", "decided"):
            x[step] = _case(household, officer, f"矩阵案件（{step}）")
        for step in ("noticed", "stated", "decided"):
            x[step] = svc.notice_issue(x[step], actor=officer, kind="notice", respond_by=due)
        for step in ("stated", "decided"):
            x[step] = svc.statement_record(
                x[step],
                actor=officer,
                text="租户称亲戚暂住，已搬离。",
                document=SimpleUploadedFile("statement.pdf", PDF, "application/pdf"),
            )
        x["decided"] = svc.case_decide(
            x["decided"], actor=officer, outcome="rectified", reasons="已整改。"
        )
        sides[side] = x
    charlie_case = _case(world.cast.charlie_household, officer, "矩阵：查理家的告知书")
    charlie_case = svc.notice_issue(charlie_case, actor=officer, kind="notice", respond_by=due)
    world.extra["cases"] = {"sides": sides, "charlie": charlie_case, "due": due}


def _x(w, side):
    return w.extra["cases"]["sides"][side]


def _url(name, key):
    return lambda w, side, role: _r(name, _x(w, side)[key].pk)


ROWS = [
    Row(
        "case_list",
        _list("case_list"),
        allowed=SUPERVISION_VIEW,
        scope="none",
        marks=("CSM-I", "CSM-O"),
    ),
    Row("case_detail", _url("case_detail", "stated"), allowed=SUPERVISION_VIEW),
    Row(
        "case_open",
        _url("case_open", "household"),
        methods=("GET", "POST"),
        allowed=CASE_MANAGE,
        data=lambda w, side: {
            "type": "damage",
            "source": "staff",
            "summary": "矩阵：擅自拆除承重墙",
            "evidence": "入户核查：客厅墙体已拆除",
            "breach_began_on": "",
        },
    ),
    Row(
        "case_notice",
        _url("case_notice", "open"),
        methods=("POST",),
        allowed=CASE_MANAGE,
        data=lambda w, side: {"kind": "rectification", "respond_by": str(w.extra["cases"]["due"])},
    ),
    Row("case_notice_pdf", _url("case_notice_pdf", "noticed"), allowed=SUPERVISION_VIEW),
    Row(
        "case_statement",
        _url("case_statement", "noticed"),
        methods=("POST",),
        allowed=CASE_MANAGE,
        data=lambda w, side: {"text": "矩阵：租户当面陈述", "received_on": ""},
    ),
    Row(
        "case_statement_document",
        _url("case_statement_document", "stated"),
        allowed=SUPERVISION_VIEW,
    ),
    Row(
        "case_decide",
        _url("case_decide", "stated"),
        methods=("GET", "POST"),
        allowed=CASE_DECIDE,
        data=lambda w, side: {"outcome": "rectified", "reasons": "矩阵：已整改"},
    ),
    Row(
        "case_close",
        _url("case_close", "decided"),
        methods=("POST",),
        allowed=CASE_DECIDE,
        data=lambda w, side: {"reason": "矩阵：整改完毕"},
    ),
    # The tenant's own page: Alice and Charlie each see their own; staff have no
    # household (404); anyone signed out is sent to log in.
    Row("portal_conduct", _list("portal_conduct"), fixed=TENANTS_OWN),
    # Charlie's notice: Charlie reads it, Alice (another family) gets 404 like everyone.
    Row(
        "portal_case_notice",
        lambda w, side, role: _r("portal_case_notice", w.extra["cases"]["charlie"].pk),
        fixed={"charlie": 200, "anonymous": 302, "*": 404},
    ),
]
