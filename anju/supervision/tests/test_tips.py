"""Tips: given anonymously on the public page (limited per address and hour), by a
tenant on the portal, or by staff; numbered, with a tracking code whose public status
shows no personal data; triaged into an inspection task or closed with a reason."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, AuditKind, TimelineEntry
from anju.supervision.models import (
    Finding,
    InspectionTask,
    TaskKind,
    TaskStatus,
    Tip,
    TipPhoto,
    TipSource,
    TipStatus,
)
from anju.supervision.services import inspections as insp
from anju.supervision.services import tips as svc

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%%EOF\n"
NOW = datetime.datetime(2026, 5, 12, 10, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def public(**kwargs):
    values = {
        "source": TipSource.PUBLIC,
        "category": "sublet",
        "place": "康居苑 1号楼",
        "text": "Strangers with suitcases come and go every week.",
        "ip": "203.0.113.9",
    }
    return svc.tip_submit(**{**values, **kwargs})


def test_an_anonymous_public_tip_is_numbered_and_keeps_no_contact(cast):
    with time_machine.travel(NOW, tick=False):
        tip = public(anonymous=True, contact_name="李四", contact_phone="13700000000")
    assert tip.number == "JB202600001"
    assert tip.source == TipSource.PUBLIC and tip.status == TipStatus.NEW
    assert tip.anonymous and tip.contact_name == "" and tip.contact_enc == ""
    assert tip.submitted_by is None
    assert len(tip.tracking_code) == svc.CODE_LENGTH
    assert set(tip.tracking_code) <= set(svc.CODE_ALPHABET)
    entry = AuditEntry.objects.get(action="tip.submit")
    assert entry.actor is None and entry.changes["anonymous"] is True


def test_a_contact_phone_is_stored_encrypted_and_masked(cast):
    tip = public(contact_name="李四", contact_phone="137 0000 1234")
    assert tip.contact_masked == "137****1234"
    assert "13700001234" not in tip.contact_enc
    assert svc.tip_reveal_contact(tip, actor=cast.officer) == "13700001234"
    reveal = AuditEntry.objects.get(action="tip.contact_reveal")
    assert reveal.kind == AuditKind.ACCESS and reveal.changes == {"contact": "137****1234"}


def test_a_place_written_as_a_unit_code_names_the_unit_and_its_household(cast):
    tip = public(place=cast.unit_a.code.lower())
    assert tip.unit == cast.unit_a and tip.estate == cast.e1
    entry = TimelineEntry.objects.get(verb="tip.received", household=cast.alice_household)
    # The household's archive does not say who reported it.
    assert entry.actor is None


def test_the_public_page_takes_so_many_tips_from_one_address_an_hour(cast):
    with time_machine.travel(NOW, tick=False):
        for _ in range(5):
            public()
        assert svc.public_tips_left("203.0.113.9") == 0
        with pytest.raises(DomainError) as exc:
            public()
        assert exc.value.code == "rate_limited"
        # Another address is not held back.
        public(ip="198.51.100.7")
    assert Tip.objects.count() == 6
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        public()
    assert Tip.objects.count() == 7


def test_bad_input_is_refused_and_writes_nothing(cast):
    cases = [
        ({"text": "  "}, "text_required"),
        ({"place": ""}, "place_required"),
        ({"category": "noise"}, "bad_category"),
        ({"contact_phone": "12345"}, "phone_invalid"),
        ({"text": "x" * (svc.TEXT_MAX + 1)}, "too_long"),
        ({"photos": [SimpleUploadedFile("scan.pdf", PDF)]}, "upload_type"),
        ({"photos": [SimpleUploadedFile("a.jpg", b"")]}, "upload_empty"),
    ]
    for kwargs, code in cases:
        with pytest.raises(DomainError) as exc:
            public(**kwargs)
        assert exc.value.code == code, kwargs
    assert not Tip.objects.exists() and not TipPhoto.objects.exists()
    # Refused input does not use up the address's tips.
    assert svc.public_tips_left("203.0.113.9") == 5


def test_a_portal_tip_records_the_tenant_and_photos(cast):
    tip = svc.tip_submit(
        source=TipSource.PORTAL,
        actor=cast.alice,
        category="overcrowding",
        place="3号楼 2单元 502",
        text="Eight people share the flat above ours.",
        photos=[SimpleUploadedFile("door.jpg", JPEG, "image/jpeg")],
    )
    assert tip.submitted_by == cast.alice and tip.source == TipSource.PORTAL
    assert tip.photos.count() == 1
    with pytest.raises(DomainError) as exc:
        svc.tip_submit(
            source=TipSource.PORTAL, actor=cast.officer, category="idle", place="x", text="y"
        )
    assert exc.value.code == "actor"


def test_the_public_status_shows_progress_without_personal_data(cast):
    with time_machine.travel(NOW, tick=False):
        tip = public(contact_name="李四", contact_phone="13700001234", place=cast.unit_a.code)
    code = tip.tracking_code
    status = svc.public_status(code.lower()[:5] + "-" + code.lower()[5:])
    assert status.number == tip.number and status.status == TipStatus.NEW
    assert [reached for _label, _on, reached in status.steps] == [True, False, False]
    shown = repr(vars(status))
    for private in ("李四", "137", cast.unit_a.code, "王小明", tip.place):
        assert private not in shown
    assert svc.public_status("ABCDEFGHJK") is None
    assert svc.public_status("short") is None


def test_triage_into_an_inspection_then_the_finding_closes_the_tip(cast):
    tip = public(place=cast.unit_a.code)
    task = svc.tip_to_inspection(tip, actor=cast.community)
    tip.refresh_from_db()
    assert tip.status == TipStatus.INSPECTING and tip.triaged_by == cast.community
    assert task.kind == TaskKind.TIP and task.tip == tip and task.unit == cast.unit_a
    assert task.household == cast.alice_household
    assert task.assigned_to == cast.community  # no plan for E1: the one who raised it
    assert svc.public_status(tip.tracking_code).steps[1][2] is True
    with pytest.raises(DomainError) as exc:
        svc.tip_to_inspection(tip, actor=cast.community)
    assert exc.value.code == "bad_transition"

    insp.visit_record(
        task,
        actor=cast.community,
        outcome="completed",
        people=[insp.Person(name="王小明", id_number="140402199001011243", id_sighted=True)],
        checklist={k: {"result": "ok"} for k in insp.CHECK_KEYS},
        signature_refused=True,
        conclusion=insp.Conclusion(finding=Finding.NO_ISSUE),
    )
    tip.refresh_from_db()
    assert tip.status == TipStatus.CLOSED
    assert "no issue" in tip.closed_reason.lower()
    status = svc.public_status(tip.tracking_code)
    assert status.outcome.startswith("The unit was inspected; no breach")


def test_a_tip_without_a_unit_needs_one_to_be_inspected(cast):
    tip = public(place="somewhere near the market")
    with pytest.raises(DomainError) as exc:
        svc.tip_to_inspection(tip, actor=cast.officer)
    assert exc.value.code == "unit_required"
    task = svc.tip_to_inspection(tip, actor=cast.officer, unit=cast.unit_c)
    tip.refresh_from_db()
    assert tip.estate == cast.e2 and tip.unit == cast.unit_c and task.estate == cast.e2


def test_cancelling_the_task_puts_the_tip_back_for_triage(cast):
    tip = public(place=cast.unit_a.code)
    task = svc.tip_to_inspection(tip, actor=cast.officer)
    insp.task_cancel(task, actor=cast.officer, reason="wrong unit")
    tip.refresh_from_db()
    assert tip.status == TipStatus.NEW
    assert InspectionTask.objects.get().status == TaskStatus.CANCELLED
    again = svc.tip_to_inspection(tip, actor=cast.officer)
    assert again.status == TaskStatus.OPEN


def test_closing_a_tip_needs_a_reason(cast):
    tip = public(place=cast.unit_a.code)
    with pytest.raises(DomainError) as exc:
        svc.tip_close(tip, actor=cast.community, reason=" ")
    assert exc.value.code == "reason_required"
    svc.tip_close(tip, actor=cast.community, reason="Same as tip JB202600001, already inspected")
    tip.refresh_from_db()
    assert tip.status == TipStatus.CLOSED and tip.triaged_by == cast.community
    assert TimelineEntry.objects.filter(verb="tip.closed").count() == 1
    assert svc.public_status(tip.tracking_code).outcome.startswith("The tip was reviewed")
    with pytest.raises(DomainError):
        svc.tip_close(tip, actor=cast.community, reason="again")


def test_tips_are_scoped_by_estate_and_the_authority_places_the_rest(cast):
    e1 = public(place=cast.unit_a.code)
    e2 = public(place=cast.unit_c.code)
    nowhere = public(place="the old market")
    assert set(Tip.objects.visible_to(cast.officer)) == {e1, e2, nowhere}
    assert set(Tip.objects.visible_to(cast.community)) == {e1}
    assert not Tip.objects.visible_to(cast.alice).exists()
