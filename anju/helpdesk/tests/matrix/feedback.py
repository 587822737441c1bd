"""Scoping-matrix rows of feedback: the public pages (anyone, signed in or not), the
portal pages (a tenant's own household's feedback; staff have no household), and the
staff pages: the list, entering feedback, a feedback's page, the responsible
organisation's actions, revealing the contact, and the two reports.

Each side gets one public feedback about its estate (with a phone), routed to its
community, and a tip to link it to. On the E1 side each role that answers feedback gets
one routed to its own organisation (the officer's to the property company: the officer
answers any), so that acknowledging, answering and passing on succeed for each of them;
everyone passes on to the authority. Charlie gives feedback on the portal, which the
officer answers, for his pages and his rating; one more public feedback, answered, is
rated by its tracking code."""

import itertools

from django.urls import reverse

from anju.helpdesk.models import FeedbackChannel
from anju.helpdesk.services.feedback import feedback_submit
from anju.helpdesk.services.feedback_flow import feedback_answer, feedback_pass_on
from anju.supervision.models import TipSource
from anju.supervision.services.tips import tip_submit
from anju.testing.matrix import (
    FEEDBACK_ANSWER,
    FEEDBACK_ENTER,
    HELPDESK_VIEW,
    PII_UNMASK,
    Row,
    _list,
    _r,
)

TEXTS = {"in": "矩阵诉求甲：楼道灯坏了一个月", "out": "矩阵诉求乙：邻居深夜装修"}
PORTAL = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}
ADDRESSES = itertools.count()
CHARLIE = {"charlie": 200, "anonymous": 302, "*": 404}
# The topic that routes to each answering role's organisation by default.
ROUTED = {"officer": "repairs", "community": "neighbours", "operator": "rent", "propmgr": "repairs"}


def _public(estate, *, side, topic="neighbours", text=None, phone="13700001234"):
    return feedback_submit(
        channel=FeedbackChannel.PUBLIC,
        kind="complaint",
        topic=topic,
        text=text or TEXTS[side],
        estate=estate,
        contact_name="李四",
        contact_phone=phone,
        ip=f"matrix-feedback-{next(ADDRESSES)}",  # one address each: the hourly limit
    )


def build(world) -> None:
    cast = world.cast
    officer = cast.users["officer"]
    main = {side: _public(world.estate(side), side=side) for side in ("in", "out")}
    own = {role: _public(cast.e1, side="in", topic=topic) for role, topic in ROUTED.items()}
    own["street"] = feedback_pass_on(
        _public(cast.e1, side="in"), actor=officer, to=cast.street_a, reason="矩阵：街道办理"
    )
    tips = {
        side: tip_submit(
            source=TipSource.PUBLIC,
            category="sublet",
            estate=world.estate(side),
            place="矩阵诉求关联",
            text="有陌生人出入。",
            ip=f"matrix-feedback-tip-{side}",
        )
        for side in ("in", "out")
    }
    rated = feedback_answer(
        _public(cast.e1, side="in", text="矩阵：待评价"), actor=officer, answer="已处理。"
    )
    charlie = feedback_submit(
        channel=FeedbackChannel.PORTAL,
        kind="question",
        topic="neighbours",
        text="楼上漏水怎么办？",
        actor=cast.users["charlie"],
    )
    charlie = feedback_answer(charlie, actor=officer, answer="已联系楼上住户。")
    world.extra["feedback"] = {
        "main": main,
        "own": own,
        "tips": tips,
        "rated": rated,
        "charlie": charlie,
    }


def _fb(w):
    return w.extra["feedback"]


def _main(name):
    return lambda w, side, role: _r(name, _fb(w)["main"][side].pk)


def _own(name):
    """The E1 feedback routed to the role's own organisation; E2's on the outside."""

    def url(w, side, role):
        data = _fb(w)
        if side == "out" or role not in data["own"]:
            return _r(name, data["main"][side].pk)
        return _r(name, data["own"][role].pk)

    return url


def _status(w, side, role):
    return reverse("feedback_public_status") + "?code=" + _fb(w)["main"]["in"].tracking_code


def _charlie(name):
    return lambda w, side, role: _r(name, _fb(w)["charlie"].pk)


ROWS = [
    # --- public: no log-in, the same for everyone; an empty form is shown again ---
    Row(
        "feedback_public_new",
        _list("feedback_public_new"),
        methods=("GET", "POST"),
        fixed={"*": 200},
    ),
    Row("feedback_public_status", _status, fixed={"*": 200}),
    Row(
        "feedback_public_rate",
        _list("feedback_public_rate"),
        methods=("POST",),
        fixed={"*": 302},
        data=lambda w, side: {
            "code": _fb(w)["rated"].tracking_code,
            "rating": "5",
            "action": "close",
        },
    ),
    # --- portal: the tenant's own household's feedback ---
    Row("portal_feedback", _list("portal_feedback"), fixed=PORTAL),
    Row(
        "portal_feedback_new",
        _list("portal_feedback_new"),
        methods=("GET", "POST"),
        fixed=PORTAL,
    ),
    # Charlie's feedback: Charlie reads and rates it; Alice (another family) gets 404.
    Row("portal_feedback_detail", _charlie("portal_feedback_detail"), fixed=CHARLIE),
    Row(
        "portal_feedback_rate",
        _charlie("portal_feedback_rate"),
        methods=("POST",),
        fixed={"charlie": 302, "anonymous": 302, "*": 404},
        data=lambda w, side: {"rating": "4", "comment": "好", "action": "close"},
    ),
    # --- staff ---
    Row(
        "feedback_list",
        _list("feedback_list"),
        allowed=HELPDESK_VIEW,
        scope="none",
        marks=(TEXTS["in"], TEXTS["out"]),
    ),
    Row(
        "feedback_create",
        _list("feedback_create"),
        methods=("GET", "POST"),
        allowed=FEEDBACK_ENTER,
        scope="none",
        data=lambda w, side: {
            "kind": "complaint",
            "topic": "neighbours",
            "estate": w.cast.e1.pk,
            "text": "电话反映：楼下烧烤油烟大。",
        },
    ),
    Row("feedback_detail", _main("feedback_detail"), allowed=HELPDESK_VIEW),
    Row(
        "feedback_acknowledge",
        _own("feedback_acknowledge"),
        methods=("POST",),
        allowed=FEEDBACK_ANSWER,
        data=lambda w, side: {"note": "已转交物业"},
    ),
    Row(
        "feedback_answer",
        _own("feedback_answer"),
        methods=("POST",),
        allowed=FEEDBACK_ANSWER,
        data=lambda w, side: {"answer": "已安排处理，三日内回复。"},
    ),
    Row(
        "feedback_pass_on",
        _own("feedback_pass_on"),
        methods=("POST",),
        allowed=FEEDBACK_ANSWER,
        data=lambda w, side: {"to": w.cast.authority.pk, "reason": "涉及政策，请中心答复。"},
    ),
    Row(
        "feedback_link",
        _main("feedback_link"),
        methods=("POST",),
        allowed=FEEDBACK_ANSWER,
        data=lambda w, side: {"kind": "tip", "number": _fb(w)["tips"][side].number},
    ),
    Row(
        "feedback_contact",
        _main("feedback_contact"),
        methods=("POST",),
        allowed=PII_UNMASK,
        data=lambda w, side: {},
    ),
    Row("feedback_trends", _list("feedback_trends"), allowed=HELPDESK_VIEW, scope="none"),
    Row("feedback_report", _list("feedback_report"), allowed=HELPDESK_VIEW, scope="none"),
]
