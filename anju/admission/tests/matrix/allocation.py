"""Matrix rows of the allocation rounds, the selection screen and the public lottery
pages; and the builders of round state (waiting households, units, rounds at each step)
that test_allocation_pages.py and test_lease.py use too.

Each side has its own rounds, offering units of a building made for them: in E1 for the
"in" side, in E2 for the "out" side. A round is in a staff member's scope when it offers
a unit of an estate they see."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import ric

from anju.admission.models import RoundEntrant
from anju.admission.selectors.allocation import round_turn, units_choosable
from anju.admission.services import allocation as svc
from anju.admission.services import selection as choosing
from anju.admission.services.notice import notice_publish
from anju.admission.services.waiting import waiting_join_many
from anju.housing.models import Building, Unit
from anju.testing.admission import approve, make_application, make_ruleset
from anju.testing.matrix import (
    ADMISSION_VIEW,
    ROUND_MANAGE,
    SELECTION_RECORD,
    Row,
    _list,
    _r,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# --- Builders -----------------------------------------------------------------------------

_SEQ = itertools.count()
_SURNAMES = "赵钱孙李周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
_GIVEN = "安居乐业和顺康宁福泰瑞祥嘉禾丰盛永昌"


def _person(k: int) -> tuple[str, str]:
    """A name and a valid ID number no other test uses (born in 1963, county 140406)."""
    name = _SURNAMES[k % len(_SURNAMES)] + _GIVEN[k // len(_SURNAMES) % len(_GIVEN)] + "配"
    born = date(1963, 1, 1) + timedelta(days=k)
    body = f"140406{born:%Y%m%d}9{k % 100:02d}"
    return name, body + ric.calc_check_digit(body + "0")


def waiting_households(cast, count: int):
    """`count` single-person households through application, three reviews, a public
    notice and the waiting list, in list order."""
    make_ruleset(cast.officer)
    applications = []
    for _ in range(count):
        name, id_number = _person(next(_SEQ))
        application = make_application(cast, members=((name, id_number, "head", "1400"),))
        applications.append(approve(application, cast))
    notice_publish(actor=cast.officer, applications=applications, title="配租测试公示")
    return waiting_join_many(applications, actor=cast.officer)


def new_units(estate, count: int, *, area: str = "38.00", accessible=()) -> list[Unit]:
    """Vacant units in a new building of `estate`; small enough for one person under the
    default area standard (40 m²)."""
    number = f"M{Building.objects.filter(estate=estate).count() + 1}"
    building = Building.objects.create(estate=estate, number=number, floors=9, units_per_floor=9)
    return [
        Unit.objects.create(
            code=f"{estate.code}-{number}-{i:02d}",
            estate=estate,
            building=building,
            floor=1 + i // 9,
            position=1 + i % 9,
            area_m2=Decimal(area),
            rooms=1,
            accessible=i in accessible,
        )
        for i in range(count)
    ]


def make_round(cast, units, entries, *, to: str = "open", title: str = "春季配租"):
    """A round offering `units` to `entries`, taken through the real services up to
    `to`: open, closed, drawn or published."""
    officer = cast.officer
    rnd = svc.round_create(actor=officer, title=title, ruleset=make_ruleset(officer), units=units)
    svc.round_add_entrants(rnd, actor=officer, entries=entries)
    if to in ("closed", "drawn", "published"):
        svc.round_close(rnd, actor=officer)
    if to in ("drawn", "published"):
        svc.round_draw(rnd, actor=officer)
    if to == "published":
        svc.round_publish(rnd, actor=officer)
    return rnd


def choose_in_turn(cast, rnd, times: int):
    """The next `times` entrants each choose the first unit they may."""
    selections = []
    for _ in range(times):
        entrant = round_turn(rnd)
        entrant.round = rnd
        unit = units_choosable(entrant).first()
        selections.append(choosing.selection_choose(entrant, actor=cast.officer, unit=unit))
    return selections


def signed_scan(name: str = "signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def build_side(cast, estate) -> dict:
    """One side's rounds: open (one entrant), closed, drawn, published with the turn
    waiting and units to choose, and a published round whose units are all held (three
    selections; a fourth entrant has no unit left). Also a spare vacant unit."""
    units = new_units(estate, 10)
    entries = waiting_households(cast, 8)
    side = {
        "open": make_round(cast, units[0:1], entries[0:1], title=f"{estate.code} 筹备批次"),
        "closed": make_round(cast, units[1:2], entries[1:2], to="closed"),
        "drawn": make_round(cast, units[2:3], entries[2:3], to="drawn"),
        "published": make_round(cast, units[3:5], entries[3:4], to="published"),
        "full": make_round(cast, units[5:8], entries[4:8], to="published"),
        "spare": units[9],
    }
    side["open_entrant"] = RoundEntrant.objects.get(round=side["open"])
    side["turn"] = round_turn(side["published"])
    side["selections"] = choose_in_turn(cast, side["full"], 3)
    side["left"] = round_turn(side["full"])
    side["title"] = f"{estate.code} 筹备批次"
    return side


def build(world):
    cast = world.cast
    world.extra["allocation"] = {"in": build_side(cast, cast.e1), "out": build_side(cast, cast.e2)}


# --- Rows ------------------------------------------------------------------------------------

READ = ADMISSION_VIEW | SELECTION_RECORD
PUBLIC = {"*": 200}


def _side(w, side):
    return w.extra["allocation"][side]


def _round(key, name):
    return lambda w, side, role: _r(name, _side(w, side)[key].pk)


def _entrant(key, name, entrant_key):
    def url(w, side, role):
        s = _side(w, side)
        return _r(name, s[key].pk, s[entrant_key].pk)

    return url


ROWS = [
    Row(
        "round_list",
        _list("round_list"),
        allowed=READ,
        scope="none",
        marks=("E1 筹备批次", "E2 筹备批次"),
    ),
    Row(
        "round_create",
        _list("round_create"),
        methods=("GET", "POST"),
        allowed=ROUND_MANAGE,
        scope="none",
        data=lambda w, side: {
            "title": "新批次",
            "ruleset": _side(w, "in")["open"].ruleset_id,
            "units": [_side(w, "in")["spare"].pk],
        },
    ),
    Row("round_detail", _round("open", "round_detail"), allowed=READ),
    Row(
        "round_entrants_add",
        _round("open", "round_entrants_add"),
        methods=("GET", "POST"),
        allowed=ROUND_MANAGE,
        data=lambda w, side: {"all": "1"},
    ),
    Row(
        "round_entrant_remove",
        _entrant("open", "round_entrant_remove", "open_entrant"),
        methods=("POST",),
        allowed=ROUND_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "round_close",
        _round("open", "round_close"),
        methods=("POST",),
        allowed=ROUND_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "round_reopen",
        _round("closed", "round_reopen"),
        methods=("POST",),
        allowed=ROUND_MANAGE,
        data=lambda w, side: {"reason": "名单有误"},
    ),
    Row(
        "round_draw",
        _round("closed", "round_draw"),
        methods=("POST",),
        allowed=ROUND_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "round_announce_redraw",
        _round("drawn", "round_announce_redraw"),
        methods=("POST",),
        allowed=ROUND_MANAGE,
        data=lambda w, side: {"reason": "摇号现场断电"},
    ),
    Row(
        "round_publish",
        _round("drawn", "round_publish"),
        methods=("POST",),
        allowed=ROUND_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "round_complete",
        _round("full", "round_complete"),
        methods=("POST",),
        allowed=ROUND_MANAGE,
        data=lambda w, side: {},
    ),
    Row("round_selection", _round("published", "round_selection"), allowed=SELECTION_RECORD),
    Row(
        "entrant_choose",
        _entrant("published", "entrant_choose", "turn"),
        methods=("POST",),
        allowed=SELECTION_RECORD,
        data=lambda w, side: {
            "unit": units_choosable(_side(w, side)["turn"]).first().pk,
        },
    ),
    Row(
        "entrant_refuse",
        _entrant("published", "entrant_refuse", "turn"),
        methods=("POST",),
        allowed=SELECTION_RECORD,
        data=lambda w, side: {"reason": "离工作地点太远"},
    ),
    Row(
        "entrant_no_unit",
        _entrant("full", "entrant_no_unit", "left"),
        methods=("POST",),
        allowed=SELECTION_RECORD,
        data=lambda w, side: {},
    ),
    # --- public: no log-in, the same for everyone ---
    Row("round_public_list", _list("round_public_list"), fixed=PUBLIC),
    Row("lottery_script", _list("lottery_script"), fixed=PUBLIC),
    Row(
        "round_public",
        lambda w, side, role: _r("round_public", _side(w, "in")["drawn"].number),
        fixed=PUBLIC,
    ),
    Row(
        "round_public_file",
        lambda w, side, role: _r(
            "round_public_file",
            _side(w, "in")["drawn"].number,
            f"{_side(w, 'in')['drawn'].number}-draw-1.json",
        ),
        fixed=PUBLIC,
    ),
]
