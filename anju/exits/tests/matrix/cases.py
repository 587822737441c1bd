"""Scoping-matrix rows of exit cases: the list, a case's page, the counter form,
opening from a “must vacate” listing and from a violation case's recovery, the
decision, the notice and its PDF, court steps and their documents, taking an overstay
to court and withdrawing; the tenant's exit page and the notice on the portal.

Each side (E1 "in", E2 "out") gets households of its own, numbered EXM-<side>-<step>:
"new" (housed, no case: the counter form), "listed" (on the “must vacate” list),
"violation" (a violation case that decided a recovery), "open" (a case awaiting its
decision: the decision and the withdrawal), "decided" (the notice), "moving" (the
notice PDF), "overstay" (at market rent: to court) and "court" (in litigation, with a
filing and its document: court steps). Dates are set back through the services' own
`on` arguments so that the moving periods have ended. Charlie's household gets a case
whose notice only Charlie reads; it is withdrawn at once, so that it blocks no other
module's case. The notices of the build are typeset as stand-ins; the POST that issues
one typesets a real one."""

import datetime
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.exits.services import cases as svc
from anju.exits.services.court import legal_step_record
from anju.supervision.services import cases as violations
from anju.tenancy.services.vacate import listing_add
from anju.testing.admission import make_ruleset
from anju.testing.matrix import EXIT_DECIDE, EXIT_MANAGE, EXITS_VIEW, Row, _list, _r
from anju.testing.tenancy import housed_household

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TENANTS_OWN = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}
DAY = datetime.timedelta(days=1)


def _household(estate, side, step, officer, today):
    return housed_household(
        estate,
        f"EXM-{side[0].upper()}-{step}",
        officer,
        start=today - 400 * DAY,
        end=today + 700 * DAY,
    )


def _noticed(household, officer, *, on, other=False):
    case = svc.case_open(household, actor=officer, reason="recertification", channel="staff", on=on)
    case = svc.case_decide(
        case, actor=officer, decision="矩阵：不再符合条件。", has_other_housing=other, on=on
    )
    return svc.notice_issue(case, actor=officer, on=on)


def _recovery(household, officer, today):
    violation = violations.case_open(
        household,
        actor=officer,
        type="sublet",
        source="staff",
        summary="矩阵：转租",
        evidence={"入户核查": "见两名非家庭成员"},
        breach_began_on=today - 40 * DAY,
    )
    violation = violations.notice_issue(
        violation, actor=officer, kind="notice", respond_by=today + 14 * DAY
    )
    violation = violations.statement_record(violation, actor=officer, text="租户承认转租。")
    return violations.case_decide(
        violation, actor=officer, outcome="recovery", reasons="矩阵：转租属实，收回。"
    )


def build(world):
    officer = world.cast.users["officer"]
    make_ruleset(officer)
    today = timezone.localdate()
    long_ago = today - 70 * DAY  # a moving period of two months has ended since
    sides = {}
    with (
        mock.patch.object(svc, "notice_pdf", lambda case: PDF),
        mock.patch.object(violations, "notice_pdf", lambda case: PDF),
    ):
        for side, estate in (("in", world.cast.e1), ("out", world.cast.e2)):
            x = {}

            def household(step, side=side, estate=estate):
                return _household(estate, side, step, officer, today)

            x["new"] = household("new")
            x["listing"], _new = listing_add(
                household("listed"),
                actor=officer,
                reason="recertification",
                evidence={"人均月收入": "¥5,600（限额的5.6倍）"},
                on=today - 3 * DAY,
            )
            x["violation"] = _recovery(household("violation"), officer, today)
            x["open"] = svc.case_open(
                household("open"), actor=officer, reason="arrears", channel="staff"
            )
            decided = svc.case_open(
                household("decided"), actor=officer, reason="arrears", channel="staff"
            )
            x["decided"] = svc.case_decide(decided, actor=officer, decision="矩阵：欠租逾6个月。")
            x["moving"] = _noticed(household("moving"), officer, on=today)
            x["overstay"] = _noticed(household("overstay"), officer, on=long_ago)
            x["court"] = _noticed(household("court"), officer, on=long_ago, other=True)
            for key in ("overstay", "court"):
                x[key] = svc.overstay_begin(x[key], today=today)
            x["step"] = legal_step_record(
                x["court"],
                actor=officer,
                kind="filed",
                court="长治市L区人民法院",
                court_case_number=f"（{today.year}）晋0402民初{side}号",
                on=today,
                due_on=today + 30 * DAY,
                document=SimpleUploadedFile("起诉状.pdf", PDF, "application/pdf"),
            )
            sides[side] = x
        charlie = _noticed(world.cast.charlie_household, officer, on=today)
        svc.case_withdraw(charlie, actor=officer, reason="矩阵：撤销")
    world.extra["exit_cases"] = {"sides": sides, "charlie": charlie, "today": today}


def _x(w, side):
    return w.extra["exit_cases"]["sides"][side]


def _url(name, key):
    return lambda w, side, role: _r(name, _x(w, side)[key].pk)


ROWS = [
    Row(
        "exit_cases",
        _list("exit_cases"),
        allowed=EXITS_VIEW,
        scope="none",
        marks=("EXM-I-court", "EXM-O-court"),
    ),
    Row("exit_case", _url("exit_case", "court"), allowed=EXITS_VIEW),
    Row(
        "exit_case_new",
        lambda w, side, role: _r("exit_case_new") + f"?household={_x(w, side)['new'].pk}",
        methods=("GET", "POST"),
        allowed=EXIT_MANAGE,
        data=lambda w, side: {"reason": "arrears", "summary": "矩阵：欠租", "evidence": ""},
    ),
    Row(
        "exit_case_from_listing",
        _url("exit_case_from_listing", "listing"),
        methods=("POST",),
        allowed=EXIT_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "exit_case_from_violation",
        _url("exit_case_from_violation", "violation"),
        methods=("POST",),
        allowed=EXIT_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "exit_case_decide",
        _url("exit_case_decide", "open"),
        methods=("GET", "POST"),
        allowed=EXIT_DECIDE,
        data=lambda w, side: {"decision": "矩阵：决定退出。"},
    ),
    Row(
        "exit_case_notice",
        _url("exit_case_notice", "decided"),
        methods=("GET", "POST"),
        allowed=EXIT_DECIDE,
        data=lambda w, side: {"vacate_by": ""},
    ),
    Row("exit_case_notice_pdf", _url("exit_case_notice_pdf", "moving"), allowed=EXITS_VIEW),
    Row(
        "exit_case_court",
        _url("exit_case_court", "court"),
        methods=("GET", "POST"),
        allowed=EXIT_MANAGE,
        data=lambda w, side: {
            "kind": "other",
            "court": "长治市L区人民法院",
            "on": str(w.extra["exit_cases"]["today"]),
            "summary": "矩阵：提交证据",
        },
    ),
    Row(
        "exit_court_document",
        lambda w, side, role: _r(
            "exit_court_document", _x(w, side)["court"].pk, _x(w, side)["step"].pk
        ),
        allowed=EXITS_VIEW,
    ),
    Row(
        "exit_case_litigate",
        _url("exit_case_litigate", "overstay"),
        methods=("POST",),
        allowed=EXIT_DECIDE,
        data=lambda w, side: {"note": "矩阵：既不缴纳市场租金也不腾退"},
    ),
    Row(
        "exit_case_withdraw",
        _url("exit_case_withdraw", "open"),
        methods=("POST",),
        allowed=EXIT_DECIDE,
        data=lambda w, side: {"reason": "矩阵：欠租已结清"},
    ),
    # The tenant's own page: Alice and Charlie each see their own (a POST without a
    # day answers the form again); staff have no household (404); anyone signed out is
    # sent to log in.
    Row("portal_exit", _list("portal_exit"), methods=("GET", "POST"), fixed=TENANTS_OWN),
    # Charlie's notice: Charlie reads it, Alice (another family) gets 404 like everyone.
    Row(
        "portal_exit_notice_pdf",
        lambda w, side, role: _r("portal_exit_notice_pdf", w.extra["exit_cases"]["charlie"].pk),
        fixed={"charlie": 200, "anonymous": 302, "*": 404},
    ),
]
