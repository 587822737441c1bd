"""The recertification pages: opening a campaign, its progress, the households list and
the outcomes report, the counter and portal declarations, computing and confirming from
the pages, exceptions, and the tenant's view of a new rent. Who may open each page is
in the scoping matrix (anju/tenancy/tests/matrix/recertification.py)."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from anju.core.models import JobRun, JobStatus
from anju.tenancy.models import Declaration, Outcome, RecertCase, RecertStatus
from anju.tenancy.services import recertification as recert

from .test_recertification import OPENED, case_of, declare, housed, open_campaign

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def frozen():
    with time_machine.travel(D(2026, 3, 10), tick=False):
        yield


def declaration_data(household, incomes, **extra):
    data = {"deposits": "0", "vehicles": "0", "housing_acquired": "none", "consent": "on"}
    for member, income in zip(household.members.current().order_by("id"), incomes, strict=True):
        data[f"income_{member.pk}"] = str(income)
        data[f"present_{member.pk}"] = "on"
    return {**data, **extra}


def test_an_officer_opens_a_campaign_from_its_form(cast, client_for, frozen):
    from anju.testing.admission import make_ruleset

    make_ruleset(cast.officer)
    client = client_for("officer")
    page = client.get(reverse("recert_campaign_open"))
    assert page.status_code == 200 and "康居苑" in page.content.decode()
    response = client.post(
        reverse("recert_campaign_open"),
        {"year": "2026", "name": "2026年度资格复核", "estates": [cast.e1.pk, cast.e2.pk]},
    )
    campaign = RecertCase.objects.get(household=cast.alice_household).campaign
    assert response.status_code == 302
    assert response["Location"] == reverse("recert_campaign_detail", args=[campaign.pk])
    assert campaign.declare_by == D(2026, 4, 9)
    again = client.post(
        reverse("recert_campaign_open"),
        {"year": "2026", "name": "重复", "estates": [cast.e1.pk]},
    )
    assert again.status_code == 200
    assert "康居苑" in again.context["form"].non_field_errors()[0]
    assert RecertCase.objects.count() == 2


def test_the_campaign_page_counts_per_estate_and_per_community(cast, client_for, frozen):
    campaign = open_campaign(cast, on=D(2026, 3, 10))
    declare(case_of(campaign, cast.alice_household), cast.community, [9600.02, 0])
    recert.outcomes_compute(campaign)
    response = client_for("officer").get(reverse("recert_campaign_detail", args=[campaign.pk]))
    assert response.status_code == 200
    progress = response.context["progress"]
    by_estate = {row["estate__name"]: row for row in progress["estates"]}
    assert {
        k: by_estate["康居苑"][k] for k in ("households", "declared", "computed", "tiered")
    } == {
        "households": 1,
        "declared": 1,
        "computed": 1,
        "tiered": 1,
    }
    assert by_estate["安泰小区"]["declared"] == 0
    assert [c["name"] for c in progress["communities"]] == ["太行社区", "康乐社区"]
    assert progress["total"]["households"] == 2
    # The community worker of E1 sees only E1.
    mine = client_for("community").get(reverse("recert_campaign_detail", args=[campaign.pk]))
    assert [r["estate__name"] for r in mine.context["progress"]["estates"]] == ["康居苑"]


def test_the_households_list_filters_and_does_not_ask_more_with_more_rows(
    cast, client_for, frozen, django_assert_num_queries
):
    units = list(cast.e1.buildings.get().units.exclude(pk=cast.unit_a.pk).order_by("code"))
    for i, unit in enumerate(units[:3]):
        housed(cast, f"P-{i}", unit, [(f"户主{i}", f"1980010{i + 1}")])
    campaign = open_campaign(cast, on=D(2026, 3, 10))
    for household in RecertCase.objects.filter(campaign=campaign, estate=cast.e1):
        declare(household, cast.community, [1000] * household.household.members.count())
    recert.outcomes_compute(campaign)
    client = client_for("officer")
    url = reverse("recert_campaign_cases", args=[campaign.pk])
    client.get(url)  # the session and the user are loaded once
    with CaptureQueriesContext(connection) as few:
        client.get(url + "?q=HH-A")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["cases"]) == 5
    only = client.get(url + f"?estate={cast.e2.pk}")
    assert [c.household.number for c in only.context["cases"]] == ["HH-C"]
    computed = client.get(url + f"?outcome={Outcome.QUALIFIES}")
    assert len(computed.context["cases"]) == 4


def test_the_outcomes_report_is_a_spreadsheet_of_every_household(cast, client_for, frozen):
    campaign = open_campaign(cast, on=D(2026, 3, 10))
    declare(case_of(campaign, cast.alice_household), cast.community, [9600.02, 0])
    recert.outcomes_compute(campaign)
    response = client_for("officer").get(reverse("recert_outcomes_export", args=[campaign.pk]))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    alice = next(r for r in rows if r[0] == "HH-A")
    assert alice[1] == "王小明" and alice[10] == "4800.01" and alice[11] == "3.01"
    assert "2" in str(alice[13])
    # The operator of E1 gets E1 only.
    mine = client_for("operator").get(reverse("recert_outcomes_export", args=[campaign.pk]))
    rows = list(load_workbook(io.BytesIO(mine.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["HH-A"]


def test_a_tenant_declares_on_the_portal_and_may_correct_it(cast, client_for, frozen):
    campaign = open_campaign(cast, on=D(2026, 3, 10))
    client = client_for("alice")
    status = client.get(reverse("portal_recert"))
    assert status.status_code == 200 and "portal_recert_declare" not in status.content.decode()
    assert reverse("portal_recert_declare") in status.content.decode()
    form = client.get(reverse("portal_recert_declare"))
    assert "王乐乐" in form.content.decode()
    response = client.post(
        reverse("portal_recert_declare"), declaration_data(cast.alice_household, [4000, 0])
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal_recert")
    case = case_of(campaign, cast.alice_household)
    assert (case.status, case.declaration.channel) == (RecertStatus.DECLARED, "portal")
    assert case.declaration.total_income == Decimal("4000.00")
    assert case.declaration.submitted_by == cast.alice
    # The form now starts from what was declared.
    again = client.get(reverse("portal_recert_declare"))
    head = cast.alice_household.head
    assert again.context["form"][f"income_{head.pk}"].value() == Decimal("4000.00")


def test_bad_input_is_named_and_records_nothing(cast, client_for, frozen):
    campaign = open_campaign(cast, on=D(2026, 3, 10))
    case = case_of(campaign, cast.alice_household)
    url = reverse("recert_case_declare", args=[case.pk])
    client = client_for("community")
    no_consent = client.post(url, declaration_data(cast.alice_household, [4000, 0], consent=""))
    not_money = client.post(url, declaration_data(cast.alice_household, ["很多", 0]))
    nobody = client.post(
        url,
        {
            **declaration_data(cast.alice_household, [4000, 0]),
            **{k: "" for k in declaration_data(cast.alice_household, [0, 0]) if "present" in k},
        },
    )
    newcomer = client.post(
        url, declaration_data(cast.alice_household, [4000, 0], new_name_1="王新")
    )
    for response in (no_consent, not_money, nobody, newcomer):
        assert response.status_code == 200
        assert 'data-testid="form-errors"' in response.content.decode()
    with translation.override(settings.LANGUAGE_CODE):
        empty = gettext("At least one person must live in the unit.")
    assert nobody.context["form"].non_field_errors() == [empty]
    assert "new_birth_1" in newcomer.context["form"].errors
    assert not Declaration.objects.exists()
    case.refresh_from_db()
    assert case.status == RecertStatus.AWAITING


def test_compute_and_confirm_from_the_pages(
    cast, client_for, frozen, django_capture_on_commit_callbacks
):
    campaign = open_campaign(cast, on=D(2026, 3, 10))
    declare(case_of(campaign, cast.alice_household), cast.community, [8000, 0])
    client = client_for("officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("recert_campaign_compute", args=[campaign.pk]))
    job = JobRun.objects.get(kind=recert.COMPUTE_KIND)
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.result["computed"] == 1
    response = client.post(
        reverse("recert_campaign_confirm", args=[campaign.pk]),
        {"estate": cast.e1.pk, "effective_from": "2026-04-01"},
        follow=True,
    )
    said = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert [tag for tag, _text in said] == ["success"], said
    case = case_of(campaign, cast.alice_household)
    assert (case.status, case.confirmed_outcome, case.effective_from) == (
        RecertStatus.CONFIRMED,
        Outcome.TIERED,
        D(2026, 4, 1),
    )
    # The tenant sees the new rent.
    portal = client_for("alice").get(reverse("portal_recert")).content.decode()
    assert "¥682.50" in portal and "1.5×" in portal and "2026-04-01" in portal
    assert reverse("portal_recert_declare") not in portal
    assert client_for("alice").get(reverse("portal_recert_declare")).status_code == 404


def test_an_exception_from_the_case_page_needs_its_reason(cast, client_for, frozen):
    campaign = open_campaign(cast, on=D(2026, 3, 10))
    case = case_of(campaign, cast.alice_household)
    declare(case, cast.community, [8000, 0])
    recert.recert_compute(case)
    client = client_for("officer")
    url = reverse("recert_case_confirm", args=[case.pk])
    refused = client.post(url, {"exception": "1", "outcome": Outcome.QUALIFIES}, follow=True)
    said = [(m.level_tag, str(m)) for m in refused.context["messages"]]
    with translation.override(settings.LANGUAGE_CODE):
        assert said == [("error", gettext("Give the reason for setting a different outcome."))]
    case.refresh_from_db()
    assert case.status != RecertStatus.CONFIRMED
    client.post(
        url,
        {"exception": "1", "outcome": Outcome.QUALIFIES, "exception_note": "收入为一次性奖金"},
    )
    case.refresh_from_db()
    assert (case.status, case.confirmed_outcome, case.exception_note) == (
        RecertStatus.CONFIRMED,
        Outcome.QUALIFIES,
        "收入为一次性奖金",
    )
    page = client.get(reverse("recert_case_detail", args=[case.pk])).content.decode()
    assert "收入为一次性奖金" in page
    assert case.campaign.declare_by > OPENED
