"""The tenant-points pages: a household's standing with its record, void and credit
forms, the misdeeds catalogue and its edit page, the termination review list, and the
four answers; bad input shows a clear error and writes nothing."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anju.supervision.models import EntryKind, GoodConductCredit, PointEntry, PointRule
from anju.supervision.services.points import points_record
from anju.testing.admission import make_ruleset

D = datetime.date


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def at(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def login(cast, username):
    client = Client()
    client.force_login(cast.users[username])
    return client


def said(response):
    """The message the request added (earlier ones wait in the session until shown)."""
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)][-1:]


def give(cast, code, on, household=None):
    return points_record(
        household or cast.alice_household,
        actor=cast.officer,
        rule=PointRule.objects.get(code=code),
        occurred_on=on,
    )


def test_misdeeds_and_credit_are_recorded_and_voided_from_the_household_page(cast, rules):
    household = cast.alice_household
    url = reverse("household_points", args=[household.pk])
    noise = PointRule.objects.get(code="noise")
    with at(D(2026, 6, 1)):
        client = login(cast, "operator")
        page = client.get(url)
        assert page.status_code == 200 and 'data-testid="record-form"' in page.content.decode()
        record = reverse("points_record", args=[household.pk])
        first = client.post(
            record, {"rule": noise.pk, "occurred_on": "2026-05-30", "details": "Party at 2am"}
        )
        assert said(first) == [
            (
                "success",
                "A written warning is recorded: a repeat before 2028-05-30 scores 7 points.",
            )
        ]
        second = client.post(record, {"rule": noise.pk, "occurred_on": "2026-05-31"})
        assert said(second) == [
            ("success", "7 points recorded; the household holds 7 valid points.")
        ]
        client.post(
            reverse("credit_record", args=[household.pk]),
            {"kind": "volunteering", "amount": "4.5", "occurred_on": "2026-05-20"},
        )
        text = client.get(url).content.decode()
        assert "Party at 2am" in text and "Barred while points are held" in text
        assert 'data-testid="credit-total">4.5<' in text
        entry = PointEntry.objects.get(kind=EntryKind.POINTS)
        voided = client.post(reverse("points_void", args=[entry.pk]), {"reason": "Wrong flat."})
        assert voided["Location"] == url
    entry.refresh_from_db()
    assert entry.void_reason == "Wrong flat."
    assert GoodConductCredit.objects.get().amount == 4.5


def test_bad_input_shows_a_clear_error_and_writes_nothing(cast, rules):
    household = cast.alice_household
    with at(D(2026, 6, 1)):
        client = login(cast, "operator")
        response = client.post(
            reverse("points_record", args=[household.pk]),
            {"rule": PointRule.objects.get(code="littering").pk, "occurred_on": "2026-06-05"},
        )
        assert said(response) == [("error", "A misdeed cannot be recorded before it happens.")]
        response = client.post(reverse("points_record", args=[household.pk]), {"rule": ""})
        assert said(response)[0][0] == "error"
        response = client.post(
            reverse("credit_record", args=[household.pk]),
            {"kind": "volunteering", "amount": "0", "occurred_on": "2026-05-20"},
        )
        assert said(response)[0][0] == "error"
        entry = give(cast, "littering", D(2026, 5, 1))
        response = client.post(reverse("points_void", args=[entry.pk]), {"reason": ""})
        assert said(response) == [("error", "Give the reason for voiding.")]
    assert PointEntry.objects.count() == 1 and not GoodConductCredit.objects.exists()
    entry.refresh_from_db()
    assert entry.voided_at is None


def test_outsiders_get_404_readers_403_and_wrong_methods_405(cast, rules, client_for):
    with at(D(2026, 6, 1)):
        theirs = give(cast, "littering", D(2026, 5, 1), household=cast.charlie_household)
    charlie_page = reverse("household_points", args=[cast.charlie_household.pk])
    assert client_for("operator").get(charlie_page).status_code == 404
    assert client_for("auditor").get(charlie_page).status_code == 200
    void = reverse("points_void", args=[theirs.pk])
    assert client_for("operator").post(void, {"reason": "x"}).status_code == 404
    alice = cast.alice_household.pk
    assert client_for("auditor").post(reverse("points_record", args=[alice]), {}).status_code == 403
    assert client_for("community").post(reverse("credit_record", args=[alice])).status_code == 403
    assert client_for("officer").get(reverse("points_record", args=[alice])).status_code == 405
    assert client_for("alice").get(reverse("household_points", args=[alice])).status_code == 404


def test_the_catalogue_is_edited_by_the_authority_with_its_source(cast, rules, client_for):
    rule = PointRule.objects.get(code="littering")
    page = client_for("auditor").get(reverse("point_rule_list")).content.decode()
    assert "乱抛垃圾" in page and "Edit" not in page
    edit = reverse("point_rule_edit", args=[rule.pk])
    assert client_for("operator").get(edit).status_code == 403
    officer = client_for("officer")
    response = officer.post(edit, {"name": "乱抛垃圾", "points": "5", "active": "on", "source": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = officer.post(
        edit,
        {"name": "乱抛垃圾", "points": "5", "active": "on", "source": "长住建〔2026〕9号"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points, rule.warning_first, rule.source) == (5, False, "长住建〔2026〕9号")


def test_the_review_list_shows_households_at_the_mark_in_scope(cast, rules):
    with at(D(2026, 6, 1)):
        for household in (cast.alice_household, cast.charlie_household):
            give(cast, "illegal_use", D(2026, 5, 1), household=household)
        give(cast, "littering", D(2026, 5, 2))  # Alice: 22; Charlie: 15
        give(cast, "smoking_public", D(2026, 5, 3), household=cast.charlie_household)  # 20
        officer = login(cast, "officer").get(reverse("points_review_list")).content.decode()
        community = login(cast, "community").get(reverse("points_review_list")).content.decode()
        alice_page = login(cast, "officer").get(
            reverse("household_points", args=[cast.alice_household.pk])
        )
    assert "HH-A" in officer and "HH-C" in officer
    assert officer.index("HH-A") < officer.index("HH-C")  # most points first
    assert "HH-A" in community and "HH-C" not in community
    assert 'data-testid="on-review"' in alice_page.content.decode()
