"""The inspection pages: "my inspections", the task list and its filters, the visit form
(a completed visit with people, checklist, photos, notes and the drawn signature; a
visit nobody answered; bad input), a task's page with its letter, photos and
signature, ending a task into a case, raising a task from a flag, and the plans."""

import base64
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from anju.supervision.models import (
    CaseType,
    Finding,
    FlagStatus,
    InspectionPlan,
    InspectionTask,
    InspectionVisit,
    TaskStatus,
    ViolationCase,
)
from anju.supervision.services import inspections as svc
from anju.supervision.services.flags import flag_dismiss
from anju.supervision.services.inspections_plans import plan_create
from anju.testing.cast import IDS

from .matrix.inspections import JPEG, PNG, housed, make_flag, person_id

pytestmark = pytest.mark.django_db

SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def task(cast):
    return svc.task_from_flag(make_flag(cast.unit_a), actor=cast.operator, assign_to=cast.operator)


def management(people=0, notes=0):
    return {
        "people-TOTAL_FORMS": str(people),
        "people-INITIAL_FORMS": "0",
        "notes-TOTAL_FORMS": str(notes),
        "notes-INITIAL_FORMS": "0",
    }


def completed(**extra):
    data = {
        "outcome": "completed",
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        **management(people=3, notes=2),
        "people-0-name": "王小明",
        "people-0-id_number": IDS["alice"],
        "people-0-id_sighted": "on",
        "people-1-name": "刘某",
        "people-1-id_number": person_id(9),
        "people-1-says": "租客",
        "people-2-name": "",
        "notes-0-text": "门口有多双鞋",
        "notes-1-text": "核对租客身份",
        "notes-1-follow_up": "on",
        "signature": SIGNATURE,
        "photos": [SimpleUploadedFile("room.jpg", JPEG, "image/jpeg")],
    }
    for key in svc.CHECK_KEYS:
        data[f"{key}_result"] = "ok"
    data.update(extra)
    return data


def test_the_visit_form_is_made_for_a_phone(cast, client_for, task):
    page = client_for("operator").get(reverse("inspection_visit_new", args=[task.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for piece in (
        "data-signature-pad",
        'name="signature"',
        "btn btn-lg",
        'capture="environment"',
        "supervision/signature.js",
        'id="people-template"',
        "王小明",  # the registered members, to compare with
    ):
        assert piece in text, piece
    assert "<script>" not in text  # no inline script without the nonce


def test_a_completed_visit_is_recorded_with_who_was_there(cast, client_for, task):
    response = client_for("operator").post(
        reverse("inspection_visit_new", args=[task.pk]), completed(), follow=True
    )
    text = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("inspection_task_detail", args=[task.pk])
    assert "Not registered in the household: 刘某" in text
    visit = InspectionVisit.objects.get()
    people = {p.name: p.registered for p in visit.people.all()}
    assert people == {"王小明": True, "刘某": False}
    assert visit.notes == "门口有多双鞋" and visit.follow_ups == ["核对租客身份"]
    assert visit.signature and visit.photos.count() == 1
    for piece in ("registered member", "not registered", 'data-testid="signature"', "核对租客身份"):
        assert piece in text, piece
    signature = client_for("auditor").get(reverse("inspection_signature", args=[visit.pk]))
    assert b"".join(signature.streaming_content).startswith(b"\x89PNG")
    photo = client_for("street").get(reverse("inspection_photo", args=[visit.photos.get().pk]))
    assert photo.status_code == 200


def test_bad_visit_input_shows_the_error_and_writes_nothing(cast, client_for, task):
    operator = client_for("operator")
    url = reverse("inspection_visit_new", args=[task.pk])
    for data, error in [
        (completed(signature=""), "Have the tenant sign on the screen"),
        (completed(signature="data:image/gif;base64,R0lGOD"), "The signature could not be read"),
        (completed(**{"use_result": "issue"}), "Use: say what the issue is."),
        (completed(**{"people-1-id_number": "140402199001011244"}), "刘某: "),
        ({**management(), "outcome": "completed"}, "This field is required."),
    ]:
        response = operator.post(url, data)
        assert response.status_code == 200
        assert error in response.content.decode(), error
    assert not InspectionVisit.objects.exists()


def test_nobody_answering_three_times_sends_a_letter_shown_on_the_task(cast, client_for, task):
    operator = client_for("operator")
    url = reverse("inspection_visit_new", args=[task.pk])
    # Visits recorded afterwards, a week apart (the session would not last a week).
    first = timezone.localtime() - datetime.timedelta(days=14)
    for n in range(3):
        data = {
            **management(notes=1),
            "outcome": "no_answer",
            "visited_at": (first + datetime.timedelta(days=7 * n)).strftime("%Y-%m-%dT%H:%M"),
            "notes-0-text": "敲门无人",
            # What was typed in the hidden sections is not part of such a visit.
            "use_result": "ok",
        }
        response = operator.post(url, data, follow=True)
    text = response.content.decode()
    assert "3 unanswered visits: an appointment letter is sent" in text
    task.refresh_from_db()
    assert task.failed_attempts == 3 and task.appointment_letter
    assert InspectionVisit.objects.filter(checklist={}).count() == 3
    assert 'data-testid="letter"' in text
    letter = operator.get(reverse("inspection_letter", args=[task.pk]))
    assert letter["Content-Type"] == "application/pdf"
    assert b"".join(letter.streaming_content).startswith(b"%PDF-")


def test_a_violation_found_opens_a_case_from_the_form(cast, client_for, task):
    response = client_for("operator").post(
        reverse("inspection_visit_new", args=[task.pk]),
        completed(
            finding=Finding.VIOLATION,
            case_type=CaseType.SUBLET,
            summary="The unit is let to a stranger.",
        ),
        follow=True,
    )
    case = ViolationCase.objects.get()
    assert case.inspection_id == task.pk and case.type == CaseType.SUBLET
    assert f"Violation case {case.number} opened" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_an_open_task_is_ended_on_its_page(cast, client_for, task):
    operator = client_for("operator")
    operator.post(reverse("inspection_visit_new", args=[task.pk]), completed())
    page = operator.get(reverse("inspection_task_detail", args=[task.pk])).content.decode()
    assert 'data-testid="conclude"' in page
    bad = operator.post(
        reverse("inspection_task_conclude", args=[task.pk]), {"finding": "violation"}
    )
    assert bad.status_code == 200 and "Choose the type of violation." in bad.content.decode()
    operator.post(reverse("inspection_task_conclude", args=[task.pk]), {"finding": "no_issue"})
    task.refresh_from_db()
    assert task.finding == Finding.NO_ISSUE and not ViolationCase.objects.exists()
    closed = operator.get(reverse("inspection_visit_new", args=[task.pk]))
    assert closed.status_code == 302


def test_a_flag_is_raised_into_a_task_once(cast, client_for):
    flag = make_flag(cast.unit_a)
    community = client_for("community")
    response = community.post(reverse("flag_inspect", args=[flag.pk]))
    task = InspectionTask.objects.get()
    assert response.url == reverse("inspection_task_detail", args=[task.pk])
    flag.refresh_from_db()
    assert flag.status == FlagStatus.INSPECTING
    again = community.post(reverse("flag_inspect", args=[flag.pk]), follow=True)
    assert "already follows this flag up" in again.content.decode()
    assert InspectionTask.objects.count() == 1
    # A dismissed flag is not inspected: back to the page the button was on.
    dismissed = make_flag(cast.unit_a, kind="idle")
    flag_dismiss(dismissed, actor=cast.officer, reason="The family was abroad; tickets seen.")
    back = community.post(
        reverse("flag_inspect", args=[dismissed.pk]), {"next": "/supervision/screening/?flag=idle"}
    )
    assert back.url == "/supervision/screening/?flag=idle"
    evil = community.post(
        reverse("flag_inspect", args=[dismissed.pk]), {"next": "https://evil.example/"}
    )
    assert "evil" not in evil.url
    # Charlie's flag is outside the community worker's estates.
    outside = make_flag(cast.unit_c)
    assert community.post(reverse("flag_inspect", args=[outside.pk])).status_code == 404


def test_my_inspections_lists_my_open_tasks_earliest_first(cast, client_for):
    late = svc.task_from_flag(
        make_flag(cast.unit_a), actor=cast.operator, due_on=timezone.localdate()
    )
    other = housed(cast.e1, "PG-1", cast.officer, seq=31)
    early = svc.task_from_flag(
        make_flag(other.unit),
        actor=cast.operator,
        due_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    svc.task_from_flag(make_flag(cast.unit_c), actor=cast.officer, assign_to=cast.officer)
    text = client_for("operator").get(reverse("inspection_my_tasks")).content.decode()
    assert text.index(early.number) < text.index(late.number)
    assert "E2-01-0101" not in text
    assert "ti-alarm" in text  # the overdue one is marked


def test_the_task_list_filters_and_its_query_count_does_not_grow(cast, client_for):
    routine_home = housed(cast.e1, "PG-2", cast.officer, seq=32)
    flagged = svc.task_from_flag(make_flag(cast.unit_a), actor=cast.officer)
    plan_create(cast.e1, timezone.localdate().year, cast.community, actor=cast.officer)
    officer = client_for("officer")
    url = reverse("inspection_task_list")
    flags_only = officer.get(url, {"kind": "flag"}).content.decode()
    assert flagged.number in flags_only and routine_home.unit.code not in flags_only
    mine = officer.get(url, {"inspector": cast.community.pk}).content.decode()
    assert routine_home.unit.code in mine and flagged.number not in mine

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert officer.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(6):
        home = housed(cast.e2, f"PG-E2-{n}", cast.officer, seq=40 + n)
        svc.task_from_flag(make_flag(home.unit), actor=cast.officer)
    assert count() == few


def test_plans_are_made_followed_and_handed_over(cast, client_for):
    housed(cast.e1, "PG-3", cast.officer, seq=33)
    operator = client_for("operator")
    year = timezone.localdate().year
    bad = operator.post(
        reverse("inspection_plan_create"),
        {"estate": cast.e1.pk, "year": year, "inspector": cast.street.pk},
    )
    assert bad.status_code == 200 and not InspectionPlan.objects.exists()
    response = operator.post(
        reverse("inspection_plan_create"),
        {"estate": cast.e1.pk, "year": year, "inspector": cast.operator.pk},
        follow=True,
    )
    plan = InspectionPlan.objects.get()
    assert plan.tasks.count() == 2
    assert "2 visits given to" in response.content.decode()
    listing = operator.get(reverse("inspection_plan_list")).content.decode()
    assert f'data-testid="progress-{plan.pk}"' in listing and "0 / 2" in listing
    operator.post(
        reverse("inspection_plan_assign", args=[plan.pk]), {"inspector": cast.community.pk}
    )
    plan.refresh_from_db()
    assert plan.inspector == cast.community
    assert set(plan.tasks.values_list("assigned_to", flat=True)) == {cast.community.pk}
    again = operator.post(
        reverse("inspection_plan_create"),
        {"estate": cast.e1.pk, "year": year, "inspector": cast.operator.pk},
    )
    assert "already has a plan" in again.content.decode()
