"""Work orders through their services: reporting on every channel with the same
deadlines, bad input and bad uploads leaving nothing behind, dispatching, the table
of transitions refusing what it does not allow, the pause of a deferred order, the
work and its charge billed once, the tenant's confirmation, reopening within the
window and at most so many times, and cancelling."""

import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from anju.core import services as core_services
from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, MessageChannel, TimelineEntry
from anju.core.roles import Role
from anju.helpdesk.models import (
    RepairClass,
    StepKind,
    Urgency,
    WorkOrder,
    WorkOrderPhoto,
    WorkOrderStatus,
)
from anju.helpdesk.services import workorder_answers as answers
from anju.helpdesk.services import workorder_work as work
from anju.helpdesk.services import workorders as svc
from anju.tenancy.models import Bill, BillKind
from anju.testing.cast import PASSWORD

S = WorkOrderStatus
TZ = ZoneInfo("Asia/Shanghai")
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
# Thursday 5 March 2026, 10:00 in Changzhi.
THURSDAY = "2026-03-05 10:00 +08:00"


def at(day: str, time: str = "10:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day} {time}").replace(tzinfo=TZ)


@pytest.fixture(autouse=True)
def english(settings):
    """The assertions read the English source strings, in the services and on the
    pages, whatever the catalogue holds."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def frozen():
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def w(cast):
    """The cast, and a repairer and a manager of P2 (the company serving E2)."""
    extra = {
        name: core_services.user_create(
            actor=None,
            username=name,
            full_name=name.title(),
            organisation=cast.property_2,
            roles=[role],
            password=PASSWORD,
        )
        for name, role in (
            ("repairer2", Role.PROPERTY_STAFF),
            ("propmgr2", Role.PROPERTY_MANAGER),
        )
    }
    return SimpleNamespace(cast=cast, **cast.users, **extra)


def photo(name="leak.jpg", content=JPEG, kind="image/jpeg"):
    return SimpleUploadedFile(name, content, kind)


def node(code):
    return RepairClass.objects.get(code=code)


def report(w, code="HW01", *, actor=None, unit=None, **kwargs):
    """An order taken by phone by the officer, for Alice's unit unless told."""
    kwargs.setdefault("description", "卫生间漏水")
    return svc.workorder_report(
        actor=actor or w.officer,
        channel=kwargs.pop("channel", "phone"),
        repair_class=node(code),
        unit=unit if unit is not None else w.cast.unit_a,
        **kwargs,
    )


def tenant_report(user, code="HW01", **kwargs):
    kwargs.setdefault("description", "卫生间漏水")
    return svc.workorder_report(actor=user, channel="portal", repair_class=node(code), **kwargs)


def assigned(w, order=None, repairer=None):
    order = order or report(w)
    return svc.workorder_assign(order, actor=w.propmgr, repairer=repairer or w.repairer)


def started(w, order=None):
    return work.workorder_start(assigned(w, order), actor=w.repairer)


def finished(w, order=None, **kwargs):
    kwargs.setdefault("note", "换了阀门")
    kwargs.setdefault("photos", [photo("after.jpg")])
    return work.workorder_done(started(w, order), actor=w.repairer, **kwargs)


# --- Reporting ------------------------------------------------------------------------------


def test_a_tenant_reports_a_leak_in_their_home_with_a_photo(w, frozen):
    order = tenant_report(w.alice, photos=[photo()], contact_phone="138 0000 1234")
    assert order.number.startswith("BX2026")
    assert (order.channel, order.unit, order.household) == (
        "portal",
        w.cast.unit_a,
        w.cast.alice_household,
    )
    assert order.estate == w.cast.e1 and order.property_company == w.cast.property_1
    assert order.reported_by == w.alice and order.urgency == Urgency.NORMAL
    # The blank rule: respond within 24 hours, complete within 3 working days.
    assert order.respond_by == at("2026-03-06")
    assert order.complete_by == at("2026-03-10")
    assert order.contact_masked == "138****1234" and "1234" not in order.contact_enc
    assert order.photos.get().stage == "reported"
    assert [s.kind for s in order.steps.all()] == [StepKind.REPORTED]
    assert AuditEntry.objects.filter(action="workorder.report", target_id=str(order.pk)).exists()
    entry = TimelineEntry.objects.get(verb="workorder.reported")
    assert entry.household == w.cast.alice_household and entry.data["number"] == order.number


def test_a_tenant_names_where_a_problem_in_a_shared_area_is(w, frozen):
    with pytest.raises(DomainError) as refused:
        tenant_report(w.alice, "BC01")
    assert refused.value.code == "place_required"
    order = tenant_report(w.alice, "BC01", place="1号楼 2单元 3层")
    assert order.unit is None and order.household == w.cast.alice_household
    assert order.estate == w.cast.e1 and order.place == "1号楼 2单元 3层"


def test_staff_take_a_call_for_a_unit_and_the_household_living_there(w, frozen):
    order = report(w, unit=w.cast.unit_c, contact_name="张先生")
    assert order.household == w.cast.charlie_household
    assert order.property_company == w.cast.property_2
    assert order.reported_by == w.officer and order.channel == "phone"


def test_a_shared_area_order_names_the_estate_and_the_building(w, frozen):
    building = w.cast.unit_a.building
    order = svc.workorder_report(
        actor=w.operator,
        channel="counter",
        repair_class=node("BL01"),
        description="电梯停在三楼不动",
        building=building,
        place="东侧电梯",
    )
    assert order.unit is None and order.household is None
    assert order.estate == w.cast.e1 and order.place == "Building 01 东侧电梯"
    # The lift rule: respond within 2 hours, complete within 24.
    assert order.respond_by == at("2026-03-05", "12:00")
    assert order.complete_by == at("2026-03-06")


def test_every_channel_gets_the_same_deadlines(w, frozen):
    by_portal = tenant_report(w.alice, "HE02")
    by_phone = report(w, "HE02")
    by_counter = report(w, "HE02", channel="counter")
    deadlines = {(o.respond_by, o.complete_by) for o in (by_portal, by_phone, by_counter)}
    assert len(deadlines) == 1


def test_an_emergency_problem_is_an_emergency_even_unticked(w, frozen):
    order = report(w, "HW02")
    assert order.emergency and order.urgency == Urgency.EMERGENCY
    assert order.respond_by == at("2026-03-05", "11:00")
    assert order.complete_by == at("2026-03-06")


def test_work_the_tenant_pays_for_starts_as_paid(w, frozen):
    order = report(w, "HA02")
    assert order.urgency == Urgency.PAID
    assert order.complete_by == at("2026-03-12")  # 5 working days


def test_the_classification_is_a_problem_or_at_least_a_category(w, frozen):
    with pytest.raises(DomainError) as refused:
        report(w, "H")
    assert refused.value.code == "classification"
    assert report(w, "HW").repair_class.code == "HW"
    category = node("HW")
    category.is_active = False
    category.save()
    with pytest.raises(DomainError) as refused:
        report(w, "HW01")
    assert refused.value.code == "classification"


def test_a_description_is_needed_and_kept_short(w, frozen):
    with pytest.raises(DomainError) as refused:
        report(w, description="   ")
    assert refused.value.code == "description_required"
    with pytest.raises(DomainError) as refused:
        report(w, description="漏" * 1001)
    assert refused.value.code == "too_long"


def test_only_a_tenant_living_in_a_unit_reports_on_the_portal(w, frozen):
    with pytest.raises(DomainError) as refused:
        tenant_report(w.officer)
    assert refused.value.code == "actor"


@pytest.mark.parametrize(
    ("photos", "code"),
    [
        ([photo("scan.pdf", PDF, "application/pdf")], "upload_type"),
        ([photo("empty.jpg", b"")], "upload_empty"),
        ([photo("notes.txt", b"hello there", "text/plain")], "upload_type"),
        ([photo(f"{n}.jpg") for n in range(7)], "too_many_photos"),
    ],
    ids=["a PDF", "an empty file", "a text file", "seven photos"],
)
def test_a_bad_upload_is_refused_and_nothing_is_written(w, frozen, photos, code):
    with pytest.raises(DomainError) as refused:
        tenant_report(w.alice, photos=photos)
    assert refused.value.code == code
    assert refused.value.message
    assert not WorkOrder.objects.exists() and not WorkOrderPhoto.objects.exists()
    assert not AuditEntry.objects.filter(action="workorder.report").exists()


def test_six_photos_jpeg_or_png_are_kept(w, frozen):
    photos = [photo(f"{n}.jpg") for n in range(5)] + [photo("6.png", PNG, "image/png")]
    assert tenant_report(w.alice, photos=photos).photos.count() == 6


def test_a_bad_phone_is_refused(w, frozen):
    with pytest.raises(DomainError) as refused:
        report(w, contact_phone="12345")
    assert refused.value.code == "phone_invalid"


# --- Dispatching ----------------------------------------------------------------------------


def test_the_first_assignment_is_the_response_and_tells_the_household(
    w, frozen, django_capture_on_commit_callbacks
):
    order = tenant_report(w.alice)
    frozen.shift(datetime.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        order = svc.workorder_assign(order, actor=w.propmgr, repairer=w.repairer)
    assert order.status == S.ASSIGNED and order.assigned_to == w.repairer
    assert order.responded_at == at("2026-03-05", "12:00")
    message = Message.objects.get(template="workorder.assigned")
    assert message.household == w.cast.alice_household
    assert message.channel == MessageChannel.PORTAL
    assert "Repairer" in message.body and "2026-03-10 10:00" in message.body
    frozen.shift(datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        order = svc.workorder_assign(order, actor=w.propmgr, repairer=w.propmgr)
    assert order.assigned_to == w.propmgr
    assert order.responded_at == at("2026-03-05", "12:00")  # the first response stays
    assert Message.objects.filter(template="workorder.assigned").count() == 2


def test_an_order_goes_only_to_a_repairer_of_the_estates_company(w, frozen):
    order = report(w)
    for outsider in (w.repairer2, w.operator):
        with pytest.raises(DomainError) as refused:
            svc.workorder_assign(order, actor=w.propmgr, repairer=outsider)
        assert refused.value.code == "wrong_repairer"
    w.repairer.is_active = False
    w.repairer.save()
    with pytest.raises(DomainError):
        svc.workorder_assign(order, actor=w.propmgr, repairer=w.repairer)


def test_a_dispatcher_calls_an_order_under_warranty_counted_from_the_report(w, frozen):
    order = report(w)
    frozen.shift(datetime.timedelta(days=1))
    order = svc.workorder_set_urgency(order, actor=w.operator, urgency=Urgency.WARRANTY)
    # Warranty: respond within 2 working days, complete within 15, from Thursday 5 March.
    assert order.respond_by == at("2026-03-09")
    assert order.complete_by == at("2026-03-26")
    assert order.respond_unit == "working_days"
    with pytest.raises(DomainError) as refused:
        svc.workorder_set_urgency(report(w, "HW02"), actor=w.operator, urgency=Urgency.PAID)
    assert refused.value.code == "emergency"


# --- The table of transitions ---------------------------------------------------------------


def test_the_table_refuses_what_it_does_not_allow(w, frozen):
    order = report(w)
    with pytest.raises(DomainError) as refused:
        work.workorder_start(order, actor=w.repairer)
    assert refused.value.code == "bad_transition"
    with pytest.raises(DomainError) as refused:
        work.workorder_done(order, actor=w.repairer, note="好了", photos=[photo()])
    assert refused.value.code == "bad_transition"
    with pytest.raises(DomainError) as refused:
        answers.workorder_confirm(order, actor=w.alice, rating=5)
    assert refused.value.code == "bad_transition"
    with pytest.raises(DomainError) as refused:
        svc.workorder_resume(order, actor=w.operator)
    assert refused.value.code == "bad_transition"
    closed = answers.workorder_confirm(finished(w), actor=w.alice, rating=4)
    for attempt in (
        lambda: svc.workorder_assign(closed, actor=w.propmgr, repairer=w.repairer),
        lambda: svc.workorder_defer(
            closed, actor=w.operator, until=at("2026-03-09").date(), reason="x"
        ),
        lambda: answers.workorder_cancel(closed, actor=w.operator, reason="x"),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "bad_transition"
    assert WorkOrder.objects.get(pk=order.pk).status == S.REPORTED
    assert WorkOrder.objects.get(pk=closed.pk).status == S.CLOSED


def test_only_the_repairer_or_a_manager_of_the_company_works_an_order(w, frozen):
    other = core_services.user_create(
        actor=None,
        username="repairer1b",
        full_name="Repairer 1b",
        organisation=w.cast.property_1,
        roles=[Role.PROPERTY_STAFF],
        password=PASSWORD,
    )
    order = assigned(w)
    for outsider in (other, w.repairer2, w.propmgr2):
        with pytest.raises(DomainError) as refused:
            work.workorder_start(order, actor=outsider)
        assert refused.value.code == "not_yours"
    assert work.workorder_start(order, actor=w.propmgr).status == S.IN_PROGRESS


# --- Deferring --------------------------------------------------------------------------------


def test_a_deferred_orders_clock_stands_still_until_it_is_taken_up(w, frozen):
    order = assigned(w)  # respond by Fri 6 10:00 (responded), complete by Tue 10 10:00
    order = svc.workorder_defer(
        order, actor=w.operator, until=datetime.date(2026, 3, 12), reason="等配件"
    )
    assert order.status == S.DEFERRED and order.resume_status == S.ASSIGNED
    assert not order.is_overdue(at("2026-03-20"))
    # Taken up by hand on Monday 9 March at 15:00: the pause covered Friday 6 and
    # Monday 9, two working days.
    frozen.move_to("2026-03-09 15:00 +08:00")
    order = svc.workorder_resume(order, actor=w.operator)
    assert order.status == S.ASSIGNED and order.resume_status == ""
    assert order.complete_by == at("2026-03-12")
    assert order.paused_seconds == int(datetime.timedelta(days=4, hours=5).total_seconds())
    assert [s.kind for s in order.steps.all()][-2:] == [StepKind.DEFERRED, StepKind.RESUMED]


def test_deferring_needs_a_day_ahead_and_a_reason(w, frozen):
    order = report(w)
    for until, reason, code in (
        (datetime.date(2026, 3, 5), "等配件", "bad_date"),
        (datetime.date(2026, 9, 5), "等配件", "bad_date"),
        (datetime.date(2026, 3, 9), " ", "reason_required"),
    ):
        with pytest.raises(DomainError) as refused:
            svc.workorder_defer(order, actor=w.operator, until=until, reason=reason)
        assert refused.value.code == code


def test_an_hourly_clock_moves_on_by_the_whole_pause(w, frozen):
    order = report(w, "BL01")  # respond by 12:00, complete by Friday 10:00
    order = svc.workorder_defer(
        order, actor=w.operator, until=datetime.date(2026, 3, 7), reason="x"
    )
    frozen.move_to("2026-03-05 16:00 +08:00")
    order = svc.workorder_resume(order, actor=w.operator)
    assert order.status == S.REPORTED
    assert order.respond_by == at("2026-03-05", "18:00")
    assert order.complete_by == at("2026-03-06", "16:00")


# --- The work and its charge --------------------------------------------------------------


def test_the_repairer_finishes_with_photos_and_materials_and_the_tenant_is_asked(
    w, frozen, django_capture_on_commit_callbacks
):
    order = started(w, tenant_report(w.alice))
    with django_capture_on_commit_callbacks(execute=True):
        order = work.workorder_done(
            order,
            actor=w.repairer,
            note="更换角阀",
            photos=[photo("after.jpg")],
            materials=[["角阀", "1", "个"], ["", "", ""], ["生料带", "0.5", "卷"]],
        )
    assert order.status == S.DONE and order.done_at == at("2026-03-05")
    assert order.materials == [["角阀", "1", "个"], ["生料带", "0.5", "卷"]]
    assert order.photos.filter(stage="done").count() == 1
    message = Message.objects.get(template="workorder.done")
    assert message.household == w.cast.alice_household and "7天内" in message.body


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"photos": []}, "photo_required"),
        ({"note": ""}, "note_required"),
        ({"materials": [["角阀", "", "个"]]}, "materials"),
        ({"materials": [["", "2", "个"]]}, "materials"),
        ({"charge": "50.00"}, "charge_not_paid"),
    ],
)
def test_finishing_needs_a_note_a_photo_and_sound_materials(w, frozen, kwargs, code):
    order = started(w)
    values = {"note": "好了", "photos": [photo()], **kwargs}
    with pytest.raises(DomainError) as refused:
        work.workorder_done(order, actor=w.repairer, **values)
    assert refused.value.code == code
    assert WorkOrder.objects.get(pk=order.pk).status == S.IN_PROGRESS
    assert not WorkOrderPhoto.objects.filter(stage="done").exists()


@override_settings(ANJU_REPAIR_PAYMENT_DAYS=15)
def test_paid_work_is_billed_to_the_household_once(w, frozen):
    order = finished(w, report(w, "HA02"), charge="80.50")
    bill = Bill.objects.get(source_key=f"workorder:{order.pk}")
    assert (bill.kind, bill.amount, bill.household) == (
        BillKind.REPAIR,
        Decimal("80.50"),
        w.cast.alice_household,
    )
    assert bill.due_on == datetime.date(2026, 3, 20)
    assert order.bill == bill
    # Sending it again is harmless: the same bill, no second step.
    assert work.workorder_bill(order, actor=w.officer) == bill
    assert Bill.objects.filter(kind=BillKind.REPAIR).count() == 1
    assert order.steps.filter(kind=StepKind.BILLED).count() == 1


def test_a_charge_is_an_amount_in_yuan(w, frozen):
    for charge in ("0", "-5", "12.345", "abc"):
        with pytest.raises(DomainError) as refused:
            finished(w, report(w, "HA02"), charge=charge)
        assert refused.value.code == "charge"


# --- The tenant's answer ------------------------------------------------------------------


def test_the_tenant_confirms_with_stars_and_a_comment(w, frozen):
    order = finished(w)
    with pytest.raises(DomainError) as refused:
        answers.workorder_confirm(order, actor=w.alice, rating=6)
    assert refused.value.code == "rating"
    with pytest.raises(DomainError) as refused:
        answers.workorder_confirm(order, actor=w.charlie, rating=5)
    assert refused.value.code == "not_yours"
    order = answers.workorder_confirm(order, actor=w.alice, rating=4, comment="很及时")
    assert order.status == S.CLOSED and order.rating == 4 and order.confirmed_at
    assert not order.closed_automatically


@override_settings(ANJU_REPAIR_REOPEN_DAYS=7, ANJU_REPAIR_REOPEN_MAX=2)
def test_reopening_goes_back_to_the_same_repairer_with_fresh_deadlines(
    w, frozen, django_capture_on_commit_callbacks
):
    order = answers.workorder_confirm(finished(w), actor=w.alice, rating=2)
    WorkOrder.objects.filter(pk=order.pk).update(escalation=1)
    frozen.move_to("2026-03-09 09:00 +08:00")
    with django_capture_on_commit_callbacks(execute=True):
        order = answers.workorder_reopen(order, actor=w.alice, reason="还在漏水")
    assert order.status == S.ASSIGNED and order.assigned_to == w.repairer
    assert order.reopen_count == 1 and order.escalation == 0
    assert order.rating is None and order.done_at is None
    assert order.respond_by == at("2026-03-10", "09:00")
    assert order.complete_by == at("2026-03-12", "09:00")
    message = Message.objects.get(template="workorder.reopened")
    assert message.user == w.repairer and message.channel == MessageChannel.IN_APP
    assert "还在漏水" in message.body


@override_settings(ANJU_REPAIR_REOPEN_DAYS=7, ANJU_REPAIR_REOPEN_MAX=2)
def test_a_repair_is_reopened_at_most_twice(w, frozen):
    order = finished(w)
    for n in (1, 2):
        order = answers.workorder_reopen(order, actor=w.alice, reason=f"第{n}次")
        order = work.workorder_start(order, actor=w.repairer)
        order = work.workorder_done(order, actor=w.repairer, note="再修", photos=[photo()])
    with pytest.raises(DomainError) as refused:
        answers.workorder_reopen(order, actor=w.alice, reason="第3次")
    assert refused.value.code == "reopen_refused"
    assert "reopened 2 times already" in str(refused.value.message)
    assert WorkOrder.objects.get(pk=order.pk).reopen_count == 2


@override_settings(ANJU_REPAIR_REOPEN_DAYS=7)
def test_a_repair_is_reopened_only_within_the_window(w, frozen):
    order = finished(w)
    frozen.move_to("2026-03-12 10:00 +08:00")  # exactly 7 days: still allowed
    assert answers.reopen_refusal(WorkOrder.objects.get(pk=order.pk)) is None
    frozen.move_to("2026-03-12 10:01 +08:00")
    with pytest.raises(DomainError) as refused:
        answers.workorder_reopen(order, actor=w.alice, reason="又坏了")
    assert "within 7 days" in str(refused.value.message)
    assert "2026-03-05" in str(refused.value.message)
    with pytest.raises(DomainError) as refused:
        answers.workorder_reopen(order, actor=w.charlie, reason="又坏了")
    assert refused.value.code == "not_yours"


def test_the_tenant_withdraws_a_report_nobody_is_on_yet(w, frozen):
    order = tenant_report(w.alice)
    order = answers.workorder_cancel(order, actor=w.alice)
    assert order.status == S.CANCELLED and order.cancelled_reason
    busy = assigned(w, tenant_report(w.alice))
    with pytest.raises(DomainError) as refused:
        answers.workorder_cancel(busy, actor=w.alice)
    assert refused.value.code == "bad_transition"


def test_a_dispatcher_cancels_with_a_reason_and_the_household_is_told(
    w, frozen, django_capture_on_commit_callbacks
):
    order = assigned(w)
    with pytest.raises(DomainError) as refused:
        answers.workorder_cancel(order, actor=w.operator, reason="")
    assert refused.value.code == "reason_required"
    with pytest.raises(DomainError) as refused:
        answers.workorder_cancel(order, actor=w.repairer, reason="不想修")
    assert refused.value.code == "not_yours"
    with django_capture_on_commit_callbacks(execute=True):
        order = answers.workorder_cancel(order, actor=w.operator, reason="重复报修")
    assert order.status == S.CANCELLED
    assert "重复报修" in Message.objects.get(template="workorder.cancelled").body


def test_a_charge_needs_a_household_to_bill(w, frozen):
    order = svc.workorder_report(
        actor=w.operator,
        channel="counter",
        repair_class=node("BC02"),
        description="单元门被撞坏",
        building=w.cast.unit_a.building,
    )
    order = svc.workorder_set_urgency(order, actor=w.operator, urgency=Urgency.PAID)
    with pytest.raises(DomainError) as refused:
        finished(w, order, charge="120.00")
    assert refused.value.code == "charge_no_household"
    assert not Bill.objects.filter(kind=BillKind.REPAIR).exists()
