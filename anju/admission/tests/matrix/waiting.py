"""Matrix rows of the waiting list (轮候) and its yearly contact refresh.

A waiting-list entry follows its application's community: the district-wide roles see
all, a street or community its own. The operator clerk and the property staff work on
the E1 side but see no application, so they get 404 where the E1-side staff get 403.
A contact refresh is one district-wide campaign; each user sees its own households in
it, so its rows ask a missing campaign on the "out" side."""

from datetime import timedelta

from django.utils import timezone

from anju.admission.services.notice import notice_close, notice_publish
from anju.admission.services.waiting import refresh_start, waiting_suspend
from anju.testing.matrix import (
    ADMISSION_VIEW,
    APPLICATION_ENTER,
    WAITING_MANAGE,
    Row,
    _list,
    _r,
)

from .notice import approved_application

NOT_SEEN = {"operator": 404, "repairer": 404, "propmgr": 404}
MISSING_PK = 987654321


def build(world) -> None:
    cast = world.cast
    today = timezone.localdate()
    people = {
        "in": (cast.community_a, "轮候甲", "轮候丙", 10),
        "out": (cast.community_b, "轮候乙", "轮候丁", 12),
    }
    applications = {}
    for side, (community, waiting_name, suspended_name, seq) in people.items():
        applications[side] = (
            approved_application(cast, community=community, name=waiting_name, seq=seq),
            approved_application(cast, community=community, name=suspended_name, seq=seq + 1),
        )
    notice = notice_publish(
        actor=cast.officer,
        applications=[a for pair in applications.values() for a in pair],
        title="轮候矩阵",
        starts_on=today - timedelta(days=10),
    )
    notice_close(notice, actor=cast.officer)
    data: dict = {"waiting": {}, "suspended": {}, "answer": {}}
    for side, (waiting, suspended) in applications.items():
        data["waiting"][side] = waiting.waiting_entry
        data["suspended"][side] = waiting_suspend(
            suspended.waiting_entry, actor=cast.officer, reason="资格核查中"
        )
    refresh = refresh_start(actor=cast.officer, year=today.year, on=today - timedelta(days=40))
    for side, entry in data["waiting"].items():
        data["answer"][side] = refresh.answers.get(entry=entry)
    data["refresh"] = refresh
    world.extra["waiting"] = data


def _url(name, kind):
    return lambda w, side, role: _r(name, w.extra["waiting"][kind][side].pk)


def _refresh_url(name):
    return lambda w, side, role: _r(
        name, w.extra["waiting"]["refresh"].pk if side == "in" else MISSING_PK
    )


ROWS = [
    Row(
        "waiting_list",
        _list("waiting_list"),
        allowed=ADMISSION_VIEW,
        scope="none",
        marks=("轮候甲", "轮候乙"),
    ),
    Row("waiting_long", _list("waiting_long"), allowed=ADMISSION_VIEW, scope="none"),
    Row(
        "waiting_detail",
        _url("waiting_detail", "waiting"),
        allowed=ADMISSION_VIEW,
        override=NOT_SEEN,
    ),
    Row(
        "waiting_suspend",
        _url("waiting_suspend", "waiting"),
        methods=("POST",),
        allowed=WAITING_MANAGE,
        override=NOT_SEEN,
        data=lambda w, side: {"reason": "收入复核"},
    ),
    Row(
        "waiting_reinstate",
        _url("waiting_reinstate", "suspended"),
        methods=("POST",),
        allowed=WAITING_MANAGE,
        override=NOT_SEEN,
        data=lambda w, side: {"reason": "已核实仍符合条件"},
    ),
    Row(
        "waiting_refresh_list",
        _list("waiting_refresh_list"),
        allowed=ADMISSION_VIEW,
        scope="none",
    ),
    Row(
        "waiting_refresh_start",
        _list("waiting_refresh_start"),
        methods=("POST",),
        allowed=WAITING_MANAGE,
        scope="none",
        data=lambda w, side: {"year": w.extra["waiting"]["refresh"].year + 1},
    ),
    Row(
        "waiting_refresh_detail",
        _refresh_url("waiting_refresh_detail"),
        allowed=ADMISSION_VIEW,
        scope="missing",
        marks=("轮候甲", "轮候乙"),
    ),
    Row(
        "waiting_refresh_close",
        _refresh_url("waiting_refresh_close"),
        methods=("POST",),
        allowed=WAITING_MANAGE,
        scope="missing",
        data=lambda w, side: {},
    ),
    Row(
        "waiting_refresh_answer",
        _url("waiting_refresh_answer", "answer"),
        methods=("POST",),
        allowed=APPLICATION_ENTER,
        override=NOT_SEEN,
        data=lambda w, side: {"still_wants": "yes", "still_qualifies": "yes"},
    ),
]
