"""Scoping-matrix rows of community activities: the staff list, planning, an
activity's page and its changes, cancelling, sign-up at the counter and its
cancelling, attendance; and the portal's list, an activity's page, signing up and
cancelling (the tenant's own household; staff have none).

Each side (E1 "in", E2 "out") gets, for its estate: an activity coming up with the
side's household signed up ("upcoming": its page, its changes, cancelling it and the
sign-up), one coming up with nobody signed up ("open": signing up at the counter and on
the portal), and a volunteering one that started yesterday with the household signed
up ("started", made in the past: attendance)."""

import datetime
from decimal import Decimal

import time_machine
from django.utils import timezone

from anju.outreach.services import activities as svc
from anju.testing.matrix import ACTIVITY_MANAGE, OUTREACH_VIEW, Row, _list, _r

TITLES = {"in": "矩阵活动E1", "out": "矩阵活动E2"}
TENANTS_OWN = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}
ALICE_GET = {"alice": 200, "anonymous": 302, "*": 404}
ALICE_POST = {"alice": 302, "anonymous": 302, "*": 404}
MOMENT = "%Y-%m-%dT%H:%M"


def _input(estate, title, starts, *, volunteering=False) -> svc.ActivityInput:
    return svc.ActivityInput(
        title=title,
        place="社区活动室",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        signup_until=starts - datetime.timedelta(hours=1),
        capacity=20,
        estate=estate,
        volunteering=volunteering,
        hours=Decimal("2.0") if volunteering else None,
    )


def build(world) -> None:
    officer = world.cast.users["officer"]
    now = timezone.now()
    sides = {}
    for side in ("in", "out"):
        estate, household = world.estate(side), world.household(side)
        x = {}
        x["upcoming"] = svc.activity_create(
            _input(estate, TITLES[side], now + datetime.timedelta(days=10)), actor=officer
        )
        x["signup"] = svc.signup_create(x["upcoming"], household, actor=officer, people=2)
        x["open"] = svc.activity_create(
            _input(estate, f"矩阵开放{side}", now + datetime.timedelta(days=12)), actor=officer
        )
        with time_machine.travel(now - datetime.timedelta(days=2), tick=False):
            x["started"] = svc.activity_create(
                _input(
                    estate,
                    f"矩阵志愿{side}",
                    now - datetime.timedelta(days=1),
                    volunteering=True,
                ),
                actor=officer,
            )
            x["started_signup"] = svc.signup_create(x["started"], household, actor=officer)
        sides[side] = x
    world.extra["activities"] = sides


def _x(w, side):
    return w.extra["activities"][side]


def _url(name, key):
    return lambda w, side, role: _r(name, _x(w, side)[key].pk)


def _form(w, side, *, title, days) -> dict:
    starts = timezone.localtime() + datetime.timedelta(days=days)
    return {
        "title": title,
        "estate": w.estate(side).pk,
        "place": "小区广场",
        "starts_at": starts.strftime(MOMENT),
        "ends_at": (starts + datetime.timedelta(hours=2)).strftime(MOMENT),
        "signup_until": (starts - datetime.timedelta(days=1)).strftime(MOMENT),
        "capacity": "30",
        "hours": "",
        "description": "矩阵",
    }


ROWS = [
    Row(
        "activity_list",
        _list("activity_list"),
        allowed=OUTREACH_VIEW,
        scope="none",
        marks=(TITLES["in"], TITLES["out"]),
    ),
    Row(
        "activity_new",
        _list("activity_new"),
        methods=("GET", "POST"),
        allowed=ACTIVITY_MANAGE,
        scope="none",
        data=lambda w, side: _form(w, side, title="矩阵新活动", days=20),
    ),
    Row("activity_detail", _url("activity_detail", "upcoming"), allowed=OUTREACH_VIEW),
    Row(
        "activity_edit",
        _url("activity_edit", "upcoming"),
        methods=("GET", "POST"),
        allowed=ACTIVITY_MANAGE,
        data=lambda w, side: _form(w, side, title=TITLES[side], days=11),
    ),
    Row(
        "activity_cancel",
        _url("activity_cancel", "upcoming"),
        methods=("POST",),
        allowed=ACTIVITY_MANAGE,
        data=lambda w, side: {"reason": "矩阵：天气预报有暴雨"},
    ),
    Row(
        "activity_signup_add",
        _url("activity_signup_add", "open"),
        methods=("POST",),
        allowed=ACTIVITY_MANAGE,
        data=lambda w, side: {"household": w.household(side).number, "people": "2"},
    ),
    Row(
        "activity_signup_cancel",
        lambda w, side, role: _r(
            "activity_signup_cancel", _x(w, side)["upcoming"].pk, _x(w, side)["signup"].pk
        ),
        methods=("POST",),
        allowed=ACTIVITY_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "activity_attendance",
        _url("activity_attendance", "started"),
        methods=("POST",),
        allowed=ACTIVITY_MANAGE,
        data=lambda w, side: {f"came-{_x(w, side)['started_signup'].pk}": "yes"},
    ),
    # The portal: the tenant's own household. Alice's activities are E1's; Charlie
    # lives in E2, so an E1 activity is 404 to him, as to staff (no household).
    Row("portal_activities", _list("portal_activities"), fixed=TENANTS_OWN),
    Row(
        "portal_activity",
        lambda w, side, role: _r("portal_activity", _x(w, "in")["upcoming"].pk),
        fixed=ALICE_GET,
    ),
    Row(
        "portal_activity_signup",
        lambda w, side, role: _r("portal_activity_signup", _x(w, "in")["open"].pk),
        methods=("POST",),
        fixed=ALICE_POST,
        data=lambda w, side: {"people": "1"},
    ),
    Row(
        "portal_activity_cancel",
        lambda w, side, role: _r("portal_activity_cancel", _x(w, "in")["upcoming"].pk),
        methods=("POST",),
        fixed=ALICE_POST,
        data=lambda w, side: {},
    ),
]
