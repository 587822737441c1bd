"""Scoping-matrix rows of satisfaction surveys: the staff list, a new survey and the
standard yearly one, a survey's page (the builder), its changes, adding, removing and
moving questions, sending, closing, the results; and the portal's surveys and answer
form (the tenant's own household; staff have none).

Each side (E1 "in", E2 "out") gets a draft for its estate with two questions (the
builder, sending) and an open survey sent to its households (closing, the results);
Charlie has answered the E2 one. On the portal Alice is asked the E1 survey and has not
answered it: an empty answer shows the form again with its problems (200)."""

import datetime

from django.utils import timezone

from anju.outreach.services import surveys as svc
from anju.outreach.services.survey_answers import survey_answer
from anju.testing.matrix import OUTREACH_VIEW, SURVEY_MANAGE, Row, _list, _r

TITLES = {"in": "矩阵调查E1", "out": "矩阵调查E2"}
TENANTS_OWN = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}
ALICE_ONLY = {"alice": 200, "anonymous": 302, "*": 404}


def _input(estate, title) -> svc.SurveyInput:
    today = timezone.localdate()
    return svc.SurveyInput(
        title=title,
        year=today.year,
        estates=[estate],
        opens_on=today,
        closes_on=today + datetime.timedelta(days=14),
    )


def build(world) -> None:
    officer = world.cast.users["officer"]
    sides = {}
    for side in ("in", "out"):
        estate = world.estate(side)
        draft = svc.survey_create(_input(estate, f"矩阵草稿{side}"), actor=officer)
        first = svc.question_add(
            draft, actor=officer, kind="rating", text="物业服务满意吗？", dimension="property"
        )
        svc.question_add(draft, actor=officer, kind="text", text="建议", required=False)
        survey = svc.survey_create(_input(estate, TITLES[side]), actor=officer)
        rating = svc.question_add(
            survey, actor=officer, kind="rating", text="总体满意吗？", dimension="overall"
        )
        svc.survey_send(survey, actor=officer)
        sides[side] = {"draft": draft, "first": first, "open": survey, "rating": rating}
    out = sides["out"]
    invitation = world.cast.charlie_household.survey_invitations.get(survey=out["open"])
    survey_answer(invitation, answers={out["rating"].pk: 4})
    world.extra["surveys"] = sides


def _x(w, side):
    return w.extra["surveys"][side]


def _url(name, key):
    return lambda w, side, role: _r(name, _x(w, side)[key].pk)


def _form(w, side, title) -> dict:
    today = timezone.localdate()
    return {
        "title": title,
        "intro": "矩阵",
        "year": str(today.year),
        "estates": [w.estate(side).pk],
        "opens_on": today.isoformat(),
        "closes_on": (today + datetime.timedelta(days=10)).isoformat(),
    }


ROWS = [
    Row(
        "survey_list",
        _list("survey_list"),
        allowed=OUTREACH_VIEW,
        scope="none",
        marks=(TITLES["in"], TITLES["out"]),
    ),
    Row(
        "survey_new",
        _list("survey_new"),
        methods=("GET", "POST"),
        allowed=SURVEY_MANAGE,
        scope="none",
        data=lambda w, side: _form(w, "in", "矩阵新调查"),
    ),
    Row(
        "survey_yearly_new",
        _list("survey_yearly_new"),
        methods=("GET", "POST"),
        allowed=SURVEY_MANAGE,
        scope="none",
        data=lambda w, side: {
            k: v for k, v in _form(w, "in", "").items() if k not in ("title", "intro")
        },
    ),
    Row("survey_detail", _url("survey_detail", "draft"), allowed=OUTREACH_VIEW),
    Row(
        "survey_edit",
        _url("survey_edit", "draft"),
        methods=("GET", "POST"),
        allowed=SURVEY_MANAGE,
        data=lambda w, side: _form(w, side, f"矩阵草稿{side}（改）"),
    ),
    Row(
        "survey_question_add",
        _url("survey_question_add", "draft"),
        methods=("POST",),
        allowed=SURVEY_MANAGE,
        data=lambda w, side: {
            "kind": "single",
            "text": "您家有几口人？",
            "options": "一人\n两人\n三人及以上",
            "dimension": "",
            "required": "on",
        },
    ),
    Row(
        "survey_question_remove",
        lambda w, side, role: _r(
            "survey_question_remove", _x(w, side)["draft"].pk, _x(w, side)["first"].pk
        ),
        methods=("POST",),
        allowed=SURVEY_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "survey_question_move",
        lambda w, side, role: _r(
            "survey_question_move", _x(w, side)["draft"].pk, _x(w, side)["first"].pk
        ),
        methods=("POST",),
        allowed=SURVEY_MANAGE,
        data=lambda w, side: {"direction": "down"},
    ),
    Row(
        "survey_send",
        _url("survey_send", "draft"),
        methods=("POST",),
        allowed=SURVEY_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "survey_close",
        _url("survey_close", "open"),
        methods=("POST",),
        allowed=SURVEY_MANAGE,
        data=lambda w, side: {},
    ),
    Row("survey_results", _url("survey_results", "open"), allowed=OUTREACH_VIEW),
    Row("portal_surveys", _list("portal_surveys"), fixed=TENANTS_OWN),
    Row(
        "portal_survey",
        lambda w, side, role: _r("portal_survey", _x(w, "in")["open"].pk),
        methods=("GET", "POST"),
        fixed=ALICE_ONLY,
    ),
]
