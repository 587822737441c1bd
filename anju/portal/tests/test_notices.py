"""Notices on the portal: a tenant sees the live notices of the district, of their
estate and of their building, never another estate's; an important one asks for
confirmation, given once with one button; the menu's badge and the home page count the
important notices still to confirm; attachments come only with a notice the household
is shown."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from anju.outreach.models import NoticeRead
from anju.outreach.services import notices as svc

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def publish(cast, title, *, important=False, **kwargs):
    made = svc.notice_create(
        actor=cast.officer,
        kind="announcement",
        title=title,
        body=f"The text of {title}.",
        important=important,
        **kwargs,
    )
    return svc.notice_publish(made, actor=cast.officer)


@pytest.fixture
def notices(cast):
    building = cast.alice_household.unit.building
    return {
        "district": publish(cast, "District news"),
        "estate": publish(cast, "E1 water off", important=True, audience="estate", estate=cast.e1),
        "building": publish(cast, "Lift of building 01", audience="building", building=building),
        "other": publish(cast, "E2 lift", important=True, audience="estate", estate=cast.e2),
        "draft": svc.notice_create(
            actor=cast.officer, kind="policy", title="Not yet", body="…", important=True
        ),
    }


def test_a_tenant_sees_the_notices_of_the_district_their_estate_and_building(
    cast, client_for, notices
):
    text = client_for("alice").get(reverse("portal_notices")).content.decode()
    for title in ("District news", "E1 water off", "Lift of building 01"):
        assert title in text
    assert "E2 lift" not in text and "Not yet" not in text
    text = client_for("charlie").get(reverse("portal_notices")).content.decode()
    assert "E2 lift" in text and "District news" in text
    assert "E1 water off" not in text and "Lift of building 01" not in text


def test_another_estates_notice_and_its_file_answer_404(cast, client_for, notices):
    other = notices["other"]
    svc.notice_attach(
        other, actor=cast.officer, file=SimpleUploadedFile("e2.pdf", PDF, "application/pdf")
    )
    client = client_for("alice")
    assert client.get(reverse("portal_notice", args=[other.pk])).status_code == 404
    assert client.post(reverse("portal_notice_confirm", args=[other.pk])).status_code == 404
    file_url = reverse("portal_notice_file", args=[other.pk, other.attachments.get().pk])
    assert client.get(file_url).status_code == 404
    assert client.get(reverse("portal_notice", args=[notices["draft"].pk])).status_code == 404
    ok = client_for("charlie").get(file_url)
    assert ok.status_code == 200
    assert b"".join(ok.streaming_content) == PDF
    assert not NoticeRead.objects.exists()


def test_an_important_notice_is_confirmed_once(cast, client_for, notices):
    client = client_for("alice")
    estate = notices["estate"]
    home = client.get(reverse("portal_home")).content.decode()
    assert 'data-testid="notices-to-confirm"' in home and "E1 water off" in home
    badge = client.get(reverse("portal_notices_badge"))
    assert badge.context["waiting"] == 1
    page = client.get(reverse("portal_notice", args=[estate.pk])).content.decode()
    assert 'data-testid="confirm"' in page
    response = client.post(reverse("portal_notice_confirm", args=[estate.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal_notice", args=[estate.pk])
    client.post(reverse("portal_notice_confirm", args=[estate.pk]))
    read = NoticeRead.objects.get()
    assert (read.notice, read.household, read.user) == (
        estate,
        cast.alice_household,
        cast.users["alice"],
    )
    page = client.get(reverse("portal_notice", args=[estate.pk])).content.decode()
    assert 'data-testid="confirm"' not in page
    assert "Your household has confirmed reading this notice." in page
    assert client.get(reverse("portal_notices_badge")).context["waiting"] == 0
    home = client.get(reverse("portal_home")).content.decode()
    assert 'data-testid="notices-to-confirm"' not in home


def test_a_notice_that_asks_no_confirmation_has_no_button_and_refuses_one(
    cast, client_for, notices
):
    client = client_for("alice")
    district = notices["district"]
    page = client.get(reverse("portal_notice", args=[district.pk])).content.decode()
    assert 'data-testid="confirm-card"' not in page
    response = client.post(reverse("portal_notice_confirm", args=[district.pk]))
    errors = [str(m) for m in get_messages(response.wsgi_request)]
    assert errors == ["This notice asks for no confirmation."]
    assert not NoticeRead.objects.exists()


def test_staff_have_no_portal_notices(cast, client_for, notices):
    assert client_for("officer").get(reverse("portal_notices")).status_code == 404
