"""The feedback reports on small hand-made sets: rising topics by estate for a month
against the three months before it (with the texts to read), and feedback by topic and
organisation (in-time shares, average rating, escalations), counted against the
organisation it was routed or passed on to."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from anju.helpdesk.selectors.feedback_trends import (
    feedback_by_topic_and_organisation,
    rising_topics,
)
from anju.helpdesk.services import feedback_clock as clock
from anju.helpdesk.services import feedback_flow as flow
from anju.helpdesk.services.feedback import feedback_submit

pytestmark = pytest.mark.django_db

APRIL = datetime.date(2026, 4, 1)


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


def at(moment: str):
    return time_machine.travel(datetime.datetime.fromisoformat(moment), tick=False)


def give(cast, day: str, topic: str, estate: str | None, text: str = "", *, channel="staff"):
    with at(f"{day}T10:00:00+08:00"):
        return feedback_submit(
            channel=channel,
            actor=cast.officer if channel == "staff" else cast.alice,
            kind="suggestion",
            topic=topic,
            text=text or f"{topic} on {day}",
            estate=getattr(cast, estate) if estate else None,
        )


@pytest.fixture
def months(cast):
    """April against January to March, in two estates and without one."""
    for n, day in enumerate(["2026-04-03", "2026-04-09", "2026-04-16", "2026-04-28"], 1):
        give(cast, day, "accessibility", "e1", f"Please a lower floor for my mother ({n}).")
    give(cast, "2026-02-10", "accessibility", "e1")
    for day in ["2026-04-02", "2026-04-12", "2026-04-30"]:
        give(cast, day, "repairs", "e1")
    for day in ["2026-01-05", "2026-01-25", "2026-02-05", "2026-02-25", "2026-03-05", "2026-03-25"]:
        give(cast, day, "repairs", "e1")
    for day in ["2026-04-06", "2026-04-07", "2026-04-08"]:
        give(cast, day, "rent", "e2")
    for month in ("01", "02", "03"):
        for day in ("06", "07", "08"):
            give(cast, f"2026-{month}-{day}", "rent", "e2")
    give(cast, "2026-04-10", "neighbours", "e1")
    give(cast, "2026-04-11", "neighbours", "e1")
    for day in ["2026-04-13", "2026-04-14", "2026-04-15"]:
        give(cast, day, "policy", None)
    # Outside the window: not counted.
    give(cast, "2026-05-01", "accessibility", "e1")
    give(cast, "2025-12-20", "repairs", "e1")


def table(rows):
    return {
        (row.estate.code if row.estate else None, row.topic): (row.count, row.before, row.rising)
        for row in rows
    }


def test_rising_topics_compare_the_month_with_the_average_of_the_three_before(cast, months):
    trends = rising_topics(cast.officer, month=datetime.date(2026, 4, 17))
    assert trends.month == APRIL
    assert table(trends.by_estate) == {
        ("E1", "accessibility"): (4, 1, True),
        ("E1", "repairs"): (3, 6, True),  # exactly 1.5 × the average of 2
        ("E2", "rent"): (3, 9, False),  # as many as before
        ("E1", "neighbours"): (2, 0, False),  # too few to tell
    }
    # The rising first, the most first.
    assert [(r.estate.code, r.topic) for r in trends.rising] == [
        ("E1", "accessibility"),
        ("E1", "repairs"),
    ]
    accessibility = trends.rising[0]
    assert accessibility.average == Decimal("0.3")
    assert accessibility.samples == [
        "Please a lower floor for my mother (4).",
        "Please a lower floor for my mother (3).",
        "Please a lower floor for my mother (2).",
    ]
    assert trends.by_estate[2].samples == []  # texts only for the rising
    # The district by topic counts the feedback that named no estate as well.
    assert table(trends.by_topic)[(None, "policy")] == (3, 0, True)
    assert table(trends.by_topic)[(None, "rent")] == (3, 9, False)


def test_the_thresholds_are_the_authoritys_choice_and_the_scope_the_users(cast, months):
    stricter = rising_topics(cast.officer, month=APRIL, min_count=4, factor=Decimal("2"))
    assert [(r.estate.code, r.topic) for r in stricter.rising] == [("E1", "accessibility")]
    # The community sees its own estate only; feedback without an estate is the authority's.
    seen = rising_topics(cast.community, month=APRIL)
    assert {row.estate.code for row in seen.by_estate} == {"E1"}
    assert (None, "policy") not in table(seen.by_topic)


def test_the_trends_page_draws_lists_and_exports(cast, months, client_for):
    client = client_for("officer")
    response = client.get(reverse("feedback_trends"), {"month": "2026-04"})
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('data-rising="1"') == 2
    assert "Please a lower floor for my mother (4)." in text
    assert response.context["chart"]["count"] == [4, 3]
    export = client.get(reverse("feedback_trends"), {"month": "2026-04", "format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


# --- By topic and organisation ----------------------------------------------------------------


@pytest.fixture
def may(cast):
    """Five in May: the community's first in time and rated 4, its second late and rated
    2, its third ignored (escalated twice); the operator's answered at once; one passed
    on by the community to the property company, which answered in time."""
    on_time = give(cast, "2026-05-12", "neighbours", "e1", channel="portal")
    late = give(cast, "2026-05-12", "neighbours", "e1", channel="portal")
    ignored = give(cast, "2026-05-12", "neighbours", "e1")
    rent = give(cast, "2026-05-12", "rent", "e1")
    wrong = give(cast, "2026-05-12", "neighbours", "e1")
    with at("2026-05-12T11:00:00+08:00"):
        flow.feedback_acknowledge(on_time, actor=cast.community)
        flow.feedback_answer(rent, actor=cast.operator, answer="Paid up.")
        flow.feedback_pass_on(wrong, actor=cast.community, to=cast.property_1, reason="Lamps.")
        flow.feedback_answer(wrong, actor=cast.propmgr, answer="Lamp replaced.")
    with at("2026-05-13T09:00:00+08:00"):
        flow.feedback_answer(on_time, actor=cast.community, answer="Spoken to.")
        flow.feedback_rate(on_time, rating=4, actor=cast.alice)
    with at("2026-05-13T11:00:00+08:00"):
        flow.feedback_acknowledge(late, actor=cast.community)
    with at("2026-05-20T09:00:00+08:00"):
        flow.feedback_answer(late, actor=cast.community, answer="Sorry for the wait.")
        flow.feedback_rate(late, rating=2, actor=cast.alice)
        assert clock.feedback_escalate_overdue() == 2  # the ignored one, twice
    return ignored


def rows_of(report):
    return {
        (row.organisation.code, row.topic): (
            row.count,
            row.acknowledged_rate,
            row.answered_rate,
            row.average_rating,
            row.escalated,
            row.escalations,
        )
        for row in report.rows
    }


def test_feedback_counts_against_the_organisation_it_was_routed_to(cast, may):
    may.refresh_from_db()
    assert may.organisation == cast.authority  # escalated there, counted at the community
    now = datetime.datetime.fromisoformat("2026-05-20T10:00:00+08:00")
    report = feedback_by_topic_and_organisation(
        cast.officer, start=datetime.date(2026, 5, 1), end=datetime.date(2026, 5, 31), now=now
    )
    third = Decimal("33.3")
    assert rows_of(report) == {
        ("CA", "neighbours"): (3, third, third, Decimal("3.0"), 1, 2),
        ("O1", "rent"): (1, Decimal("100.0"), Decimal("100.0"), None, 0, 0),
        ("P1", "neighbours"): (1, Decimal("100.0"), Decimal("100.0"), None, 0, 0),
    }
    assert [row.organisation.code for row in report.organisations] == ["CA", "O1", "P1"]
    assert report.total.count == 5 and report.total.acknowledged_rate == Decimal("60.0")
    assert report.total.average_rating == Decimal("3.0")
    # April holds none of it.
    april = feedback_by_topic_and_organisation(cast.officer, start=APRIL, end=APRIL, now=now)
    assert april.rows == [] and april.total.count == 0


def test_the_report_page_charts_and_exports(cast, may, client_for):
    client = client_for("officer")
    response = client.get(reverse("feedback_report"), {"start": "2026-05", "end": "2026-05"})
    assert response.status_code == 200
    assert response.context["chart"]["count"] == [3, 1, 1]
    assert 'data-testid="report-total">5<' in response.content.decode()
    export = client.get(
        reverse("feedback_report"), {"start": "2026-05", "end": "2026-05", "format": "xlsx"}
    )
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    refused = client.get(reverse("feedback_report"), {"start": "2026-06", "end": "2026-05"})
    assert "The first month comes after the last." in refused.content.decode()
