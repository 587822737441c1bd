"""The staff pages of applications: the counter entry step by step, the completeness
list, bad uploads, a returned application corrected on the same pages, the reviewer's
task list with the overdue marked, the application's page with its decision form for
the right level only, flags, withdrawal, and the bad-conduct form on the household page."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from stdnum.cn import ric

from anju.admission.models import (
    Application,
    ApplicationStatus,
    BatchStatus,
    FlagKind,
    FlagStatus,
    Question,
    RequestStatus,
    ReviewLevel,
    VerificationBatch,
    VerificationRequest,
)
from anju.admission.selectors.applications import review_tasks
from anju.admission.services import applications as apps
from anju.admission.services.review import reviews_at
from anju.core import pii
from anju.core import services as core_services
from anju.core.roles import Role
from anju.households.models import BadConductRecord
from anju.testing.admission import PDF, approve, make_application, make_ruleset
from anju.testing.cast import IDS

pytestmark = pytest.mark.django_db

DISTRICT_TZ = ZoneInfo("Asia/Shanghai")


def an_id(seq: int, birth: str = "19750505") -> str:
    body = f"140402{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def errors_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def text_of(response) -> str:
    return response.content.decode()


# --- The counter entry ---------------------------------------------------------------


def test_a_community_worker_enters_an_application_step_by_step_and_submits_it(cast, client_for):
    make_ruleset(cast.officer)
    client = client_for("community")

    page = client.get(reverse("application_create"))
    assert page.status_code == 200
    # The community defaults to the worker's own.
    assert page.context["form"]["community"].initial == cast.community_a.pk

    response = client.post(
        reverse("application_create"),
        {
            "community": cast.community_a.pk,
            "category": "low_income",
            "current_housing": "private_rent",
            "address": "长治市L区英雄南路8号",
            "housing_area_m2": "0",
            "vehicles": "0",
            "deposits": "5000",
            "residence_years": "6",
            "insurance_months": "30",
        },
    )
    application = Application.objects.get()
    assert response["Location"] == reverse("application_members", args=[application.pk])
    assert (application.channel, application.created_by) == ("counter", cast.community)

    members_url = reverse("application_members", args=[application.pk])
    response = client.post(
        members_url,
        {
            "name": "刘大山",
            "id_number": an_id(1),
            "relation": "head",
            "phone": "13912345678",
            "monthly_income": "1300",
            "employer": "城南物流",
            "hukou": "长治市L区",
            "disability": "2",
            "grounds": ["veteran", "illness"],
        },
    )
    assert response.status_code == 302
    head = application.members.get()
    assert head.grounds == ["illness", "veteran"]
    assert head.disability == "2"
    client.post(
        members_url,
        {"name": "刘小河", "id_number": an_id(2, "20100101"), "relation": "child"},
    )
    page = text_of(client.get(members_url))
    assert pii.mask_id_number(an_id(1)) in page
    assert an_id(1) not in page  # never the full number
    assert "刘小河" in page

    child = application.members.get(name="刘小河")
    client.post(reverse("application_member_remove", args=[application.pk, child.pk]))
    assert list(application.members.values_list("name", flat=True)) == ["刘大山"]

    for doc_type in ("id_card", "hukou", "income"):
        response = client.post(
            reverse("application_documents", args=[application.pk]),
            {"doc_type": doc_type, "title": "", "file": pdf(f"{doc_type}.pdf")},
        )
        assert response.status_code == 302, text_of(response)
    assert application.documents.count() == 3

    submit_url = reverse("application_submit", args=[application.pk])
    page = client.get(submit_url)
    assert (
        page.context["missing"] == ["the applicant's consent to checks of the family's data"]
        or len(page.context["missing"]) == 1
    )
    client.post(reverse("application_consent", args=[application.pk]))
    page = client.get(submit_url)
    assert page.context["missing"] == []

    response = client.post(submit_url)
    assert response["Location"] == reverse("application_detail", args=[application.pk])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMMUNITY_REVIEW
    detail = client.get(response["Location"])
    assert 'data-testid="criterion"' in text_of(detail)
    assert detail.context["can_review"] is True


def test_the_submit_page_names_every_missing_item_and_refuses_an_incomplete_application(
    cast, client_for
):
    make_ruleset(cast.officer)
    application = apps.application_create(
        actor=cast.community, community=cast.community_a, category="low_income", channel="counter"
    )
    client = client_for("community")
    url = reverse("application_submit", args=[application.pk])
    page = client.get(url)
    missing = page.context["missing"]
    assert len(missing) == 7
    text = text_of(page)
    for item in missing:
        assert escape(item) in text
    response = client.post(url)
    assert "Missing" in errors_of(response)[0] or "缺" in errors_of(response)[0]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_a_bad_upload_is_refused_with_the_file_named(cast, client_for):
    application = make_application(cast, submit=False)
    before = application.documents.count()
    response = client_for("community").post(
        reverse("application_documents", args=[application.pk]),
        {
            "doc_type": "income",
            "title": "收入证明",
            "file": SimpleUploadedFile("工资条.pdf", b"just some text", "application/pdf"),
        },
    )
    assert response.status_code == 200
    error = response.context["form"].errors["file"][0]
    assert "工资条.pdf" in error
    assert "工资条.pdf" in text_of(response)
    assert 'data-testid="upload-error"' in text_of(response)
    assert application.documents.count() == before


def test_an_invalid_id_number_is_shown_beside_the_field_and_nothing_is_added(cast, client_for):
    application = make_application(cast, submit=False)
    response = client_for("community").post(
        reverse("application_members", args=[application.pk]),
        {"name": "错号", "id_number": "140402197505050010", "relation": "spouse"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    assert not application.members.filter(name="错号").exists()


def test_a_returned_application_shows_the_items_and_goes_back_to_the_level_that_returned_it(
    cast, client_for
):
    application = approve(make_application(cast), cast, through=ApplicationStatus.STREET_REVIEW)
    response = client_for("street").post(
        reverse("application_review", args=[application.pk]),
        {"decision": "return", "items": "补交最近六个月工资流水\n现住房租赁合同"},
    )
    assert not errors_of(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED

    client = client_for("community")
    for name in ("application_declared", "application_members", "application_documents"):
        page = text_of(client.get(reverse(name, args=[application.pk])))
        assert 'data-testid="returned-items"' in page
        assert "补交最近六个月工资流水" in page and "现住房租赁合同" in page
    assert "现住房租赁合同" in text_of(
        client.get(reverse("application_detail", args=[application.pk]))
    )

    client.post(
        reverse("application_documents", args=[application.pk]),
        {"doc_type": "other", "title": "租赁合同", "file": pdf("lease.pdf")},
    )
    client.post(reverse("application_submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.STREET_REVIEW


def test_an_application_under_review_is_not_open_to_the_entry_pages(cast, client_for):
    application = make_application(cast)
    response = client_for("community").get(reverse("application_members", args=[application.pk]))
    assert response["Location"] == reverse("application_detail", args=[application.pk])
    response = client_for("community").post(
        reverse("application_members", args=[application.pk]),
        {"name": "晚到", "id_number": an_id(9), "relation": "child"},
    )
    assert response.status_code == 302
    assert not application.members.filter(name="晚到").exists()


# --- The task list -------------------------------------------------------------------


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=DISTRICT_TZ))


def test_the_task_list_shows_what_awaits_the_users_level_with_the_overdue_marked(cast, client_for):
    with at(date(2026, 3, 2)):  # a Monday; five working days later is Monday 9 March
        late = make_application(cast, members=(("迟办", an_id(11), "head", "1200"),))
    with at(date(2026, 3, 10)):
        fresh = make_application(cast, members=(("新办", an_id(12), "head", "1200"),))
        at_street = approve(
            make_application(cast, members=(("街道办", an_id(13), "head", "1200"),)),
            cast,
            through=ApplicationStatus.STREET_REVIEW,
        )
    assert late.due_on == date(2026, 3, 9)

    with at(date(2026, 3, 12)):
        response = client_for("community").get(reverse("review_task_list"))
        rows = list(response.context["page"])
        assert rows == [late, fresh]  # the earliest due first
        assert rows[0].overdue.days == 3
        text = text_of(response)
        assert "迟办" in text and "新办" in text and "街道办" not in text
        assert 'data-testid="overdue"' in text
        assert text.count('class="table-danger"') == 1

        street = client_for("street").get(reverse("review_task_list"))
        assert list(street.context["page"]) == [at_street]

        detail = client_for("community").get(reverse("application_detail", args=[late.pk]))
        assert detail.context["days_overdue"] == 3


def test_the_task_list_is_the_queryset_twin_of_reviews_at(cast):
    make_ruleset(cast.officer)
    extra = {
        "cb": core_services.user_create(
            actor=None,
            username="worker-b",
            full_name="社区B",
            organisation=cast.community_b,
            roles=[Role.COMMUNITY_WORKER],
            password="Worker-pass-2026!",
        ),
        "sb": core_services.user_create(
            actor=None,
            username="street-b",
            full_name="街道B",
            organisation=cast.street_b,
            roles=[Role.STREET_REVIEWER],
            password="Worker-pass-2026!",
        ),
    }
    applications = [
        make_application(cast, members=((f"甲{i}", an_id(20 + i), "head", "1000"),))
        for i in range(3)
    ]
    approve(applications[1], cast, through=ApplicationStatus.STREET_REVIEW)
    approve(applications[2], cast, through=ApplicationStatus.AUTHORITY_REVIEW)
    applications.append(
        make_application(
            cast,
            actor=cast.officer,
            community=cast.community_b,
            members=(("乙", an_id(30), "head", "1000"),),
        )
    )
    applications.append(
        make_application(cast, submit=False, members=(("丙", an_id(31), "head", "1000"),))
    )
    users = [*cast.users.values(), *extra.values()]
    for user in users:
        expected = {
            a
            for a in Application.objects.all()
            if a.review_level and reviews_at(user, a.review_level, a)
        }
        assert set(review_tasks(user)) == expected, user.username
    assert set(review_tasks(extra["cb"])) == {applications[3]}


# --- The application's page and the decisions on it ----------------------------------


def test_the_review_form_is_shown_only_to_the_level_that_reviews_now(cast, client_for):
    application = make_application(cast)
    url = reverse("application_detail", args=[application.pk])

    def form_shown(role):
        return 'data-testid="review-form"' in text_of(client_for(role).get(url))

    assert [form_shown(r) for r in ("community", "street", "officer", "auditor")] == [
        True,
        False,
        False,
        False,
    ]
    approve(application, cast, through=ApplicationStatus.STREET_REVIEW)
    assert [form_shown(r) for r in ("community", "street", "officer")] == [False, True, False]
    approve(application, cast, through=ApplicationStatus.AUTHORITY_REVIEW)
    assert [form_shown(r) for r in ("community", "street", "officer")] == [False, False, True]


def test_a_decision_from_the_wrong_level_is_refused_and_changes_nothing(cast, client_for):
    application = make_application(cast)
    response = client_for("street").post(
        reverse("application_review", args=[application.pk]), {"decision": "approve"}
    )
    assert errors_of(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMMUNITY_REVIEW
    assert not application.reviews.exists()


def test_each_level_decides_on_the_page_and_the_timeline_tells_it(cast, client_for):
    application = make_application(cast)
    url = reverse("application_review", args=[application.pk])
    response = client_for("community").post(url, {"decision": "approve"})
    assert response["Location"] == reverse("review_task_list")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.STREET_REVIEW

    # A return without items and a rejection without a reason are refused.
    for data in ({"decision": "return", "items": " \n "}, {"decision": "reject"}):
        assert errors_of(client_for("street").post(url, data))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.STREET_REVIEW

    client_for("street").post(url, {"decision": "approve"})
    client_for("officer").post(url, {"decision": "approve"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    page = client_for("auditor").get(reverse("application_detail", args=[application.pk]))
    assert len(page.context["reviews"]) == 3
    timeline = text_of(page).split('data-testid="timeline"')[1]
    assert timeline.count("approved") + timeline.count("通过") >= 3


def test_a_false_declaration_rejects_and_records_a_warning_in_the_archive(cast, client_for):
    application = make_application(cast)
    response = client_for("community").post(
        reverse("application_review", args=[application.pk]),
        {"decision": "approve", "false_declaration": "on", "reason": "隐瞒名下车辆"},
    )
    assert not errors_of(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.false_declaration
    record = BadConductRecord.objects.get(household=application.household)
    assert record.details == "隐瞒名下车辆"


def test_a_flag_is_cleared_or_upheld_with_a_reason_and_its_author(cast, client_for):
    application = make_application(
        cast,
        members=(("周平", an_id(40), "head", "1000"), ("王乐乐", IDS["alice_child"], "child", "0")),
    )
    flag = application.flags.get()
    assert flag.kind == FlagKind.CURRENT_HOUSEHOLD
    page = text_of(
        client_for("community").get(reverse("application_detail", args=[application.pk]))
    )
    assert 'data-testid="flags"' in page and "HH-A" in page
    assert f'data-testid="flag-form-{flag.pk}"' in page
    # The auditor sees the flag but not the form.
    auditor_page = client_for("auditor").get(reverse("application_detail", args=[application.pk]))
    assert f'data-testid="flag-form-{flag.pk}"' not in text_of(auditor_page)

    url = reverse("application_flag_resolve", args=[application.pk, flag.pk])
    assert errors_of(client_for("community").post(url, {"status": "upheld", "resolution": ""}))
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN

    client_for("community").post(url, {"status": "upheld", "resolution": "同一子女重复登记"})
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by) == (FlagStatus.UPHELD, cast.community)
    assert errors_of(client_for("street").post(url, {"status": "cleared", "resolution": "再议"}))


def test_withdrawing_needs_a_reason(cast, client_for):
    application = make_application(cast)
    url = reverse("application_withdraw", args=[application.pk])
    assert errors_of(client_for("community").post(url, {"reason": ""}))
    client_for("community").post(url, {"reason": "家庭已购房"})
    application.refresh_from_db()
    assert (application.status, application.decision_reason) == ("withdrawn", "家庭已购房")


def test_the_page_shows_members_masked_documents_for_download_and_verification_differences(
    cast, client_for
):
    application = make_application(cast)
    head = application.members.get()
    # The verification helper's services send and answer requests; here one answered
    # request is enough to see how the page shows a difference.
    batch = VerificationBatch.objects.create(
        number="XC-T-1",
        agency=cast.agency,
        purpose="admission",
        question=Question.VEHICLE,
        status=BatchStatus.SENT,
        created_by=cast.officer,
    )
    VerificationRequest.objects.create(
        batch=batch,
        ref="XC-T-1-1",
        application=application,
        name=head.name,
        id_number_enc=head.id_number_enc,
        id_number_hash=head.id_number_hash,
        id_number_masked=head.id_number_masked,
        declared={"vehicles": 0},
        status=RequestStatus.ANSWERED,
        found=True,
        value="1",
        mismatch=True,
        mismatch_reason="名下登记机动车 1 辆，申报 0 辆",
    )
    client = client_for("street")
    page = client.get(reverse("application_detail", args=[application.pk]))
    text = text_of(page)
    assert head.id_number_masked in text
    assert head.reveal_id_number() not in text
    assert 'data-testid="mismatch"' in text and "名下登记机动车 1 辆" in text

    document = page.context["documents"][0]
    download = client.get(
        reverse("application_document_download", args=[application.pk, document.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_the_list_filters_by_status_category_community_and_search(cast, client_for):
    first = make_application(cast, members=(("赵一", an_id(50), "head", "1000"),))
    second = make_application(
        cast,
        submit=False,
        category="new_employee",
        members=(("钱二", an_id(51), "head", "1000"),),
    )
    third = make_application(
        cast,
        actor=cast.officer,
        community=cast.community_b,
        members=(("孙三", an_id(52), "head", "1000"),),
    )
    client = client_for("officer")
    url = reverse("application_list")

    def listed(query):
        return set(client.get(url, query).context["page"])

    assert listed({}) == {first, second, third}
    assert listed({"status": "draft"}) == {second}
    assert listed({"category": "new_employee"}) == {second}
    assert listed({"community": cast.community_b.pk}) == {third}
    assert listed({"q": "钱"}) == {second}
    assert listed({"q": first.number.lower()}) == {first}
    # A community worker sees only its own community's.
    assert set(client_for("community").get(url).context["page"]) == {first, second}
    # The filter form asks htmx for the table alone.
    partial = client.get(url, {"status": "draft"}, headers={"HX-Request": "true"})
    assert text_of(partial).lstrip().startswith('<div id="table">')
    assert second.number in text_of(partial) and first.number not in text_of(partial)


def test_the_list_exports_to_excel(cast, client_for):
    make_application(cast)
    response = client_for("officer").get(reverse("application_list"), {"format": "xlsx"})
    assert response.status_code == 200
    assert "spreadsheet" in response["Content-Type"]


# --- Query counts ----------------------------------------------------------------------


def count_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def more_applications(cast, n: int, start: int) -> None:
    for i in range(start, start + n):
        make_application(
            cast,
            members=(
                (f"多{i}", an_id(100 + i), "head", "1000"),
                (f"多{i}子", an_id(200 + i, "20120101"), "child", "0"),
            ),
        )


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("application_list", "officer"),
        ("application_list", "street"),
        ("review_task_list", "community"),
    ],
)
def test_list_pages_run_the_same_queries_for_more_applications(cast, client_for, name, role):
    client = client_for(role)
    url = reverse(name)
    more_applications(cast, 1, 0)
    small = count_queries(client, url)
    more_applications(cast, 8, 1)
    assert count_queries(client, url) == small


def test_the_application_page_runs_the_same_queries_for_a_fuller_application(cast, client_for):
    small_app = make_application(cast, members=(("小", an_id(60), "head", "1000"),))
    full_app = make_application(
        cast,
        members=[
            ("大", an_id(61), "head", "1000"),
            *[(f"大{i}", an_id(70 + i, "20100101"), "child", "0") for i in range(5)],
            ("王乐乐", IDS["alice_child"], "child", "0"),
        ],
    )
    approve(full_app, cast, through=ApplicationStatus.AUTHORITY_REVIEW)
    client = client_for("officer")
    small = count_queries(client, reverse("application_detail", args=[small_app.pk]))
    large = count_queries(client, reverse("application_detail", args=[full_app.pk]))
    assert large == small


# --- The household page: bad conduct ---------------------------------------------------


def test_an_officer_records_bad_conduct_on_the_household_page_and_it_bars_a_new_application(
    cast, client_for
):
    household = cast.alice_household
    url = reverse("household_detail", args=[household.pk])
    assert 'data-testid="conduct-form"' not in text_of(client_for("community").get(url))
    assert 'data-testid="conduct-form"' in text_of(client_for("officer").get(url))

    head = household.head
    bad = client_for("officer").post(
        reverse("household_conduct_record", args=[household.pk]),
        {
            "member": head.pk,
            "reason": "sublet",
            "occurred_on": "2026-05-01",
            "banned_until": "2026-04-01",
        },
    )
    assert errors_of(bad)
    assert not BadConductRecord.objects.exists()

    client_for("officer").post(
        reverse("household_conduct_record", args=[household.pk]),
        {
            "member": head.pk,
            "reason": "sublet",
            "occurred_on": "2026-05-01",
            "banned_until": "2031-05-01",
            "details": "整套转租给他人",
        },
    )
    record = BadConductRecord.objects.get()
    assert (record.name, record.recorded_by) == (head.name, cast.officer)
    page = text_of(client_for("street").get(url))
    assert "整套转租给他人" in page and "2031-05-01" in page

    application = make_application(
        cast, members=(("王小明", IDS["alice"], "head", "1000"),), actor=cast.officer
    )
    assert FlagKind.BANNED in set(application.flags.values_list("kind", flat=True))
    assert application.review_level == ReviewLevel.COMMUNITY
