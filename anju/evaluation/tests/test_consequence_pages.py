"""The pages of schemes, indicators and consequences: what each viewer sees and may
do, the deadlines shown in red when overdue, the filters, and the query count of the
consequence list."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anju.evaluation.models import ConsequenceState, Grade, PartyKind, Scheme
from anju.evaluation.services.consequences import raise_for_period
from anju.testing.cast import build_cast
from anju.testing.shared_world import shared_world

from .test_consequences import PARTY_RULES, TENANT_RULES, K, evaluate, period, quarter, scheme

TODAY = datetime.datetime(2026, 4, 20, 10, tzinfo=datetime.UTC)  # the interview is due 4-24


def build():
    cast = build_cast()
    tenants = scheme(PartyKind.TENANT, rules=TENANT_RULES)
    parties = scheme(PartyKind.PROPERTY, rules=PARTY_RULES)
    p = period(cast.officer, quarter(4))
    evaluate(p, tenants, cast.alice_household, Grade.FAIL)
    evaluate(p, tenants, cast.charlie_household, Grade.EXCELLENT)
    evaluate(p, parties, cast.property_1, Grade.FAIL)
    raise_for_period(p, actor=cast.officer)
    return cast


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, build) as cast:
        yield cast


@pytest.fixture
def cast(world, db, settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"), time_machine.travel(TODAY, tick=False):
        yield world


def login(cast, username):
    client = Client()
    client.force_login(cast.users[username])
    return client


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def consequence(cast, household=None, organisation=None, kind=None):
    party = {"evaluation__household": household} if household else {}
    if organisation:
        party = {"evaluation__organisation": organisation}
    from anju.evaluation.models import Consequence

    return Consequence.objects.get(kind=kind, **party)


def test_the_list_shows_each_viewer_its_own_and_the_deadlines(cast):
    officer = login(cast, "officer").get(reverse("evaluation_consequences")).content.decode()
    assert "HH-A" in officer and "HH-C" in officer and "康居物业" in officer
    assert 'data-testid="deadlines"' in officer
    community = login(cast, "community").get(reverse("evaluation_consequences")).content.decode()
    assert "HH-A" in community and "HH-C" not in community and "康居物业" not in community
    propmgr = login(cast, "propmgr").get(reverse("evaluation_consequences")).content.decode()
    assert "康居物业" in propmgr and "HH-A" not in propmgr


def test_an_overdue_deadline_shows_in_red(cast):
    officer = login(cast, "officer")
    page = officer.get(reverse("evaluation_consequences")).content.decode()
    assert 'data-testid="overdue"' not in page
    with time_machine.travel(datetime.datetime(2026, 4, 30, 10, tzinfo=datetime.UTC)):
        officer = login(cast, "officer")  # a session of that day
        page = officer.get(reverse("evaluation_consequences")).content.decode()
        assert 'data-testid="overdue"' in page and "table-danger" in page
        only = table(officer.get(reverse("evaluation_consequences"), {"overdue": "on"}))
        # Alice's interview is overdue; Charlie's standing has no deadline.
        assert "HH-A" in only and "HH-C" not in only
        detail = officer.get(
            reverse(
                "evaluation_consequence",
                args=[consequence(cast, cast.alice_household, kind=K.INTERVIEW).pk],
            )
        ).content.decode()
        assert 'data-testid="overdue"' in detail


def table(response) -> str:
    return response.content.decode().split('data-testid="consequence-list"')[1]


def test_the_list_filters_by_kind_state_and_party_kind(cast):
    officer = login(cast, "officer")
    url = reverse("evaluation_consequences")
    page = table(officer.get(url, {"kind": K.GOOD_STANDING}))
    assert "HH-C" in page and "HH-A" not in page
    page = table(officer.get(url, {"party_kind": PartyKind.PROPERTY}))
    assert "康居物业" in page and "HH-A" not in page
    page = table(officer.get(url, {"state": ConsequenceState.DONE}))
    assert "No consequence matches." in page


def test_the_list_keeps_its_query_count(cast):
    officer = login(cast, "officer")
    with CaptureQueriesContext(connection) as few:
        officer.get(reverse("evaluation_consequences"))
    p = period(cast.officer, quarter(5))
    tenants = Scheme.objects.filter(party_kind=PartyKind.TENANT).latest("version")
    evaluate(p, tenants, cast.alice_household, Grade.FAIL)
    evaluate(p, tenants, cast.charlie_household, Grade.FAIL)
    raise_for_period(p, actor=cast.officer)
    with CaptureQueriesContext(connection) as more:
        officer.get(reverse("evaluation_consequences"))
    assert len(more.captured_queries) == len(few.captured_queries)


def test_each_viewer_is_offered_only_the_actions_it_may_take(cast):
    interview = consequence(cast, cast.alice_household, kind=K.INTERVIEW)
    url = reverse("evaluation_consequence", args=[interview.pk])
    community = login(cast, "community").get(url).content.decode()
    assert (
        'data-testid="action-done"' in community and 'data-testid="action-cancel"' not in community
    )
    officer = login(cast, "officer").get(url).content.decode()
    assert 'data-testid="action-cancel"' in officer
    rectification = consequence(cast, organisation=cast.property_1, kind=K.RECTIFICATION)
    url = reverse("evaluation_consequence", args=[rectification.pk])
    propmgr = login(cast, "propmgr").get(url).content.decode()
    assert 'data-testid="action-report"' in propmgr and 'data-testid="action-done"' not in propmgr


def test_the_community_records_an_interview_on_the_page(cast):
    interview = consequence(cast, cast.alice_household, kind=K.INTERVIEW)
    client = login(cast, "community")
    url = reverse("evaluation_consequence_done", args=[interview.pk])
    response = client.post(url, {"note": ""})
    assert messages_of(response) == ["Write a note."]
    response = client.post(url, {"note": "约谈户主，已签字"})
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.state == ConsequenceState.DONE
    # Twice: the state is explained, nothing changes.
    response = client.post(url, {"note": "again"})
    assert "already Done" in messages_of(response)[-1]


def test_the_community_may_not_verify_a_rectification(cast):
    # The community does not see the property company's consequences at all.
    rectification = consequence(cast, organisation=cast.property_1, kind=K.RECTIFICATION)
    response = login(cast, "community").post(
        reverse("evaluation_consequence_done", args=[rectification.pk]), {"note": "x"}
    )
    assert response.status_code == 404
    # An operator clerk sees Alice's referral and may record it; not cancel it.
    referral = consequence(cast, cast.alice_household, kind=K.POINTS_REFERRAL)
    response = login(cast, "operator").post(
        reverse("evaluation_consequence_cancel", args=[referral.pk]), {"note": "x"}
    )
    assert response.status_code == 403


def test_the_scheme_pages_show_versions_and_edit_a_draft(cast):
    officer = login(cast, "officer")
    page = officer.get(reverse("evaluation_schemes")).content.decode()
    assert "Tenant household" in page and "Property company" in page
    tenants = Scheme.objects.filter(party_kind=PartyKind.TENANT).latest("version")
    response = officer.post(
        reverse("evaluation_scheme_new", args=[tenants.pk]),
        {"effective_from": "2027-01-01", "source": "考核办法（2027）"},
    )
    draft = Scheme.objects.filter(party_kind=PartyKind.TENANT).latest("version")
    assert response["Location"] == reverse("evaluation_scheme", args=[draft.pk])
    assert draft.version == tenants.version + 1 and draft.published_at is None
    page = officer.get(reverse("evaluation_scheme", args=[draft.pk])).content.decode()
    assert 'data-testid="draft"' in page and 'data-testid="line-add"' in page
    response = officer.post(
        reverse("evaluation_scheme_edit", args=[draft.pk]),
        {
            "effective_from": "2027-01-01",
            "source": "考核办法（2027）",
            "pass_from": "90",
            "good_from": "80",
            "excellent_from": "95",
            "objection_days": "7",
        },
    )
    assert "The thresholds must be ordered" in messages_of(response)[-1]
    officer.post(reverse("evaluation_scheme_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.published_at is not None
    # A version a period used: no edit form, a hint to start a new version.
    page = officer.get(reverse("evaluation_scheme", args=[tenants.pk])).content.decode()
    assert 'data-testid="scheme-fixed"' in page and 'data-testid="scheme-edit"' not in page
    # A reader sees the scheme without forms.
    auditor = login(cast, "auditor").get(reverse("evaluation_scheme", args=[draft.pk]))
    assert 'data-testid="scheme-new"' not in auditor.content.decode()


def test_the_indicator_pages_create_a_manual_one_and_edit_names(cast):
    officer = login(cast, "officer")
    response = officer.post(
        reverse("evaluation_indicator_new"),
        {
            "code": "tenant_neighbourliness",
            "party_kind": PartyKind.TENANT,
            "unit": "score",
            "direction": "higher",
            "name_zh": "邻里关系",
            "name_en": "Neighbourliness",
            "definition_zh": "社区评价",
            "sort": "5",
        },
    )
    assert response.status_code == 302
    page = officer.get(reverse("evaluation_indicators"), {"party_kind": "tenant"}).content.decode()
    assert "Neighbourliness" in page
    response = officer.post(
        reverse("evaluation_indicator_new"),
        {
            "code": "tenant_neighbourliness",
            "party_kind": PartyKind.TENANT,
            "unit": "score",
            "direction": "higher",
            "name_zh": "重复",
            "definition_zh": "重复",
            "sort": "0",
        },
    )
    assert response.status_code == 200 and "An indicator with this code exists." in (
        response.content.decode()
    )
