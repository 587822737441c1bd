"""The notice pages: the staff list with its filters and read rates (a fixed number of
queries however many notices), writing a notice with its questions and answers,
publishing now or later, correcting, sending by SMS, withdrawing, attaching a file (a
bad one refused with a clear error), a notice's page with its read rates per estate and
the households not yet confirmed within the reader's estates, and the public site:
live district notices only, their attachments too."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from anju.core.models import Message
from anju.outreach.models import Notice, NoticeStatus
from anju.outreach.services import notices as svc
from anju.testing.tenancy import housed_household

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TZ = datetime.timezone(datetime.timedelta(hours=8))
MONDAY = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def notice(cast, title="Water off", *, publish=True, **kwargs):
    fields = {"kind": "announcement", "body": "Thursday 9:00–17:00.", "important": True}
    fields.update(kwargs)
    made = svc.notice_create(actor=cast.officer, title=title, **fields)
    return svc.notice_publish(made, actor=cast.officer) if publish else made


def form_data(**extra):
    data = {
        "kind": "explainer",
        "title": "How rent is worked out",
        "summary": "Area times the standard.",
        "body": "Your rent is the unit's area times the estate's rent standard.",
        "source": "长住建〔2026〕12号",
        "audience": "district",
        "qa-TOTAL_FORMS": "3",
        "qa-INITIAL_FORMS": "0",
        "qa-MIN_NUM_FORMS": "0",
        "qa-MAX_NUM_FORMS": "30",
        "qa-0-question": "Can it be reduced?",
        "qa-0-answer": "Households on minimum living allowance pay less.",
        "qa-1-question": "",
        "qa-1-answer": "",
        "qa-2-question": "Removed one",
        "qa-2-answer": "Gone",
        "qa-2-DELETE": "on",
    }
    data.update(extra)
    return data


def flash(response) -> str:
    """The message the last request added (the earlier ones wait for a page to show
    them, as the redirects are not followed)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


# --- The list -------------------------------------------------------------------------


def test_the_list_filters_and_shows_read_rates(cast, client_for):
    e1 = notice(cast, "E1 water", audience="estate", estate=cast.e1)
    notice(cast, "E2 lift", audience="estate", estate=cast.e2)
    notice(cast, "Draft policy", publish=False, kind="policy", important=False)
    svc.notice_confirm_read(e1, household=cast.alice_household)
    client = client_for("officer")
    text = client.get(reverse("publicity_list")).content.decode()
    assert "E1 water" in text and "E2 lift" in text and "Draft policy" in text
    assert "100%" in text and "(1/1)" in text  # E1's read rate
    text = client.get(reverse("publicity_list") + "?state=draft").content.decode()
    assert "Draft policy" in text and "E1 water" not in text
    text = client.get(reverse("publicity_list") + f"?estate={cast.e2.pk}").content.decode()
    assert "E2 lift" in text and "E1 water" not in text
    text = client.get(reverse("publicity_list") + "?kind=policy").content.decode()
    assert "Draft policy" in text and "E2 lift" not in text
    partial = client.get(reverse("publicity_list") + "?audience=estate", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="table">') and "Draft policy" not in body
    # A community worker of E1 sees the district's notices and E1's, not E2's.
    text = client_for("community").get(reverse("publicity_list")).content.decode()
    assert "E1 water" in text and "E2 lift" not in text


def count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_for_more_notices(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for("officer")
    url = reverse("publicity_list")
    notice(cast, "First", audience="estate", estate=cast.e1)
    small = count(client, url)
    for n in range(12):
        made = notice(
            cast,
            f"More {n}",
            audience="estate" if n % 2 else "district",
            estate=cast.e1 if n % 2 else None,
        )
        svc.notice_confirm_read(made, household=cast.alice_household)
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200
    assert count(client, url) == small


# --- Writing, publishing, correcting ----------------------------------------------------


def test_an_officer_writes_a_draft_with_its_questions_and_publishes_it_later(cast, client_for):
    client = client_for("officer")
    response = client.post(reverse("publicity_create"), form_data())
    created = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("publicity_detail", args=[created.pk])
    assert created.status == NoticeStatus.DRAFT and created.created_by == cast.officer
    assert list(created.questions.values_list("question", flat=True)) == ["Can it be reduced?"]
    with time_machine.travel(MONDAY, tick=False):
        response = client.post(
            reverse("publicity_publish", args=[created.pk]), {"publish_at": "2026-05-06T08:00"}
        )
        assert response.status_code == 302
        created.refresh_from_db()
        assert created.status == NoticeStatus.PUBLISHED
        assert created.publish_at == datetime.datetime(2026, 5, 6, 8, 0, tzinfo=TZ)
        assert "will show from 2026-05-06 08:00" in flash(response)
        assert not client.get(reverse("publicity_public_list")).context["page"].object_list
        assert client.get(reverse("publicity_public_detail", args=[created.pk])).status_code == 404
    with time_machine.travel(MONDAY + datetime.timedelta(days=2), tick=False):
        page = client.get(reverse("publicity_public_detail", args=[created.pk]))
        assert page.status_code == 200
        assert "Can it be reduced?" in page.content.decode()


def test_a_form_without_the_estate_it_targets_is_shown_again(cast, client_for):
    response = client_for("officer").post(reverse("publicity_create"), form_data(audience="estate"))
    assert response.status_code == 200
    assert "Choose the estate the notice is for." in response.content.decode()
    half = form_data(**{"qa-1-question": "Only a question"})
    response = client_for("officer").post(reverse("publicity_create"), half)
    assert response.status_code == 200
    assert "Write both the question and its answer." in response.content.decode()
    assert not Notice.objects.exists()


def test_a_published_notice_is_corrected_without_changing_its_audience(cast, client_for):
    made = notice(cast, audience="estate", estate=cast.e1)
    client = client_for("officer")
    page = client.get(reverse("publicity_edit", args=[made.pk])).content.decode()
    assert "A published notice keeps its audience." in page
    data = form_data(title="Water off on Friday", audience="district")
    response = client.post(reverse("publicity_edit", args=[made.pk]), data)
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.title == "Water off on Friday"
    assert (made.audience, made.estate) == ("estate", cast.e1)  # the disabled fields held


def test_push_and_withdraw_from_the_notice_page(cast, client_for):
    made = notice(cast, audience="estate", estate=cast.e1)
    client = client_for("officer")
    response = client.post(reverse("publicity_push", args=[made.pk]))
    assert flash(response) == "An SMS to 1 household is in the outbox."
    response = client.post(reverse("publicity_push", args=[made.pk]))
    assert flash(response) == "Every household it reaches has had it already."
    assert Message.objects.filter(template="notice.published").count() == 1
    page = client.get(reverse("publicity_detail", args=[made.pk])).content.decode()
    assert 'data-testid="pushed"' in page
    response = client.post(reverse("publicity_withdraw", args=[made.pk]), {"reason": ""})
    assert "Say why" in flash(response)
    client.post(reverse("publicity_withdraw", args=[made.pk]), {"reason": "Wrong day"})
    made.refresh_from_db()
    assert made.status == NoticeStatus.WITHDRAWN
    response = client.post(reverse("publicity_push", args=[made.pk]))
    assert "publish it first" in flash(response)


def test_a_bad_attachment_is_refused_with_a_clear_error(cast, client_for):
    made = notice(cast)
    client = client_for("officer")
    fake = SimpleUploadedFile("rules.pdf", b"<html>not a pdf</html>", "application/pdf")
    response = client.post(reverse("publicity_attach", args=[made.pk]), {"file": fake})
    assert flash(response) == "rules.pdf is not a PDF, JPEG or PNG file."
    assert not made.attachments.exists()
    good = SimpleUploadedFile("rules.pdf", PDF, "application/pdf")
    client.post(reverse("publicity_attach", args=[made.pk]), {"file": good, "title": "Rules"})
    attachment = made.attachments.get()
    download = client.get(reverse("publicity_file", args=[made.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    client.post(reverse("publicity_detach", args=[made.pk, attachment.pk]))
    assert not made.attachments.exists()


# --- A notice's page ----------------------------------------------------------------------


def test_the_notice_page_shows_read_rates_per_estate_and_who_has_not_confirmed(cast, client_for):
    neighbour = housed_household(cast.e1, "HH-N", cast.officer)
    made = notice(cast)
    svc.notice_confirm_read(made, household=cast.alice_household)
    response = client_for("officer").get(reverse("publicity_detail", args=[made.pk]))
    total = response.context["total"]
    assert (total.confirmed, total.targeted) == (1, 3)
    rows = {
        r["code"]: (r["rate"].confirmed, r["rate"].targeted) for r in response.context["by_estate"]
    }
    assert rows == {"E1": (1, 2), "E2": (0, 1)}
    assert set(response.context["unconfirmed"]) == {neighbour, cast.charlie_household}
    # The operator of E1 sees only E1's households.
    response = client_for("operator").get(reverse("publicity_detail", args=[made.pk]))
    assert [r["code"] for r in response.context["by_estate"]] == ["E1"]
    assert set(response.context["unconfirmed"]) == {neighbour}
    assert "HH-C" not in response.content.decode()
    assert 'data-testid="steps"' not in response.content.decode()  # no buttons for them


# --- The public site ----------------------------------------------------------------------


def test_the_public_site_lists_live_district_notices_and_their_files(cast, client):
    with time_machine.travel(MONDAY, tick=False):
        district = notice(cast, "District rent rules", kind="policy")
        svc.notice_attach(
            district,
            actor=cast.officer,
            file=SimpleUploadedFile("rules.pdf", PDF, "application/pdf"),
        )
        estate = notice(cast, "E1 water", audience="estate", estate=cast.e1)
        svc.notice_attach(
            estate, actor=cast.officer, file=SimpleUploadedFile("e1.pdf", PDF, "application/pdf")
        )
        notice(cast, "Draft", publish=False)
        gone = notice(cast, "Gone")
        svc.notice_withdraw(gone, actor=cast.officer, reason="Replaced")
        page = client.get(reverse("publicity_public_list"))
        text = page.content.decode()
        assert page.status_code == 200
        assert "District rent rules" in text
        assert "E1 water" not in text and "Draft" not in text and "Gone" not in text
        assert reverse("rules_public") in text and reverse("notice_public_list") in text
        assert (
            "District rent rules"
            in client.get(reverse("publicity_public_list") + "?kind=policy").content.decode()
        )
        assert (
            not client.get(reverse("publicity_public_list") + "?kind=explainer")
            .context["page"]
            .object_list
        )
        ok = client.get(
            reverse("publicity_public_file", args=[district.pk, district.attachments.get().pk])
        )
        assert ok.status_code == 200
        b"".join(ok.streaming_content)
        hidden = client.get(
            reverse("publicity_public_file", args=[estate.pk, estate.attachments.get().pk])
        )
        assert hidden.status_code == 404
        assert client.get(reverse("publicity_public_detail", args=[estate.pk])).status_code == 404
        assert client.get(reverse("publicity_public_detail", args=[gone.pk])).status_code == 404
    # Once expired it is gone from the public site too.
    Notice.objects.filter(pk=district.pk).update(expire_at=MONDAY + datetime.timedelta(days=1))
    with time_machine.travel(MONDAY + datetime.timedelta(days=2), tick=False):
        assert client.get(reverse("publicity_public_detail", args=[district.pk])).status_code == 404
        assert timezone.now() > MONDAY
