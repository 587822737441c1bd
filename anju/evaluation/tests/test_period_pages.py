"""The period pages: the list and the open form, a period's page with its steps,
counts and ranked scorecards (each role sees only its own), the actions with the
service's refusal shown, a scorecard with its manual-score and objection forms, the
drill-down whose records reproduce the value (and warn when they no longer do), the
objections list, and the tenant's portal page (its own household only)."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anju.evaluation.models import ObjectionStatus, PeriodStatus, Score

from . import period_world
from .period_world import AFTER_Q2, at, card, computed, disclosed, manual, pdf

pytestmark = pytest.mark.django_db
world_once = period_world.world_once
world = period_world.world
definitions = period_world.definitions


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def in_july(world):
    # Every request at the same moment: the sessions' idle timeout counts real time.
    with at(AFTER_Q2):
        yield


def client(user):
    c = Client()
    c.force_login(user)
    return c


def errors(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def units(evaluation) -> Score:
    return Score.objects.get(evaluation=evaluation, line__indicator__code="test.units_low")


def test_the_officer_opens_a_period_from_the_list_and_a_refusal_is_shown(world):
    officer = client(world.officer)
    with at(AFTER_Q2):
        response = officer.post(
            reverse("evaluation_period_open"), {"kind": "quarter", "starts_on": "2026-04-01"}
        )
        assert response.status_code == 302
        page = officer.get(response["Location"])
        assert "2026 Q2" in page.content.decode()
        again = officer.post(
            reverse("evaluation_period_open"), {"kind": "quarter", "starts_on": "2026-04-01"}
        )
    assert "already open" in errors(again)[0]
    listing = officer.get(reverse("evaluation_periods")).content.decode()
    assert "2026 Q2" in listing and 'data-testid="period-open-form"' in listing


def test_the_period_page_ranks_scorecards_and_refuses_disclosure_with_the_reason(world):
    period = computed(world)
    officer = client(world.officer)
    with at(AFTER_Q2):
        page = officer.get(reverse("evaluation_period", args=[period.pk]))
        text = page.content.decode()
        assert world.property_1.name in text and world.charlie_household.number in text
        assert 'data-testid="period-disclose"' in text
        response = officer.post(reverse("evaluation_period_disclose", args=[period.pk]))
    assert "Enter these manual scores first" in errors(response)[0]
    filtered = officer.get(
        reverse("evaluation_period", args=[period.pk]), {"party_kind": "tenant", "grade": "fail"}
    ).content.decode()
    assert world.alice_household.number in filtered
    assert world.charlie_household.number not in filtered


def test_the_trace_page_lists_the_records_that_reproduce_the_value(world):
    period = disclosed(world)
    p1 = card(period, world.property_1)
    score = units(p1)
    page = client(world.officer).get(reverse("evaluation_trace", args=[score.pk]))
    text = page.content.decode()
    assert "66.67%" in text and "6 records, 4 counted, 2 not" in text
    assert text.count('data-testid="counted"') == score.hits == 4
    assert text.count('data-testid="not-counted"') == score.count - score.hits == 2
    assert 'data-testid="trace-matches"' in text
    assert reverse("unit_detail", args=[world.unit_a.pk]) in text  # the officer may open it
    scorecard = client(world.officer).get(reverse("evaluation_scorecard", args=[p1.pk]))
    assert reverse("evaluation_trace", args=[score.pk]) in scorecard.content.decode()


def test_a_manual_score_has_no_records_page(world):
    period = computed(world)
    score = manual(period, world.property_1)
    assert (
        client(world.officer).get(reverse("evaluation_trace", args=[score.pk])).status_code == 404
    )


def test_the_trace_page_warns_when_the_records_changed_since_computing(world):
    period = disclosed(world)
    world.e1.units.filter(floor=3).update(floor=0)
    score = units(card(period, world.property_1))
    text = client(world.officer).get(reverse("evaluation_trace", args=[score.pk])).content.decode()
    assert 'data-testid="trace-changed"' in text and "100.00" in text


def test_the_evaluator_enters_a_manual_score_with_evidence_on_the_scorecard(world):
    period = computed(world)
    p1 = card(period, world.property_1)
    score = manual(period, world.property_1)
    officer = client(world.officer)
    page = officer.get(reverse("evaluation_scorecard", args=[p1.pk])).content.decode()
    assert 'data-testid="score-form-test.property_manual"' in page
    with at(AFTER_Q2):
        response = officer.post(
            reverse("evaluation_score_enter", args=[score.pk]),
            {"value": "100", "comment": "Clean stairwells", "evidence": [pdf()]},
        )
    assert response.status_code == 302 and not errors(response)
    score.refresh_from_db()
    assert score.value == 100 and score.evidence.count() == 1
    page = officer.get(reverse("evaluation_scorecard", args=[p1.pk])).content.decode()
    evidence = score.evidence.get()
    assert "Clean stairwells" in page and reverse("evaluation_evidence", args=[evidence.pk]) in page
    download = officer.get(reverse("evaluation_evidence", args=[evidence.pk]))
    assert download.status_code == 200
    b"".join(download.streaming_content)


def test_a_property_manager_sees_its_own_scorecard_not_the_others(world):
    period = disclosed(world)
    propmgr = client(world.propmgr)
    own = propmgr.get(reverse("evaluation_scorecard", args=[card(period, world.property_1).pk]))
    assert own.status_code == 200
    assert 'data-testid="objection-form"' in own.content.decode()
    other = card(period, world.property_2)
    assert propmgr.get(reverse("evaluation_scorecard", args=[other.pk])).status_code == 404
    assert propmgr.get(reverse("evaluation_trace", args=[units(other).pk])).status_code == 404
    page = propmgr.get(reverse("evaluation_period", args=[period.pk])).content.decode()
    assert world.property_1.name in page and world.property_2.name not in page
    assert world.alice_household.number not in page
    assert Client().get(reverse("public_ranking")).status_code == 200


def test_a_party_sees_nothing_before_disclosure(world):
    period = computed(world)
    p1 = card(period, world.property_1)
    assert (
        client(world.propmgr).get(reverse("evaluation_scorecard", args=[p1.pk])).status_code == 404
    )
    assert (
        client(world.officer).get(reverse("evaluation_scorecard", args=[p1.pk])).status_code == 200
    )


def test_the_party_objects_on_the_scorecard_and_the_officer_resolves_it_from_the_list(world):
    period = disclosed(world)
    p1 = card(period, world.property_1)
    with at(AFTER_Q2):
        response = client(world.propmgr).post(
            reverse("evaluation_objection_raise", args=[p1.pk]),
            {"score": str(units(p1).pk), "reasons": "Two top-floor units were converted."},
        )
    assert response.status_code == 302 and not errors(response)
    objection = p1.objections.get()
    officer = client(world.officer)
    listing = officer.get(reverse("evaluation_objections")).content.decode()
    assert "Two top-floor units were converted." in listing
    assert f'data-testid="resolve-form-{objection.pk}"' in listing
    with at(AFTER_Q2):
        response = officer.post(
            reverse("evaluation_objection_resolve", args=[objection.pk]),
            {"upheld": "1", "resolution": "Checked on site.", "new_value": "100", "next": "list"},
        )
    assert response["Location"] == reverse("evaluation_objections") and not errors(response)
    objection.refresh_from_db()
    p1.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD and p1.total == 96
    page = client(world.propmgr).get(reverse("evaluation_scorecard", args=[p1.pk])).content
    assert "Checked on site." in page.decode()


def test_the_tenant_sees_only_its_own_scorecards_on_the_portal_and_objects_there(world):
    period = disclosed(world)
    alice = client(world.alice)
    page = alice.get(reverse("portal_evaluation")).content.decode()
    mine, theirs = card(period, world.alice_household), card(period, world.charlie_household)
    assert f'data-testid="my-scorecard-{mine.pk}"' in page
    assert f'data-testid="my-scorecard-{theirs.pk}"' not in page
    assert f'data-testid="portal-objection-form-{mine.pk}"' in page
    with at(AFTER_Q2):
        response = alice.post(
            reverse("portal_evaluation_object", args=[mine.pk]),
            {"score": "", "reasons": "My son moved out in May."},
        )
        assert response.status_code == 302 and not errors(response)
        other = alice.post(reverse("portal_evaluation_object", args=[theirs.pk]), {"reasons": "x"})
    assert other.status_code == 404
    assert mine.objections.get().raised_by == world.alice
    # The staff pages are not for tenants.
    assert alice.get(reverse("evaluation_scorecard", args=[mine.pk])).status_code in (403, 404)


def test_publishing_from_the_page(world):
    import datetime

    period = disclosed(world)
    with at(AFTER_Q2 + datetime.timedelta(days=8)):
        response = client(world.officer).post(
            reverse("evaluation_period_publish", args=[period.pk])
        )
    assert not errors(response)
    period.refresh_from_db()
    assert period.status == PeriodStatus.PUBLISHED
