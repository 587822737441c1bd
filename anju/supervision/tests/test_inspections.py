"""Inspections: routine plans (one task per occupied unit and round, spread over the
year), tasks from flags, visits (who was present, matched against the registered
members; the checklist; the signature or refusal), the escalation of unanswered visits
(the appointment letter, then a case), findings that close the task or open a case,
and the daily list of overdue tasks."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from anju.admission.tests.test_lease import pdf_text
from anju.core import timeline
from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, MessageChannel, Task, TimelineEntry
from anju.supervision.models import (
    CaseSource,
    CaseType,
    Finding,
    FlagStatus,
    InspectionPlan,
    InspectionTask,
    InspectionVisit,
    PresentPerson,
    TaskKind,
    TaskStatus,
    ViolationCase,
)
from anju.supervision.services import inspections as svc
from anju.supervision.services.flags import flag_dismiss
from anju.supervision.services.inspections_plans import (
    overdue_followups,
    plan_assign,
    plan_create,
    spread,
)
from anju.supervision.services.thresholds import threshold_set
from anju.supervision.tasks.inspections import inspections_overdue_task
from anju.testing.cast import IDS

from .matrix.inspections import JPEG, PNG, housed, make_flag, person_id

pytestmark = pytest.mark.django_db

D = datetime.date
TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: D, hour=10):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def e1_homes(cast):
    """Alice's and four more households live in E1; one unit of E1 stays vacant."""
    return [cast.alice_household] + [
        housed(cast.e1, f"INS-{n}", cast.officer, seq=n) for n in range(1, 5)
    ]


def all_ok():
    return {key: {"result": "ok", "note": ""} for key in svc.CHECK_KEYS}


def answered(task, actor, **kwargs):
    values = {
        "outcome": "completed",
        "people": [svc.Person(name="王小明", id_number=IDS["alice"], id_sighted=True)],
        "checklist": all_ok(),
        "signature": PNG,
    }
    return svc.visit_record(task, actor=actor, **{**values, **kwargs})


# --- Routine plans ---------------------------------------------------------------------


def test_spreading_ends_each_round_on_its_last_day():
    assert spread(4, 1, D(2026, 1, 1), D(2026, 1, 8)) == [
        [D(2026, 1, 2), D(2026, 1, 4), D(2026, 1, 6), D(2026, 1, 8)]
    ]
    first, second = spread(3, 2, D(2026, 1, 1), D(2026, 12, 31))
    assert first[-1] == D(2026, 7, 1) and second[0] > first[-1] and second[-1] == D(2026, 12, 31)
    # More units than days: several are due on the same day, none outside the period.
    assert set(spread(10, 1, D(2026, 12, 30), D(2026, 12, 31))[0]) == {
        D(2026, 12, 30),
        D(2026, 12, 31),
    }


def test_a_plan_makes_one_task_per_occupied_unit_spread_over_the_rest_of_the_year(cast, e1_homes):
    with time_machine.travel(at(D(2026, 3, 1)), tick=False):
        plan = plan_create(cast.e1, 2026, cast.operator, actor=cast.operator)
    tasks = list(plan.tasks.order_by("number"))
    assert len(tasks) == 5 == len(e1_homes)
    assert {t.household for t in tasks} == set(e1_homes)
    assert cast.vacant_e1 not in {t.unit for t in tasks}
    assert [t.number for t in tasks] == [f"XC2026{n:06d}" for n in range(1, 6)]
    dues = [t.due_on for t in tasks]
    assert dues == sorted(dues) and dues[0] >= D(2026, 3, 1) and dues[-1] == D(2026, 12, 31)
    assert {t.kind for t in tasks} == {TaskKind.ROUTINE}
    assert {t.assigned_to for t in tasks} == {cast.operator}
    assert TimelineEntry.objects.filter(verb="inspection.planned").count() == 5
    audit = AuditEntry.objects.get(action="inspection.plan_create")
    assert audit.changes["tasks"] == 5


def test_the_number_of_rounds_is_a_threshold(cast, e1_homes):
    threshold_set("routine_visits_per_year", 2, actor=cast.officer, source="长住建〔2026〕1号")
    with time_machine.travel(at(D(2026, 1, 1)), tick=False):
        plan = plan_create(cast.e1, 2026, cast.community, actor=cast.officer)
    assert plan.visits_per_unit == 2 and plan.tasks.count() == 10
    for unit_tasks in (plan.tasks.filter(unit=h.unit).order_by("due_on") for h in e1_homes):
        first, second = unit_tasks
        assert first.due_on <= D(2026, 7, 2) < second.due_on


def test_a_plan_is_refused_for_a_wrong_year_inspector_or_a_second_time(cast, e1_homes):
    with time_machine.travel(at(D(2026, 3, 1)), tick=False):
        for kwargs, code in [
            ({"year": 2025}, "bad_year"),
            ({"year": 2028}, "bad_year"),
            ({"inspector": cast.street}, "bad_inspector"),  # no inspect permission
            ({"estate": cast.e2}, "bad_inspector"),  # the operator does not run E2
        ]:
            args = {"estate": cast.e1, "year": 2026, "inspector": cast.operator, **kwargs}
            with pytest.raises(DomainError) as exc:
                plan_create(args["estate"], args["year"], args["inspector"], actor=cast.officer)
            assert exc.value.code == code, kwargs
        assert not InspectionTask.objects.exists()
        plan_create(cast.e1, 2026, cast.operator, actor=cast.officer)
        with pytest.raises(DomainError) as exc:
            plan_create(cast.e1, 2026, cast.community, actor=cast.officer)
        assert exc.value.code == "plan_exists"
    assert InspectionTask.objects.count() == 5


def test_reassigning_a_plan_moves_its_open_tasks(cast, e1_homes):
    with time_machine.travel(at(D(2026, 3, 1)), tick=False):
        plan = plan_create(cast.e1, 2026, cast.operator, actor=cast.operator)
        done = plan.tasks.first()
        answered(done, cast.operator, conclusion=svc.Conclusion(finding=Finding.NO_ISSUE))
        assert plan_assign(plan, cast.community, actor=cast.officer) == 4
    done.refresh_from_db()
    assert done.assigned_to == cast.operator  # a finished task keeps who did it
    assert set(plan.tasks.filter(status="open").values_list("assigned_to", flat=True)) == {
        cast.community.pk
    }
    with pytest.raises(DomainError):
        plan_assign(plan, cast.street, actor=cast.officer)


# --- Tasks from flags ------------------------------------------------------------------


def test_a_flag_becomes_one_task_for_the_estates_inspector(cast, e1_homes):
    with time_machine.travel(at(D(2026, 3, 1)), tick=False):
        plan_create(cast.e1, 2026, cast.operator, actor=cast.operator)
        flag = make_flag(cast.unit_a)
        task = svc.task_from_flag(flag, actor=cast.officer)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.INSPECTING
    assert task.kind == TaskKind.FLAG and task.flag == flag
    assert task.household == cast.alice_household
    assert task.assigned_to == cast.operator  # the plan's inspector
    assert task.due_on == D(2026, 3, 8)  # within revisit_days
    assert "score 0.91" in task.reason
    with pytest.raises(DomainError) as exc:
        svc.task_from_flag(flag, actor=cast.officer)
    assert exc.value.code == "task_exists"
    svc.task_cancel(task, actor=cast.officer, reason="raised twice")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_a_dismissed_flag_is_not_inspected(cast):
    flag = make_flag(cast.unit_a)
    flag_dismiss(flag, actor=cast.officer, reason="The family was in hospital; certificate seen.")
    with pytest.raises(DomainError) as exc:
        svc.task_from_flag(flag, actor=cast.officer)
    assert exc.value.code == "flag_dismissed"
    assert not InspectionTask.objects.exists()


def test_the_database_keeps_one_open_task_per_flag(cast):
    flag = make_flag(cast.unit_a)
    svc.task_from_flag(flag, actor=cast.officer)
    with pytest.raises(DomainError) as exc:
        # As if a second officer's request had passed the check at the same moment.
        svc._task_create(
            kind=TaskKind.FLAG,
            unit=cast.unit_a,
            flag=flag,
            actor=cast.officer,
            reason="again",
            assign_to=None,
            due_on=D(2026, 3, 8),
        )
    assert exc.value.code == "task_exists"


# --- Visits ------------------------------------------------------------------------------


def test_a_visit_tells_registered_members_from_other_people(cast):
    task = svc.task_from_flag(make_flag(cast.unit_a), actor=cast.community)
    result = svc.visit_record(
        task,
        actor=cast.community,
        outcome="completed",
        people=[
            svc.Person(name="王小明", id_number=IDS["alice"], id_sighted=True),
            svc.Person(name="刘某", id_number=person_id(77), id_sighted=True, says="租客"),
            svc.Person(name="小孩", says="邻居家的孩子"),
        ],
        checklist={**all_ok(), "use": {"result": "issue", "note": "第二个卧室摆了四张床"}},
        notes="门口有多双鞋",
        follow_ups=["核对租客身份", ""],
        signature=PNG,
        photos=[SimpleUploadedFile("room.jpg", JPEG, "image/jpeg")],
    )
    visit = result.visit
    people = {p.name: p for p in visit.people.all()}
    assert people["王小明"].member == cast.alice_household.head and people["王小明"].registered
    assert not people["刘某"].registered and people["刘某"].id_number_masked.startswith("140403")
    assert people["刘某"].id_number_hash and person_id(77) not in people["刘某"].id_number_hash
    assert not people["小孩"].registered and people["小孩"].id_number_hash == ""
    assert result.unregistered == ["刘某", "小孩"]
    assert visit.checklist["use"] == {"result": "issue", "note": "第二个卧室摆了四张床"}
    assert visit.follow_ups == ["核对租客身份"]
    assert visit.signature.name.endswith(".png") and visit.photos.count() == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN  # no finding yet
    entry = TimelineEntry.objects.get(verb="inspection.visited.completed")
    assert str(entry.household) and "visited" in timeline.render(entry)
    assert entry.household == cast.alice_household
    assert person_id(77) not in str(AuditEntry.objects.get(action="inspection.visit").changes)


def test_a_member_of_another_household_is_not_registered_here(cast):
    task = svc.task_from_flag(make_flag(cast.unit_a), actor=cast.officer)
    result = answered(
        task,
        cast.officer,
        people=[svc.Person(name="张查理", id_number=IDS["charlie"], id_sighted=True)],
    )
    assert result.visit.people.get().member is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"people": []}, "people_required"),
        ({"people": [svc.Person(name="", id_number=IDS["alice"])]}, "person_name"),
        ({"people": [svc.Person(name="某人", id_number="140402199001011244")]}, None),
        ({"checklist": {"use": {"result": "ok"}}}, "checklist"),
        ({"checklist": {**all_ok(), "safety": {"result": "issue", "note": ""}}}, "checklist"),
        ({"signature": None}, "signature_required"),
        ({"signature_refused": True}, "signature"),
        ({"signature": b"GIF89a" + b"\x00" * 20}, "signature"),
        ({"photos": [SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")]}, "upload_type"),
        ({"visited_at": timezone.now() + datetime.timedelta(days=1)}, "bad_date"),
        ({"outcome": "maybe"}, "outcome"),
        ({"conclusion": svc.Conclusion(finding=Finding.VIOLATION, case_type="sublet")}, "summary"),
        ({"conclusion": svc.Conclusion(finding=Finding.VIOLATION, summary="x")}, "case_type"),
        ({"outcome": "no_answer"}, "unanswered_details"),
    ],
)
def test_bad_visits_are_refused_and_write_nothing(cast, kwargs, code):
    task = svc.task_from_flag(make_flag(cast.unit_a), actor=cast.officer)
    with pytest.raises(DomainError) as exc:
        answered(task, cast.officer, **kwargs)
    if code:
        assert exc.value.code == code
    else:
        assert "check digit" in exc.value.message and "某人" in exc.value.message
    assert not InspectionVisit.objects.exists() and not PresentPerson.objects.exists()
    assert not ViolationCase.objects.exists()


# --- Unanswered visits and their escalation ----------------------------------------------


def test_unanswered_visits_bring_a_letter_then_a_case(cast):
    day = D(2026, 4, 6)
    with time_machine.travel(at(day), tick=False):
        task = svc.task_from_flag(make_flag(cast.unit_a), actor=cast.operator)
    results = []
    for n, outcome in enumerate(["no_answer", "refused", "no_answer", "abandoned"]):
        with time_machine.travel(at(day + datetime.timedelta(days=7 * n), 19), tick=False):
            results.append(
                svc.visit_record(task, actor=cast.operator, outcome=outcome, notes=f"第{n + 1}次")
            )
            task.refresh_from_db()
            if n < 3:
                assert task.next_visit_on == day + datetime.timedelta(days=7 * (n + 1))
                assert task.failed_attempts == n + 1 and task.status == TaskStatus.OPEN
    assert [r.letter_sent for r in results] == [False, False, True, False]
    assert [r.case is not None for r in results] == [False, False, False, True]

    data = task.appointment_letter.read()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for words in ("入户核查预约通知书", "王小明", cast.unit_a.code, task.number, "2026年4月27日"):
        assert words in text, words
    channels = set(
        Message.objects.filter(household=cast.alice_household).values_list("channel", flat=True)
    )
    assert channels == {MessageChannel.LETTER, MessageChannel.SMS}
    letter = Message.objects.get(channel=MessageChannel.LETTER)
    assert "2026-04-27" in letter.body and "3" in letter.body

    case = results[-1].case
    assert task.status == TaskStatus.DONE and task.finding == Finding.UNREACHABLE
    assert task.next_visit_on is None
    assert case.type == CaseType.SUBLET  # the flag was a sublet lead
    assert case.source == CaseSource.INSPECTION and case.inspection == task
    assert case.flag == task.flag and case.household == cast.alice_household
    labels = [label for label, _value in case.evidence]
    assert labels[:2] == ["Inspection task", "Screening flag"]
    assert "Visit 4" in labels and "Appointment letter" in labels
    verbs = list(
        TimelineEntry.objects.filter(household=cast.alice_household)
        .filter(verb__startswith="inspection.")
        .order_by("at", "pk")
        .values_list("verb", flat=True)
    )
    assert [v for v in verbs if v.startswith("inspection.visited.")] == [
        "inspection.visited.no_answer",
        "inspection.visited.refused",
        "inspection.visited.no_answer",
        "inspection.visited.abandoned",
    ]
    assert "inspection.letter" in verbs and "inspection.closed.unreachable" in verbs


def test_an_answered_visit_starts_the_count_again_and_the_counts_are_thresholds(cast):
    threshold_set("letter_attempt", 1, actor=cast.officer, source="长住建〔2026〕2号")
    threshold_set("case_attempt", 3, actor=cast.officer, source="长住建〔2026〕2号")
    task = svc.task_from_flag(make_flag(cast.unit_a, kind="idle"), actor=cast.officer)
    assert svc.visit_record(task, actor=cast.officer, outcome="no_answer").letter_sent
    answered(task, cast.officer)
    task.refresh_from_db()
    assert task.failed_attempts == 0 and task.next_visit_on is None
    for _ in range(2):
        svc.visit_record(task, actor=cast.officer, outcome="signs_of_sublet")
    result = svc.visit_record(task, actor=cast.officer, outcome="no_answer")
    # Signs of subletting were seen from outside: the case is about subletting.
    assert result.case.type == CaseType.SUBLET


def test_an_idle_routine_visit_opens_an_idle_case(cast, e1_homes):
    with time_machine.travel(at(D(2026, 3, 1)), tick=False):
        plan_create(cast.e1, 2026, cast.operator, actor=cast.operator)
    task = InspectionTask.objects.get(household=cast.alice_household)
    for _ in range(4):
        result = svc.visit_record(task, actor=cast.operator, outcome="abandoned")
    assert result.case.type == CaseType.IDLE and result.case.flag is None


# --- Findings ----------------------------------------------------------------------------


def test_a_violation_found_on_a_visit_opens_a_case_with_what_was_seen(cast):
    flag = make_flag(cast.unit_a)
    task = svc.task_from_flag(flag, actor=cast.operator)
    result = answered(
        task,
        cast.operator,
        people=[svc.Person(name="刘某", id_number=person_id(5), id_sighted=True, says="租客")],
        checklist={**all_ok(), "use": {"result": "issue", "note": "住着三名租客"}},
        signature=None,
        signature_refused=True,
        conclusion=svc.Conclusion(
            finding=Finding.VIOLATION,
            case_type=CaseType.SUBLET,
            summary="The unit is let to three people outside the household.",
            breach_began_on=D(2026, 1, 1),
        ),
    )
    case = result.case
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.finding == Finding.VIOLATION
    assert case.inspection == task and case.flag == flag and case.type == CaseType.SUBLET
    assert case.breach_began_on == D(2026, 1, 1)
    evidence = dict(case.evidence)
    assert "刘某 (not registered; ID document sighted): 租客" in evidence["People present"]
    assert evidence["Use"] == "住着三名租客"
    assert evidence["Signature"] == "refused to sign"
    assert task.cases.get() == case


def test_a_task_is_concluded_after_its_answered_visit(cast):
    task = svc.task_from_flag(make_flag(cast.unit_a), actor=cast.officer)
    with pytest.raises(DomainError) as exc:
        svc.task_conclude(task, actor=cast.officer, conclusion=svc.Conclusion("no_issue"))
    assert exc.value.code == "no_visit"
    svc.visit_record(task, actor=cast.officer, outcome="no_answer")
    answered(task, cast.officer)
    assert (
        svc.task_conclude(task, actor=cast.officer, conclusion=svc.Conclusion("no_issue")) is None
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.finding == Finding.NO_ISSUE
    with pytest.raises(DomainError) as exc:
        answered(task, cast.officer)
    assert exc.value.code == "task_closed"


# --- Overdue -----------------------------------------------------------------------------


def test_overdue_tasks_become_staff_todos_once(cast, e1_homes):
    with time_machine.travel(at(D(2026, 12, 1)), tick=False):
        plan_create(cast.e1, 2026, cast.operator, actor=cast.operator)
    dues = list(InspectionTask.objects.order_by("due_on").values_list("due_on", flat=True))
    assert dues == [
        D(2026, 12, 7),
        D(2026, 12, 13),
        D(2026, 12, 19),
        D(2026, 12, 25),
        D(2026, 12, 31),
    ]
    with time_machine.travel(at(D(2026, 12, 20)), tick=False):
        # Nobody answered on the 20th: the third task's next visit is on the 27th.
        third = InspectionTask.objects.get(due_on=D(2026, 12, 19))
        svc.visit_record(third, actor=cast.operator, outcome="no_answer")
    # On the 26th the first two and the fourth are past their day; the third is not.
    with time_machine.travel(at(D(2026, 12, 26)), tick=False):
        assert overdue_followups(D(2026, 12, 26)) == 3
    assert not Task.objects.filter(key=f"inspection:{third.number}:overdue").exists()
    todo = Task.objects.filter(kind="inspection.overdue").first()
    assert todo.organisation == cast.operator_1 and todo.household is not None
    assert overdue_followups(D(2026, 12, 26)) == 0
    with time_machine.travel(at(D(2026, 12, 27)), tick=False):
        # The daily task: the third's next visit is today, the fifth's day the 31st.
        assert inspections_overdue_task.call_local() == 0
    with time_machine.travel(at(D(2026, 12, 28)), tick=False):
        assert inspections_overdue_task.call_local() == 1  # the third, visit by the 27th
    assert InspectionPlan.objects.count() == 1
