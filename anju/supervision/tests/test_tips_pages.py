"""The tip pages: the public form and status page (anonymous, limited per address, no
personal data shown), the tenant's portal pages, and the staff queue, entry, detail and
triage."""

import datetime
import itertools

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anju.core.models import AuditEntry, AuditKind
from anju.supervision.models import InspectionTask, Tip, TipSource, TipStatus
from anju.supervision.services.tips import tip_submit

from .matrix.inspections import JPEG

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 12, 2, 30, tzinfo=datetime.UTC)
ADDRESSES = (f"192.0.2.{n}" for n in itertools.count(1))


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


def a_tip(unit=None, **kwargs):
    values = {
        "source": TipSource.PUBLIC,
        "category": "sublet",
        "place": unit.code if unit else "康居苑附近",
        "text": "Strangers with suitcases every week.",
        "ip": next(ADDRESSES),
    }
    return tip_submit(**{**values, **kwargs})


def form_data(**kwargs):
    return {
        "category": "idle",
        "place": "3号楼 2单元 502",
        "text": "The curtains have been shut for half a year.",
        **kwargs,
    }


# --- The public pages ----------------------------------------------------------------


def test_anyone_gives_a_tip_and_follows_it_by_its_code(cast):
    client = Client()
    page = client.get(reverse("tip_public_new"))
    assert page.status_code == 200 and 'name="anonymous"' in page.content.decode()
    response = client.post(
        reverse("tip_public_new"),
        form_data(
            anonymous="on",
            estate=cast.e1.pk,
            photos=[SimpleUploadedFile("a.jpg", JPEG, "image/jpeg")],
        ),
        follow=True,
    )
    tip = Tip.objects.get()
    assert tip.anonymous and tip.estate == cast.e1 and tip.photos.count() == 1
    text = response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"?code={tip.tracking_code}")
    assert tip.tracking_code in text and tip.number in text
    assert 'data-testid="tip-status"' in text and "3号楼" not in text


def test_the_status_page_shows_no_personal_data(cast):
    tip = a_tip(cast.unit_a, contact_name="李四", contact_phone="13700001234")
    tip_submit_text = tip.text
    response = Client().get(reverse("tip_public_status"), {"code": tip.tracking_code})
    text = response.content.decode()
    assert tip.number in text
    for private in ("李四", "1370", cast.unit_a.code, "王小明", tip_submit_text):
        assert private not in text
    missing = Client().get(reverse("tip_public_status"), {"code": "AAAAAAAAAA"})
    assert 'data-testid="status-error"' in missing.content.decode()


def test_the_public_form_is_limited_per_address_and_hour(cast):
    client = Client(REMOTE_ADDR="203.0.113.5")
    with time_machine.travel(NOW, tick=False):
        for _ in range(5):
            assert client.post(reverse("tip_public_new"), form_data()).status_code == 302
        refused = client.post(reverse("tip_public_new"), form_data())
    assert refused.status_code == 429
    assert "Too many tips from your address" in refused.content.decode()
    assert Tip.objects.count() == 5


def test_bad_public_input_shows_the_errors_and_writes_nothing(cast):
    client = Client()
    for data, error in [
        (form_data(text=""), "This field is required."),
        (form_data(anonymous="on", contact_phone="13700001234"), "An anonymous tip leaves no"),
        (form_data(contact_phone="123"), "The phone number is not valid."),
        (
            form_data(photos=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")]),
            "is not a photo",
        ),
    ]:
        response = client.post(reverse("tip_public_new"), data)
        assert response.status_code == 200
        assert error in response.content.decode(), error
    assert not Tip.objects.exists()


def test_status_lookups_are_limited_too(cast):
    client = Client(REMOTE_ADDR="203.0.113.6")
    with time_machine.travel(NOW, tick=False):
        for n in range(30):
            client.get(reverse("tip_public_status"), {"code": f"AAAAAAAA{n:02d}"})
        assert client.get(reverse("tip_public_status"), {"code": "ZZZZZZZZZZ"}).status_code == 429


# --- The portal ----------------------------------------------------------------------


def test_a_tenant_gives_a_tip_on_the_portal_and_sees_only_their_own(cast, client_for):
    alice = client_for("alice")
    response = alice.post(
        reverse("portal_tip_new"), form_data(contact_phone="13800000000"), follow=True
    )
    tip = Tip.objects.get()
    assert tip.source == TipSource.PORTAL and tip.submitted_by == cast.alice
    assert tip.number in response.content.decode()
    assert tip.number not in client_for("charlie").get(reverse("portal_tips")).content.decode()
    # Staff have no household of their own: the portal pages are not theirs.
    assert client_for("community").get(reverse("portal_tips")).status_code == 404
    bad = alice.post(reverse("portal_tip_new"), form_data(place=""))
    assert bad.status_code == 200 and Tip.objects.count() == 1


# --- Staff ---------------------------------------------------------------------------


def test_the_queue_filters_and_its_query_count_does_not_grow(cast, client_for):
    with time_machine.travel(NOW - datetime.timedelta(days=9), tick=False):
        old = a_tip(cast.unit_a)
    fresh = a_tip(cast.unit_a, category="idle")
    officer = client_for("officer")
    url = reverse("tip_list")
    overdue = officer.get(url, {"overdue": "on"}).content.decode()
    assert old.number in overdue and fresh.number not in overdue
    idle = officer.get(url, {"category": "idle"}).content.decode()
    assert fresh.number in idle and old.number not in idle

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert officer.get(url).status_code == 200
        return len(queries)

    few = count()
    for _ in range(8):
        a_tip(cast.unit_c)
    assert count() == few
    export = officer.get(url, {"format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_staff_enter_a_tip_naming_a_unit_in_their_scope(cast, client_for):
    community = client_for("community")
    bad = community.post(reverse("tip_create"), form_data(unit_code=cast.unit_c.code))
    assert bad.status_code == 200 and "No unit has the code" in bad.content.decode()
    response = community.post(reverse("tip_create"), form_data(unit_code=cast.unit_a.code))
    tip = Tip.objects.get()
    assert response.url == reverse("tip_detail", args=[tip.pk])
    assert tip.source == TipSource.STAFF and tip.unit == cast.unit_a
    assert tip.submitted_by == cast.community


def test_a_tip_is_triaged_into_an_inspection(cast, client_for):
    tip = a_tip(cast.unit_a)
    community = client_for("community")
    page = community.get(reverse("tip_detail", args=[tip.pk])).content.decode()
    assert 'data-testid="tip-inspect"' in page and cast.unit_a.code in page
    response = community.post(
        reverse("tip_inspect", args=[tip.pk]),
        {"unit_code": cast.unit_a.code, "assign_to": cast.operator.pk},
    )
    task = InspectionTask.objects.get()
    assert response.url == reverse("inspection_task_detail", args=[task.pk])
    assert task.assigned_to == cast.operator and task.tip == tip
    tip.refresh_from_db()
    assert tip.status == TipStatus.INSPECTING
    # Not twice.
    again = community.post(
        reverse("tip_inspect", args=[tip.pk]), {"unit_code": cast.unit_a.code}, follow=True
    )
    assert "is already being inspected" in again.content.decode()
    assert InspectionTask.objects.count() == 1


def test_closing_a_tip_needs_a_reason(cast, client_for):
    tip = a_tip(cast.unit_a)
    community = client_for("community")
    community.post(reverse("tip_close", args=[tip.pk]), {"reason": ""})
    tip.refresh_from_db()
    assert tip.status == TipStatus.NEW
    community.post(reverse("tip_close", args=[tip.pk]), {"reason": "Not public rental housing"})
    tip.refresh_from_db()
    assert tip.status == TipStatus.CLOSED and tip.closed_reason == "Not public rental housing"
    page = community.get(reverse("tip_detail", args=[tip.pk])).content.decode()
    assert 'data-testid="tip-inspect"' not in page and "Not public rental housing" in page


def test_the_phone_is_revealed_on_purpose_and_logged(cast, client_for):
    tip = a_tip(cast.unit_a, contact_name="李四", contact_phone="13700001234")
    page = client_for("community").get(reverse("tip_detail", args=[tip.pk])).content.decode()
    assert "137****1234" in page and "13700001234" not in page
    response = client_for("community").post(
        reverse("tip_contact", args=[tip.pk]), HTTP_HX_REQUEST="true"
    )
    assert "13700001234" in response.content.decode()
    assert AuditEntry.objects.filter(action="tip.contact_reveal", kind=AuditKind.ACCESS).count()
    # The street reviewer sees the tip but may not reveal the phone.
    assert client_for("street").post(reverse("tip_contact", args=[tip.pk])).status_code == 403


def test_an_anonymous_portal_tip_does_not_show_the_tenant_to_staff(cast, client_for):
    tip = tip_submit(
        source=TipSource.PORTAL,
        actor=cast.alice,
        category="sublet",
        place=cast.unit_a.code,
        text="Next door is let out.",
        anonymous=True,
    )
    page = client_for("officer").get(reverse("tip_detail", args=[tip.pk])).content.decode()
    assert "HH-A" not in page and "Alice" not in page
