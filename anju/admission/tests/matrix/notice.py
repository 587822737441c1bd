"""Matrix rows of public notice (公示): the public pages, which anyone opens without
logging in, and the authority's pages.

A staff member sees a notice when it carries an application of their community (or
street); the district-wide roles see every notice. Objections about a household follow
the household's application. The operator clerk and the property staff work on the E1
side but see no application, so they get 404 where the E1-side staff get 403."""

from datetime import timedelta

from django.utils import timezone
from stdnum.cn import ric

from anju.admission.models import Decision
from anju.admission.services.notice import notice_publish, objection_lodge
from anju.admission.services.review import review_decide
from anju.core import services as core_services
from anju.core.models import User
from anju.core.roles import Role
from anju.testing.admission import approve, make_application
from anju.testing.matrix import ADMISSION_VIEW, NOTICE_MANAGE, Row, _list, _r

NOT_SEEN = {"operator": 404, "repairer": 404, "propmgr": 404}
EVERYONE = {"*": 200}


def matrix_id(seq: int) -> str:
    """A valid ID number no other matrix module uses (born 1966-06-06)."""
    body = f"14040219660606{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def _reviewers_b(cast):
    """A community worker and a street reviewer of the E2 side, which the cast lacks."""
    reviewers = []
    for username, role, org in (
        ("notice-cb", Role.COMMUNITY_WORKER, cast.community_b),
        ("notice-sb", Role.STREET_REVIEWER, cast.street_b),
    ):
        user = User.objects.filter(username=username).first() or core_services.user_create(
            actor=None,
            username=username,
            full_name=username,
            organisation=org,
            roles=[role],
            password="Matrix-pass-2026!",
        )
        reviewers.append(user)
    return reviewers


def approved_application(cast, *, community, name: str, seq: int):
    """An application of `community` approved at all three levels."""
    inside = community == cast.community_a
    application = make_application(
        cast,
        actor=cast.community if inside else cast.officer,
        community=community,
        members=((name, matrix_id(seq), "head", "1400"),),
    )
    if not inside:
        for reviewer in _reviewers_b(cast):
            review_decide(application, actor=reviewer, decision=Decision.APPROVE)
    return approve(application, cast)


def build(world) -> None:
    cast = world.cast
    today = timezone.localdate()
    communities = {"in": cast.community_a, "out": cast.community_b}
    data: dict = {"open": {}, "due": {}, "objection": {}}
    for n, (side, community) in enumerate(communities.items()):
        running = approved_application(cast, community=community, name=f"公示{side}甲", seq=n)
        ended = approved_application(cast, community=community, name=f"公示{side}乙", seq=n + 2)
        title = "公示矩阵甲" if side == "in" else "公示矩阵乙"
        data["open"][side] = notice_publish(actor=cast.officer, applications=[running], title=title)
        data["due"][side] = notice_publish(
            actor=cast.officer,
            applications=[ended],
            title=f"{title}（期满）",
            starts_on=today - timedelta(days=10),
        )
        data["objection"][side] = objection_lodge(
            data["open"][side],
            text="该户有车",
            entry=data["open"][side].entries.get(),
            contact="王先生 13912345678",
        )
    data["spare"] = approved_application(cast, community=cast.community_a, name="公示备用", seq=4)
    world.extra["notice"] = data


def _url(name, kind, side_fixed=None):
    return lambda w, side, role: _r(name, w.extra["notice"][kind][side_fixed or side].pk)


ROWS = [
    # --- the public pages: anyone, logged in or not ---
    Row("notice_public_list", _list("notice_public_list"), fixed=EVERYONE),
    Row("notice_public_detail", _url("notice_public_detail", "open", "in"), fixed=EVERYONE),
    Row(
        "notice_objection_lodge",
        _url("notice_objection_lodge", "open", "in"),
        methods=("POST",),
        fixed={"*": 302},
        data=lambda w, side: {"entry": "", "text": "公示信息不全", "anonymous": "on"},
    ),
    # --- the authority's pages ---
    Row(
        "notice_list",
        _list("notice_list"),
        allowed=ADMISSION_VIEW,
        scope="none",
        marks=("公示矩阵甲", "公示矩阵乙"),
    ),
    Row(
        "notice_create",
        _list("notice_create"),
        methods=("GET", "POST"),
        allowed=NOTICE_MANAGE,
        scope="none",
        data=lambda w, side: {
            "title": "矩阵公示",
            "starts_on": timezone.localdate().isoformat(),
            "applications": [w.extra["notice"]["spare"].pk],
        },
    ),
    Row(
        "notice_detail",
        _url("notice_detail", "open"),
        allowed=ADMISSION_VIEW,
        override=NOT_SEEN,
    ),
    Row(
        "notice_close",
        _url("notice_close", "due"),
        methods=("POST",),
        allowed=NOTICE_MANAGE,
        override=NOT_SEEN,
        data=lambda w, side: {},
    ),
    Row(
        "notice_objection_investigate",
        _url("notice_objection_investigate", "objection"),
        methods=("POST",),
        allowed=NOTICE_MANAGE,
        override=NOT_SEEN,
        data=lambda w, side: {},
    ),
    Row(
        "notice_objection_contact",
        _url("notice_objection_contact", "objection"),
        methods=("POST",),
        allowed=NOTICE_MANAGE,
        override=NOT_SEEN,
        data=lambda w, side: {},
    ),
    Row(
        "notice_objection_resolve",
        _url("notice_objection_resolve", "objection"),
        methods=("POST",),
        allowed=NOTICE_MANAGE,
        override=NOT_SEEN,
        data=lambda w, side: {"finding": "dismissed", "finding_text": "经核查车辆已过户"},
    ),
]
