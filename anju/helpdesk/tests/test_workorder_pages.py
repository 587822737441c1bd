"""The staff pages of work orders: the list (scoped, filtered, exported, in a fixed
number of queries), an order's page with its deadlines and actions, photos served
only in scope, transitions refused when posted directly, new orders by phone and from
an inspection, the repairer's phone pages, the dispatch board, quality checks and the
sample, and the deadline table."""

import io

import openpyxl
from django.contrib.messages import ERROR, get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anju.helpdesk.models import QualityCheck, SlaRule, WorkOrder, WorkOrderPhoto, WorkOrderStatus
from anju.helpdesk.services import workorder_answers as answers
from anju.helpdesk.services import workorder_work as work
from anju.helpdesk.services import workorders as svc
from anju.helpdesk.services.workorder_quality import quality_check_record
from anju.helpdesk.services.workorder_sweeps import workorders_escalate
from anju.supervision.services.tips import tip_submit, tip_to_inspection

from . import test_workorders as base
from .test_workorders import JPEG, PDF, assigned, finished, node, photo, report, started

S = WorkOrderStatus
w, frozen, english = base.w, base.frozen, base.english


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def errors(response) -> list[str]:
    """The error messages waiting to be shown (those of earlier requests not yet shown
    included: the last is the newest)."""
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= ERROR]


def list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- The list -----------------------------------------------------------------------------


def test_the_list_takes_the_same_queries_for_two_orders_or_twelve(w, frozen):
    client = login(w.officer)
    url = reverse("workorder_list")
    for _ in range(2):
        assigned(w)
    few = list_queries(client, url)
    for n in range(10):
        assigned(w) if n % 2 else report(w, unit=w.cast.unit_c)
    assert list_queries(client, url) == few
    assert few <= 14


def test_a_property_company_sees_only_its_estates_orders(w, frozen):
    mine = report(w)
    theirs = report(w, unit=w.cast.unit_c)
    text = login(w.repairer).get(reverse("workorder_list")).content.decode()
    assert mine.number in text and theirs.number not in text
    text = login(w.officer).get(reverse("workorder_list")).content.decode()
    assert mine.number in text and theirs.number in text
    assert login(w.repairer2).get(reverse("workorder_detail", args=[mine.pk])).status_code == 404
    assert login(w.repairer).get(reverse("workorder_detail", args=[mine.pk])).status_code == 200


def test_the_list_filters_overdue_escalated_status_channel_and_month(w, frozen):
    late = report(w)
    counter = report(w, channel="counter")
    answers.workorder_cancel(report(w), actor=w.operator, reason="重复")
    frozen.move_to("2026-03-06 11:00 +08:00")
    fresh = report(w, "HE02")
    WorkOrder.objects.filter(pk=counter.pk).update(responded_at=counter.reported_at)
    workorders_escalate()
    client = login(w.officer)

    def shown(query):
        page = client.get(reverse("workorder_list") + query)
        return {o.number for o in page.context["page"]}

    assert shown("") == {late.number, counter.number, fresh.number}
    assert shown("?overdue=on") == {late.number}
    assert shown("?escalated=on") == {late.number}
    assert shown("?channel=counter") == {counter.number}
    assert len(shown("?status=")) == 4
    assert len(shown("?status=cancelled")) == 1
    assert len(shown("?status=&month=2026-03")) == 4
    assert shown("?status=&month=2026-02") == set()
    assert shown(f"?q={fresh.number}") == {fresh.number}
    partial = client.get(reverse("workorder_list") + "?overdue=on", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and late.number in partial.content.decode()


def test_the_list_exports_to_excel(w, frozen):
    order = assigned(w)
    response = login(w.officer).get(reverse("workorder_list") + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "Work order no." and len(rows) == 2
    assert rows[1][0] == order.number and rows[1][9] == str(w.repairer)


# --- One order ------------------------------------------------------------------------------


def test_an_overdue_order_shows_its_deadline_in_red_and_the_dispatcher_s_actions(w, frozen):
    order = report(w, photos=[photo()])
    frozen.move_to("2026-03-06 11:00 +08:00")
    page = login(w.propmgr).get(reverse("workorder_detail", args=[order.pk]))
    text = page.content.decode()
    assert 'data-testid="overdue"' in text and 'data-testid="late"' in text
    assert 'data-testid="assign"' in text and 'data-testid="defer"' in text
    photo_url = reverse("workorder_photo", args=[order.pk, order.photos.get().pk])
    assert photo_url in text
    auditor = login(w.auditor).get(reverse("workorder_detail", args=[order.pk])).content.decode()
    assert 'data-testid="assign"' not in auditor and 'data-testid="check"' not in auditor


def test_photos_are_served_only_to_those_who_see_the_order(w, frozen):
    order = report(w, photos=[photo()])
    url = reverse("workorder_photo", args=[order.pk, order.photos.get().pk])
    response = login(w.repairer).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG
    assert login(w.repairer2).get(url).status_code == 404
    assert login(w.cast.users["agency"]).get(url).status_code == 404
    other = reverse("workorder_photo", args=[report(w).pk, order.photos.get().pk])
    assert login(w.officer).get(other).status_code == 404


def test_an_illegal_transition_posted_directly_is_refused(w, frozen):
    order = report(w)
    client = login(w.repairer)
    response = client.post(reverse("workorder_start", args=[order.pk]))
    assert response.status_code == 302 and "cannot become" in errors(response)[0]
    response = client.post(
        reverse("workorder_done", args=[order.pk]),
        {"note": "好了", "photos": photo()},
    )
    assert response.status_code == 200
    assert 'data-testid="cannot-finish"' in response.content.decode()
    manager = login(w.propmgr)
    done = finished(w)
    response = manager.post(
        reverse("workorder_defer", args=[done.pk]), {"until": "2026-03-09", "reason": "x"}
    )
    assert errors(response)
    assert WorkOrder.objects.get(pk=order.pk).status == S.REPORTED
    assert WorkOrder.objects.get(pk=done.pk).status == S.DONE
    assert not WorkOrderPhoto.objects.filter(order=order).exists()


def test_dispatching_from_the_order_s_page(w, frozen):
    order = report(w)
    client = login(w.operator)
    response = client.post(
        reverse("workorder_assign", args=[order.pk]), {"repairer": w.repairer.pk}
    )
    assert response.status_code == 302 and not errors(response)
    response = client.post(
        reverse("workorder_assign", args=[order.pk]), {"repairer": w.repairer2.pk}
    )
    assert errors(response)  # not a repairer of P1
    client.post(
        reverse("workorder_defer", args=[order.pk]), {"until": "2026-03-10", "reason": "等配件"}
    )
    assert WorkOrder.objects.get(pk=order.pk).status == S.DEFERRED
    client.post(reverse("workorder_resume", args=[order.pk]))
    assert WorkOrder.objects.get(pk=order.pk).status == S.ASSIGNED
    client.post(reverse("workorder_urgency", args=[order.pk]), {"urgency": "paid"})
    assert WorkOrder.objects.get(pk=order.pk).urgency == "paid"
    response = client.post(reverse("workorder_cancel", args=[order.pk]), {"reason": ""})
    assert errors(response)[-1] == "Say why the order is cancelled."
    client.post(reverse("workorder_cancel", args=[order.pk]), {"reason": "重复报修"})
    assert WorkOrder.objects.get(pk=order.pk).status == S.CANCELLED


# --- New orders ---------------------------------------------------------------------------


def form_data(**extra):
    data = {
        "channel": "phone",
        "repair_class": node("HW03").pk,
        "unit": "",
        "estate": "",
        "building": "",
        "place": "",
        "description": "厨房下水堵了",
        "contact_name": "王先生",
        "contact_phone": "13800001111",
    }
    data.update(extra)
    return data


def test_a_call_is_recorded_for_a_unit_through_the_page(w, frozen):
    client = login(w.community)
    response = client.post(reverse("workorder_new"), form_data(unit=w.cast.unit_a.code.lower()))
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/repairs/{order.pk}/")
    assert order.unit == w.cast.unit_a and order.household == w.cast.alice_household
    assert order.contact_masked == "138****1111"


def test_a_shared_area_is_named_by_estate_and_building(w, frozen):
    client = login(w.operator)
    data = form_data(repair_class=node("BC01").pk, estate=w.cast.e1.pk, building="01", place="3层")
    client.post(reverse("workorder_new"), data)
    assert WorkOrder.objects.get().place == "Building 01 3层"
    response = client.post(
        reverse("workorder_new"),
        form_data(estate=w.cast.e1.pk, building="99", repair_class=node("BC01").pk),
    )
    assert "has no building 99" in response.content.decode()


def test_a_unit_outside_the_users_estates_is_not_found(w, frozen):
    response = login(w.community).post(reverse("workorder_new"), form_data(unit=w.cast.unit_c.code))
    assert response.status_code == 200
    assert "There is no unit" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_bad_upload_on_the_form_is_named_and_nothing_is_written(w, frozen):
    client = login(w.officer)
    data = form_data(unit=w.cast.unit_a.code, photos=[photo("scan.pdf", PDF, "application/pdf")])
    response = client.post(reverse("workorder_new"), data)
    assert response.status_code == 200
    assert "scan.pdf is not a photo" in response.content.decode()
    assert not WorkOrder.objects.exists() and not WorkOrderPhoto.objects.exists()


def test_an_order_raised_from_an_inspection_names_its_unit_and_the_task(w, frozen):
    tip = tip_submit(
        source="staff",
        category="sublet",
        place=w.cast.unit_a.code,
        text="有陌生人",
        actor=w.officer,
    )
    task = tip_to_inspection(tip, actor=w.officer)
    client = login(w.officer)
    page = client.get(reverse("workorder_new") + f"?inspection={task.pk}")
    assert page.status_code == 200 and w.cast.unit_a.code in page.content.decode()
    data = form_data(unit=w.cast.unit_a.code, inspection=task.pk)
    client.post(reverse("workorder_new"), data)
    order = WorkOrder.objects.get()
    assert order.inspection == task and order.channel == "inspection"
    outsider = login(w.propmgr2).get(reverse("workorder_new") + f"?inspection={task.pk}")
    assert outsider.status_code == 404
    detail = client.get(reverse("inspection_task_detail", args=[task.pk])).content.decode()
    assert f"?inspection={task.pk}" in detail


# --- The repairer -------------------------------------------------------------------------------


def test_the_repairer_s_list_puts_the_nearest_deadline_first(w, frozen):
    later = assigned(w)
    sooner = assigned(w, report(w, "BL01"))  # complete within 24 hours
    other = assigned(w, report(w, unit=w.cast.unit_c), repairer=w.repairer2)
    page = login(w.repairer).get(reverse("repairer_tasks"))
    assert [o.number for o in page.context["orders"]] == [sooner.number, later.number]
    assert other.number not in page.content.decode()


def test_the_repairer_finishes_from_the_phone_page_with_camera_photos(w, frozen):
    order = started(w)
    client = login(w.repairer)
    page = client.get(reverse("workorder_done", args=[order.pk])).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    response = client.post(
        reverse("workorder_done", args=[order.pk]),
        {
            "note": "更换角阀",
            "photos": [photo("a.jpg"), photo("b.jpg")],
            "material-name": ["角阀", ""],
            "material-qty": ["1", ""],
            "material-unit": ["个", ""],
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("repairer_tasks")
    order.refresh_from_db()
    assert order.status == S.DONE and order.materials == [["角阀", "1", "个"]]
    assert order.photos.filter(stage="done").count() == 2


def test_a_bad_photo_on_the_done_page_is_named_and_the_order_stays_in_progress(w, frozen):
    order = started(w)
    response = login(w.repairer).post(
        reverse("workorder_done", args=[order.pk]),
        {"note": "好了", "photos": photo("empty.jpg", b"")},
    )
    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).status == S.IN_PROGRESS


# --- The board, quality checks ---------------------------------------------------------------


def test_the_board_puts_the_unassigned_and_the_overdue_first(w, frozen):
    on_time = assigned(w, report(w, "HE02"))
    frozen.move_to("2026-03-06 08:00 +08:00")
    late_assigned = assigned(w, report(w, "BL01"))  # complete within 24 h
    waiting = report(w)
    frozen.move_to("2026-03-07 09:00 +08:00")
    page = login(w.propmgr).get(reverse("workorder_board"))
    assert [o.number for o in page.context["orders"]] == [
        waiting.number,
        late_assigned.number,
        on_time.number,
    ]


def test_a_quality_check_is_recorded_with_who_and_when(w, frozen):
    order = finished(w)
    client = login(w.operator)
    response = client.post(
        reverse("workorder_check", args=[order.pk]),
        {"result": "failed", "method": "visit", "note": ""},
    )
    assert errors(response) == ["Say what was wrong with the repair."]
    client.post(
        reverse("workorder_check", args=[order.pk]),
        {"result": "failed", "method": "visit", "note": "接口仍渗水"},
    )
    check = QualityCheck.objects.get()
    assert (check.checked_by, check.result) == (w.operator, "failed")
    response = client.post(
        reverse("workorder_check", args=[report(w).pk]), {"result": "passed", "method": "phone"}
    )
    assert errors(response)[-1] == "Only a done or closed repair is checked."


def test_a_sample_draws_closed_unchecked_orders_of_the_month_per_company(w, frozen):
    closed = [answers.workorder_confirm(finished(w), actor=w.alice, rating=5) for _ in range(3)]
    quality_check_record(closed[0], actor=w.officer, result="passed", method="phone")
    theirs = svc.workorder_assign(
        report(w, unit=w.cast.unit_c), actor=w.propmgr2, repairer=w.repairer2
    )
    theirs = work.workorder_start(theirs, actor=w.repairer2)
    theirs = work.workorder_done(theirs, actor=w.repairer2, note="好了", photos=[photo()])
    theirs = answers.workorder_confirm(theirs, actor=w.charlie, rating=3)
    finished(w)  # done, not closed: not drawn
    client = login(w.officer)
    response = client.post(reverse("workorder_sample"), {"month": "2026-03", "per_company": "1"})
    assert not errors(response)
    drawn = {o.pk for o in client.get(reverse("workorder_quality")).context["sample"]}
    assert len(drawn) == 2 and theirs.pk in drawn
    assert drawn - {theirs.pk} <= {closed[1].pk, closed[2].pk}
    # The operator of E1 draws among E1's orders only.
    operator = login(w.operator)
    operator.post(reverse("workorder_sample"), {"month": "2026-03", "per_company": "5"})
    drawn = {o.pk for o in operator.get(reverse("workorder_quality")).context["sample"]}
    assert drawn == {closed[1].pk, closed[2].pk}
    response = client.post(reverse("workorder_sample"), {"month": "2026-02", "per_company": "5"})
    assert errors(response)[-1] == "No closed order of 2026-02 is waiting for a check."


# --- The deadline table -------------------------------------------------------------------------


def test_the_authority_adds_a_rule_and_a_duplicate_is_named(w, frozen):
    client = login(w.officer)
    data = {
        "repair_class": node("HE").pk,
        "estate": w.cast.e1.pk,
        "urgency": "",
        "respond_in": "4",
        "respond_unit": "hours",
        "complete_in": "2",
        "complete_unit": "working_days",
        "source": "康居苑物业服务合同第7条",
    }
    assert client.post(reverse("sla_rule_new"), data).status_code == 302
    assert report(w, "HE02").sla_rule == SlaRule.objects.get(estate=w.cast.e1)
    response = client.post(reverse("sla_rule_new"), data)
    assert "already has a rule" in response.content.decode()
    page = login(w.auditor).get(reverse("sla_rules")).content.decode()
    assert "康居苑物业服务合同第7条" in page and 'data-testid="add-rule"' not in page


def test_a_classification_taken_off_is_no_longer_offered(w, frozen):
    client = login(w.officer)
    client.post(reverse("repair_class_toggle", args=[node("HW05").pk]))
    page = client.get(reverse("workorder_new")).content.decode()
    assert f'value="{node("HW05").pk}"' not in page
    assert f'value="{node("HW04").pk}"' in page


def test_orders_are_numbered_in_their_year(w, frozen):
    first, second = report(w), report(w)
    assert (first.number, second.number) == ("BX2026000001", "BX2026000002")
