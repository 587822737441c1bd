"""My repairs on the portal: a tenant reports a leak with a photo, sees who is on it
and by when, confirms it with stars, reopens it within the window or withdraws a
report nobody is on yet; another family's order and its photo answer 404; a bad
upload is named and leaves nothing behind."""

import pytest
import time_machine
from django.contrib.messages import ERROR, get_messages
from django.test import Client
from django.urls import reverse

from anju.helpdesk.models import RepairClass, WorkOrder, WorkOrderPhoto, WorkOrderStatus
from anju.helpdesk.services import workorder_work as work
from anju.helpdesk.services import workorders as svc
from anju.helpdesk.tests import test_workorders as base
from anju.helpdesk.tests.test_workorders import JPEG, PDF, finished, photo, report

S = WorkOrderStatus
w, frozen, english = base.w, base.frozen, base.english


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def errors(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= ERROR]


def leak_form(**extra):
    data = {
        "repair_class": RepairClass.objects.get(code="HW01").pk,
        "place": "",
        "description": "卫生间天花板漏水，滴到地上",
        "contact_phone": "",
    }
    data.update(extra)
    return data


def test_a_tenant_reports_a_leak_with_a_photo_and_follows_it(w, frozen):
    alice = login(w.alice)
    page = alice.get(reverse("portal_repair_new")).content.decode()
    assert "In the home · Water and drains" in page and 'name="photos"' in page
    response = alice.post(reverse("portal_repair_new"), leak_form(photos=[photo()]))
    order = WorkOrder.objects.get()
    assert response["Location"] == reverse("portal_repair", args=[order.pk])
    assert (order.channel, order.household, order.unit) == (
        "portal",
        w.cast.alice_household,
        w.cast.unit_a,
    )
    text = alice.get(response["Location"]).content.decode()
    assert "康居物业 will respond by 2026-03-06 10:00" in text
    photo_url = reverse("portal_repair_photo", args=[order.pk, order.photos.get().pk])
    assert photo_url in text
    served = alice.get(photo_url)
    assert b"".join(served.streaming_content) == JPEG
    # The repairer is given the order: the tenant sees who is on it and by when.
    svc.workorder_assign(order, actor=w.propmgr, repairer=w.repairer)
    text = alice.get(reverse("portal_repair", args=[order.pk])).content.decode()
    assert "Repairer of 康居物业 is on it, to be done by 2026-03-10 10:00" in text
    assert 'data-testid="trail"' in text and "Assigned" in text
    assert order.number in alice.get(reverse("portal_repairs")).content.decode()
    home = alice.get(reverse("portal_home")).content.decode()
    assert 'data-testid="repairs-card"' in home and "Repairer, by 03-10 10:00" in home


def test_a_shared_area_report_needs_where(w, frozen):
    response = login(w.alice).post(
        reverse("portal_repair_new"),
        leak_form(repair_class=RepairClass.objects.get(code="BC01").pk),
    )
    assert response.status_code == 200
    assert "Say where in the estate" in response.content.decode()
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(
    ("photos", "says"),
    [
        ([photo("scan.pdf", PDF, "application/pdf")], "scan.pdf is not a photo (JPEG or PNG)."),
        ([photo(f"{n}.jpg") for n in range(7)], "Attach at most 6 photos."),
        ([photo("notes.txt", b"just some text", "text/plain")], "is not a PDF, JPEG or PNG"),
    ],
    ids=["a PDF", "seven photos", "a text file"],
)
def test_a_bad_upload_is_named_and_nothing_is_written(w, frozen, photos, says):
    response = login(w.alice).post(reverse("portal_repair_new"), leak_form(photos=photos))
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not WorkOrder.objects.exists() and not WorkOrderPhoto.objects.exists()


def test_the_tenant_confirms_with_stars_and_a_comment(w, frozen):
    order = finished(
        w,
        svc.workorder_report(
            actor=w.alice,
            channel="portal",
            repair_class=RepairClass.objects.get(code="HW01"),
            description="漏水",
        ),
    )
    alice = login(w.alice)
    page = alice.get(reverse("portal_repair", args=[order.pk])).content.decode()
    assert 'data-testid="confirm"' in page and 'data-testid="star-5"' in page
    response = alice.post(reverse("portal_repair_confirm", args=[order.pk]), {"rating": "9"})
    assert errors(response) == ["Choose from 1 to 5 stars."]
    alice.post(
        reverse("portal_repair_confirm", args=[order.pk]), {"rating": "4", "comment": "很及时"}
    )
    order.refresh_from_db()
    assert (order.status, order.rating, order.rating_comment) == (S.CLOSED, 4, "很及时")


def test_the_tenant_reopens_within_the_window_and_is_told_why_not_after(w, frozen, settings):
    settings.ANJU_REPAIR_REOPEN_DAYS = 7
    order = finished(w)
    alice = login(w.alice)
    response = alice.post(reverse("portal_repair_reopen", args=[order.pk]), {"reason": ""})
    assert errors(response)[-1] == "Say what is still wrong."
    alice.post(reverse("portal_repair_reopen", args=[order.pk]), {"reason": "还在滴水"})
    order.refresh_from_db()
    assert order.status == S.ASSIGNED and order.reopen_count == 1
    order = work.workorder_done(
        work.workorder_start(order, actor=w.repairer), actor=w.repairer, note="好", photos=[photo()]
    )
    frozen.move_to("2026-03-13 10:00 +08:00")
    alice = login(w.alice)  # a week on: the old session has timed out
    page = alice.get(reverse("portal_repair", args=[order.pk])).content.decode()
    assert 'data-testid="reopen"' not in page and 'data-testid="reopen-refused"' in page
    response = alice.post(reverse("portal_repair_reopen", args=[order.pk]), {"reason": "又漏了"})
    assert "within 7 days" in errors(response)[-1]
    assert WorkOrder.objects.get(pk=order.pk).status == S.DONE


def test_the_tenant_withdraws_a_report_nobody_is_on_yet(w, frozen):
    alice = login(w.alice)
    alice.post(reverse("portal_repair_new"), leak_form())
    order = WorkOrder.objects.get()
    alice.post(reverse("portal_repair_cancel", args=[order.pk]))
    assert WorkOrder.objects.get().status == S.CANCELLED
    busy = svc.workorder_assign(report(w), actor=w.propmgr, repairer=w.repairer)
    response = alice.post(reverse("portal_repair_cancel", args=[busy.pk]))
    assert "before a repairer is given to it" in errors(response)[-1]


def test_another_family_s_order_and_its_photo_are_not_found(w, frozen):
    order = report(w, photos=[photo()])
    charlie = login(w.charlie)
    for url in (
        reverse("portal_repair", args=[order.pk]),
        reverse("portal_repair_photo", args=[order.pk, order.photos.get().pk]),
    ):
        assert charlie.get(url).status_code == 404
        assert login(w.officer).get(url).status_code == 404
    assert charlie.post(reverse("portal_repair_confirm", args=[order.pk])).status_code == 404
    assert order.number not in charlie.get(reverse("portal_repairs")).content.decode()


def test_staff_and_strangers_have_no_repairs_page(w):
    assert login(w.officer).get(reverse("portal_repairs")).status_code == 404
    assert Client().get(reverse("portal_repairs")).status_code == 302


@time_machine.travel("2026-03-05 10:00 +08:00", tick=False)
def test_the_portal_menu_leads_to_my_repairs(w):
    assert reverse("portal_repairs") in login(w.alice).get(reverse("portal_home")).content.decode()
