"""The read-only API of applications: the caller's scoped list, paginated, and one
application with its pre-check verdicts in words and its flags."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anju.admission.models import ApplicationStatus
from anju.core import services as core_services
from anju.testing.admission import approve, make_application
from anju.testing.cast import IDS

pytestmark = pytest.mark.django_db


def get(client, url, **params):
    response = client.get(url, params)
    return response.status_code, json.loads(response.content)


def test_the_list_holds_only_the_callers_communities_and_pages(cast, client_for):
    ours = make_application(cast)
    theirs = make_application(
        cast,
        actor=cast.officer,
        community=cast.community_b,
        members=(("外区", "140402198202020029", "head", "1000"),),
    )
    url = reverse("api-1:application_list")
    status, body = get(client_for("officer"), url)
    assert status == 200
    assert {item["number"] for item in body["items"]} == {ours.number, theirs.number}
    status, body = get(client_for("street"), url)
    assert [item["number"] for item in body["items"]] == [ours.number]
    assert body["items"][0]["head_name"] == "申请人"
    assert body["items"][0]["community_name"] == cast.community_a.name

    status, body = get(client_for("officer"), url, limit=1)
    assert (body["count"], len(body["items"])) == (2, 1)
    status, body = get(client_for("officer"), url, community=cast.community_b.pk)
    assert [item["number"] for item in body["items"]] == [theirs.number]
    status, body = get(client_for("officer"), url, status="draft")
    assert body["items"] == []


def test_one_application_carries_its_verdicts_in_words_and_its_flags(cast, client_for):
    application = make_application(
        cast,
        members=(
            ("申请人", "140402198001010019", "head", "1400"),
            ("王乐乐", IDS["alice_child"], "child", "0"),
        ),
    )
    status, body = get(
        client_for("community"), reverse("api-1:application_detail", args=[application.pk])
    )
    assert status == 200
    income = next(c for c in body["criteria"] if c["code"] == "income")
    assert (income["outcome"], income["actual"], income["limit"]) == ("met", "700", "1,600")
    assert "700" in income["sentence"] and "1,600" in income["sentence"]
    [flag] = body["flags"]
    assert (flag["kind"], flag["status"], flag["other_household"]) == (
        "current_household",
        "open",
        "HH-A",
    )
    assert all("*" in m["id_number_masked"] for m in body["members"])
    assert "140402198001010019" not in json.dumps(body)


def test_out_of_scope_is_404_and_without_the_permission_403(cast, client_for):
    other = make_application(cast, actor=cast.officer, community=cast.community_b)
    url = reverse("api-1:application_detail", args=[other.pk])
    assert get(client_for("street"), url)[0] == 404
    assert get(client_for("operator"), url)[0] == 404
    assert get(client_for("officer"), url)[0] == 200
    assert get(client_for("operator"), reverse("api-1:application_list"))[0] == 403


def test_an_api_key_sees_no_application(cast, client_for):
    _row, key = core_services.apikey_issue(
        actor=cast.users["secadmin"],
        name="reader",
        organisation=cast.operator_1,
        estates=[cast.e1],
        scopes=["read"],
    )
    make_application(cast)
    response = client_for("officer").get(
        reverse("api-1:application_list"), headers={"X-API-Key": key}
    )
    # The key named in the request wins over the session: a machine client sends no
    # CSRF token, so the key is tried first (anju/api_urls.py).
    assert response.status_code == 403
    response = type(client_for("officer"))().get(
        reverse("api-1:application_list"), headers={"X-API-Key": key}
    )
    assert response.status_code == 403


def test_the_list_runs_the_same_queries_for_more_applications(cast, client_for):
    client = client_for("officer")
    url = reverse("api-1:application_list")
    make_application(cast)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    application = make_application(cast, members=(("又一", "140402198503030036", "head", "1000"),))
    approve(application, cast, through=ApplicationStatus.STREET_REVIEW)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)
