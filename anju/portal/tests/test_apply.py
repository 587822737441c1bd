"""A family applies on the tenant portal: it signs up with its phone number, fills in
each step, submits, and follows its application to the waiting list."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from anju.admission.models import Application, ApplicationStatus, Decision
from anju.admission.services import applications as apps
from anju.admission.services.notice import notice_close, notice_publish
from anju.admission.services.review import review_decide
from anju.admission.services.waiting import refresh_start
from anju.core import pii
from anju.core.errors import DomainError
from anju.core.models import User
from anju.core.services import applicant_signup
from anju.testing.admission import APPLICANT_IDS, PDF, approve, make_ruleset

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "Shenqing-2026-pass"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def spring_2026():
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=TZ), tick=False):
        yield


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def signup(client, phone="138 1234 5678", name="李申请", password=PASSWORD, again=None):
    return client.post(
        reverse("portal_signup"),
        {
            "phone": phone,
            "full_name": name,
            "password": password,
            "password2": password if again is None else again,
        },
        **EN,
    )


def applicant(phone: str, name: str = "李申请") -> tuple[User, Client]:
    user = applicant_signup(phone=phone, password=PASSWORD, full_name=name)
    client = Client()
    client.force_login(user)
    return user, client


def start(client, cast, category="low_income"):
    return client.post(
        reverse("portal_apply"), {"category": category, "community": cast.community_a.pk}, **EN
    )


def fill_in(client, *, head_id=APPLICANT_IDS[0], income="1400"):
    """Every step of the portal application, as the family fills it in."""
    client.post(
        reverse("portal_application_details"),
        {
            "category": "low_income",
            "current_housing": "private_rent",
            "address": "长治市L区英雄南路8号",
            "housing_area_m2": "0",
            "vehicles": "0",
            "deposits": "20000",
            "residence_years": "6",
            "insurance_months": "30",
        },
    )
    client.post(
        reverse("portal_application_members"),
        {
            "name": "李申请",
            "relation": "head",
            "id_number": head_id,
            "monthly_income": income,
            "disability": "",
        },
    )
    for doc_type in apps.REQUIRED_DOCUMENTS:
        client.post(
            reverse("portal_application_documents"),
            {"doc_type": doc_type, "file": SimpleUploadedFile(f"{doc_type}.pdf", PDF)},
        )
    client.post(reverse("portal_application_consent"), {"agree": "on"})


def page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args), **EN)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Signing up ----------------------------------------------------------------------


def test_a_family_signs_up_with_its_phone_and_lands_on_the_apply_page(cast, rules):
    client = Client()
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal_apply")
    user = User.objects.get(username=pii.phone_username("13812345678"))
    assert user.role_set == {"tenant"}
    assert user.full_name == "李申请"
    assert user.household is None
    assert client.session[SESSION_KEY] == str(user.pk)
    text = page(client, "portal_apply")
    assert "Apply for public rental housing" in text
    assert "Income per person at most ¥1,600 a month" in text  # the low-income line


def test_the_sign_up_page_is_public_and_shows_the_rules_in_force(cast, rules):
    text = page(Client(), "portal_signup")
    assert "Create your applicant account" in text
    assert "Income per person at most ¥2,800 a month" in text  # lower-middle income


def test_a_phone_already_registered_is_refused(cast, rules):
    signup(Client())
    response = signup(Client(), phone="+86 138-1234-5678", name="另一人")
    assert response.status_code == 200
    assert "The phone number 13812345678 is already registered." in response.content.decode()
    assert User.objects.filter(username=pii.phone_username("13812345678")).count() == 1
    assert SESSION_KEY not in response.wsgi_request.session


def test_the_service_refuses_a_registered_phone_with_a_stable_code(cast):
    applicant_signup(phone="13812345678", password=PASSWORD, full_name="李申请")
    with pytest.raises(DomainError) as error:
        applicant_signup(phone="138 1234 5678", password=PASSWORD, full_name="李申请")
    assert error.value.code == "phone_registered"


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"phone": "12345"}, "The phone number is not valid."),
        ({"password": "12345678901"}, "This password is entirely numeric."),
        ({"again": "something-else-2026"}, "The two passwords differ."),
    ],
)
def test_a_bad_sign_up_says_what_is_wrong_and_creates_nothing(cast, values, says):
    response = signup(Client(), **values)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not User.objects.filter(full_name="李申请").exists()


def test_an_applicant_logs_in_with_the_phone_number_and_is_sent_to_apply(cast, rules):
    applicant_signup(phone="13812345678", password=PASSWORD, full_name="李申请")
    client = Client()
    response = client.post(
        reverse("login"), {"username": "13812345678", "password": PASSWORD}, follow=True
    )
    assert [url for url, _status in response.redirect_chain] == [
        reverse("portal_home"),
        reverse("portal_apply"),
    ]
    assert response.status_code == 200


# --- Applying ------------------------------------------------------------------------


def test_a_family_applies_end_to_end_on_the_portal(cast, rules):
    client = Client()
    signup(client)
    response = start(client, cast)
    assert response["Location"] == reverse("portal_application_details")
    user = User.objects.get(username=pii.phone_username("13812345678"))
    application = Application.objects.get(account=user)
    assert (application.channel, application.community, application.created_by) == (
        "portal",
        cast.community_a,
        user,
    )
    assert user.household == application.household
    fill_in(client)
    text = page(client, "portal_application")
    assert "Nothing is missing" in text
    response = client.post(reverse("portal_application_submit"), **EN)
    assert response["Location"] == reverse("portal_application")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMMUNITY_REVIEW
    assert [d.uploaded_by for d in application.documents.all()] == [user] * 3
    text = page(client, "portal_application")
    assert "康乐社区 is reviewing your application" in text
    assert "per-capita monthly income (yuan) 1,400 ≤ 1,600: met" in text
    # Submitted, the application can no longer be changed from the portal.
    response = client.get(reverse("portal_application_details"))
    assert response["Location"] == reverse("portal_application")


def test_the_completeness_list_names_every_missing_item(cast, rules):
    user, client = applicant("13812345678")
    start(client, cast)
    application = Application.objects.get(account=user)
    text = page(client, "portal_application")
    missing = apps.application_missing(application)
    assert len(missing) == 7
    for item in missing:
        assert escape(item) in text
    response = client.post(reverse("portal_application_submit"), follow=True, **EN)
    assert "The application is incomplete." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_the_consent_page_names_the_agencies_and_what_they_are_asked(cast, rules):
    _user, client = applicant("13812345678")
    start(client, cast)
    text = page(client, "portal_application_consent")
    for agency, question in [
        ("Civil affairs", "Subsistence allowance and special hardship"),
        ("Real-estate registry", "Registered real estate"),
        ("Vehicle registry", "Registered vehicles"),
        ("Housing provident fund", "Housing provident fund contributions"),
    ]:
        assert agency in text and question in text


def test_a_bad_upload_is_named_and_nothing_is_kept(cast, rules):
    user, client = applicant("13812345678")
    start(client, cast)
    response = client.post(
        reverse("portal_application_documents"),
        {"doc_type": "income", "file": SimpleUploadedFile("工资单.txt", b"just some text")},
        **EN,
    )
    assert response.status_code == 200
    assert "工资单.txt is not a PDF, JPEG or PNG file." in response.content.decode()
    assert not Application.objects.get(account=user).documents.exists()


def test_a_wrong_id_number_is_refused_next_to_the_field(cast, rules):
    user, client = applicant("13812345678")
    start(client, cast)
    response = client.post(
        reverse("portal_application_members"),
        {"name": "李申请", "relation": "head", "id_number": "140402198001010018"},
        **EN,
    )
    assert response.status_code == 200
    assert "check digit is wrong" in response.content.decode()
    assert not Application.objects.get(account=user).members.exists()


def test_another_applicants_members_and_documents_answer_404(cast, rules):
    first, first_client = applicant("13812345678", "李申请")
    second, second_client = applicant("13987654321", "赵另一")
    start(first_client, cast)
    start(second_client, cast)
    fill_in(first_client)
    theirs = Application.objects.get(account=first)
    member, document = theirs.members.get(), theirs.documents.first()
    assert second_client.post(reverse("portal_member_remove", args=[member.pk])).status_code == 404
    assert (
        second_client.get(reverse("portal_document_download", args=[document.pk])).status_code
        == 404
    )
    assert theirs.members.exists()
    mine = page(second_client, "portal_application")
    assert Application.objects.get(account=second).number in mine
    assert theirs.number not in mine
    # The owner reaches both.
    assert (
        first_client.get(reverse("portal_document_download", args=[document.pk])).status_code == 200
    )


def test_staff_have_no_application_and_a_tenant_with_a_home_is_not_sent_to_apply(
    cast, rules, client_for
):
    assert client_for("community").get(reverse("portal_apply")).status_code == 404
    assert client_for("community").get(reverse("portal_application")).status_code == 404
    response = client_for("alice").get(reverse("portal_apply"))
    assert response["Location"] == reverse("portal_home")
    assert client_for("alice").get(reverse("portal_home")).status_code == 200


# --- Following the application ---------------------------------------------------------


def submitted(cast, phone="13812345678"):
    user, client = applicant(phone)
    start(client, cast)
    fill_in(client)
    client.post(reverse("portal_application_submit"))
    return Application.objects.get(account=user), client


def test_a_returned_application_shows_the_items_and_is_resubmitted_to_that_level(cast, rules):
    application, client = submitted(cast)
    review_decide(
        application, actor=cast.community, decision=Decision.RETURN, items=["收入证明需盖章"]
    )
    text = page(client, "portal_application")
    assert "Returned for correction by the Community review" in text
    assert "收入证明需盖章" in text
    client.post(
        reverse("portal_application_documents"),
        {"doc_type": "income", "file": SimpleUploadedFile("盖章收入证明.pdf", PDF)},
    )
    client.post(reverse("portal_application_submit"))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMMUNITY_REVIEW


def test_a_rejection_shows_its_reason(cast, rules):
    application, client = submitted(cast)
    review_decide(
        application, actor=cast.community, decision=Decision.REJECT, reason="家庭人均收入超标"
    )
    text = page(client, "portal_application")
    assert "Rejected at the Community review" in text
    assert "家庭人均收入超标" in text


def test_the_progress_shows_each_level_passed_with_its_date(cast, rules):
    application, client = submitted(cast)
    approve(application, cast, through=ApplicationStatus.AUTHORITY_REVIEW)
    response = client.get(reverse("portal_application"), **EN)
    steps = {s.code: s for s in response.context["steps"]}
    assert steps["community"].state == steps["street"].state == "done"
    assert steps["community"].on == date(2026, 3, 2)
    assert steps["authority"].state == "current"
    assert steps["notice"].state == steps["waiting"].state == "todo"


def on_the_waiting_list(cast):
    """An application submitted on the portal, approved, noticed and, after the notice,
    on the waiting list."""
    application, client = submitted(cast)
    approve(application, cast)
    notice = notice_publish(actor=cast.officer, applications=[application], title="2026年第1批公示")
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=TZ), tick=False):
        notice_close(notice, actor=cast.officer)
    application.refresh_from_db()
    return application, client


def test_a_waiting_household_sees_its_position_and_how_it_was_computed(cast, rules):
    application, client = on_the_waiting_list(cast)
    assert application.status == ApplicationStatus.WAITING
    response = client.get(reverse("portal_home"))
    assert response["Location"] == reverse("portal_application")
    text = page(client, "portal_application")
    assert 'data-testid="position">1<' in text
    assert "approved on 2026-03-02" in text
    assert "first in line" in text
    assert "more points come first" in text
    assert "Placed at position 1: you joined the waiting list" in text


def test_a_pending_contact_refresh_is_answered_on_the_portal(cast, rules):
    application, client = on_the_waiting_list(cast)
    refresh_start(actor=cast.officer, year=2026)
    text = page(client, "portal_application")
    assert "Yearly confirmation 2026" in text
    response = client.post(
        reverse("portal_refresh_answer"), {"still_wants": "yes", "still_qualifies": "yes"}
    )
    assert response["Location"] == reverse("portal_application")
    answer = application.waiting_entry.refresh_answers.get()
    assert (answer.still_wants, answer.still_qualifies, answer.answered_by) == (
        True,
        True,
        application.account,
    )
    assert "Yearly confirmation" not in page(client, "portal_application")
    # Answered, there is nothing left to answer.
    assert client.post(reverse("portal_refresh_answer"), {}).status_code == 404
