"""Scoping-matrix rows of inspections: the task list and "my tasks", a task's page, its
visit form, assigning, cancelling and concluding it, its photos, signature and letter;
the plans, their page, creating and reassigning one; and raising a task from a
screening flag (`flag_inspect`, posted from the screening results page).

Also the builders the inspection tests share: a flag from a finished screening run,
and a household housed in a unit of its own."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from stdnum.cn import ric

from anju.supervision import thresholds
from anju.supervision.models import FlagKind, RunStatus, RunTrigger, ScreeningFlag, ScreeningRun
from anju.supervision.services.inspections import CHECK_KEYS, Person, task_from_flag, visit_record
from anju.supervision.services.inspections_plans import plan_create
from anju.testing.matrix import INSPECT, INSPECTION_PLAN, SUPERVISION_VIEW, Row, _list, _r
from anju.testing.tenancy import housed_household

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def person_id(seq: int, born: str = "19800101") -> str:
    """A valid resident ID number of Changzhi (潞州区), one per `seq`."""
    body = f"140403{born}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def housed(estate, number: str, actor, seq: int):
    """A household with a head, living in a unit of a new building of `estate`."""
    return housed_household(
        estate,
        number,
        actor,
        head={"name": f"住户{seq}", "id_number": person_id(seq)},
    )


def make_flag(unit, *, kind=FlagKind.SUBLET, score="0.910", household=None, until=None):
    """A flag as a finished screening run leaves it."""
    until = until or timezone.localdate()
    run = ScreeningRun.objects.create(
        until=until,
        window_days=90,
        trigger=RunTrigger.MANUAL,
        status=RunStatus.DONE,
        finished_at=timezone.now(),
    )
    return ScreeningFlag.objects.create(
        run=run,
        unit=unit,
        estate=unit.estate,
        household=household if household is not None else getattr(unit, "household", None),
        flag=kind,
        score=Decimal(score),
        evidence=(
            "in 90 days: registered members seen on 3 days; 2 unregistered credentials on "
            "71 days; electricity 4.1 kWh/day, estate median 4.3"
        ),
        features={"registered_days": 3, "unregistered_days": 71},
    )


def build(world) -> None:
    """Each side: a routine plan of this year; a flag task with an answered visit (a
    photo, a signature, no finding yet); a flag task with an appointment letter after
    three unanswered visits; and an open flag with no task yet."""
    cast = world.cast
    today = timezone.localdate()
    sides = {}
    for side, inspector in (("in", cast.users["operator"]), ("out", cast.users["officer"])):
        unit, household = world.unit(side), world.household(side)
        plan = plan_create(unit.estate, today.year, inspector, actor=cast.users["officer"])
        task = task_from_flag(
            make_flag(unit, household=household), actor=inspector, assign_to=inspector
        )
        visit = visit_record(
            task,
            actor=inspector,
            outcome="completed",
            people=[Person(name=household.head.name, id_number="", id_sighted=True)],
            checklist={key: {"result": "ok", "note": ""} for key in CHECK_KEYS},
            photos=[SimpleUploadedFile("room.jpg", JPEG, "image/jpeg")],
            signature=PNG,
        ).visit
        letter = task_from_flag(
            make_flag(unit, kind=FlagKind.IDLE, household=household),
            actor=inspector,
            assign_to=inspector,
        )
        for _ in range(int(thresholds.value("letter_attempt"))):
            visit_record(letter, actor=inspector, outcome="no_answer")
        letter.refresh_from_db()
        assert letter.appointment_letter
        sides[side] = {
            "plan": plan,
            "task": task,
            "visit": visit,
            "photo": visit.photos.get(),
            "letter": letter,
            "lead": make_flag(unit, kind=FlagKind.CHANGE_OF_USE, household=household),
            "inspector": cast.users["community"] if side == "in" else cast.users["officer"],
        }
    world.extra["inspections"] = sides


def _x(w, side):
    return w.extra["inspections"][side]


def _url(name, key):
    return lambda w, side, role: _r(name, _x(w, side)[key].pk)


def _visit_data(w, side):
    return {
        "outcome": "no_answer",
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "people-TOTAL_FORMS": "0",
        "people-INITIAL_FORMS": "0",
        "notes-TOTAL_FORMS": "1",
        "notes-INITIAL_FORMS": "0",
        "notes-0-text": "矩阵：敲门无人应答",
    }


ROWS = [
    Row(
        "inspection_task_list",
        _list("inspection_task_list"),
        allowed=SUPERVISION_VIEW,
        scope="none",
        marks=("E1-01-0101", "E2-01-0101"),
    ),
    Row("inspection_my_tasks", _list("inspection_my_tasks"), allowed=INSPECT, scope="none"),
    Row("inspection_task_detail", _url("inspection_task_detail", "task"), allowed=SUPERVISION_VIEW),
    Row(
        "inspection_visit_new",
        _url("inspection_visit_new", "task"),
        methods=("GET", "POST"),
        allowed=INSPECT,
        data=_visit_data,
    ),
    Row(
        "inspection_task_assign",
        _url("inspection_task_assign", "task"),
        methods=("POST",),
        allowed=INSPECTION_PLAN,
        data=lambda w, side: {"inspector": _x(w, side)["inspector"].pk},
    ),
    Row(
        "inspection_task_cancel",
        _url("inspection_task_cancel", "task"),
        methods=("POST",),
        allowed=INSPECTION_PLAN,
        data=lambda w, side: {"reason": "矩阵：重复任务"},
    ),
    Row(
        "inspection_task_conclude",
        _url("inspection_task_conclude", "task"),
        methods=("POST",),
        allowed=INSPECT,
        data=lambda w, side: {"finding": "no_issue"},
    ),
    Row("inspection_letter", _url("inspection_letter", "letter"), allowed=SUPERVISION_VIEW),
    Row("inspection_photo", _url("inspection_photo", "photo"), allowed=SUPERVISION_VIEW),
    Row("inspection_signature", _url("inspection_signature", "visit"), allowed=SUPERVISION_VIEW),
    Row(
        "flag_inspect",
        _url("flag_inspect", "lead"),
        methods=("POST",),
        allowed=INSPECT,
        data=lambda w, side: {},
    ),
    Row(
        "inspection_plan_list",
        _list("inspection_plan_list"),
        allowed=SUPERVISION_VIEW,
        scope="none",
        marks=("康居苑", "安泰小区"),
    ),
    Row(
        "inspection_plan_create",
        _list("inspection_plan_create"),
        methods=("GET", "POST"),
        allowed=INSPECTION_PLAN,
        scope="none",
        data=lambda w, side: {
            "estate": w.cast.e1.pk,
            "year": timezone.localdate().year + 1,
            "inspector": w.cast.users["operator"].pk,
        },
    ),
    Row("inspection_plan_detail", _url("inspection_plan_detail", "plan"), allowed=SUPERVISION_VIEW),
    Row(
        "inspection_plan_assign",
        _url("inspection_plan_assign", "plan"),
        methods=("POST",),
        allowed=INSPECTION_PLAN,
        data=lambda w, side: {"inspector": _x(w, side)["inspector"].pk},
    ),
]
