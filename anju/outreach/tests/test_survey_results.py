"""Survey results on a small hand-made set, checked to the last digit: the response rate
per estate, each question's distribution, the average rating per dimension per estate
(what the evaluation reads) and over all estates, the written answers; then the results
page (only the estates the user sees, never a household, a bounded number of queries)
and its Excel workbook.

The set: E1 has four housed households, three answer (Alice, HH-B, HH-D); E2 has two,
both answer (Charlie, HH-E)."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from anju.outreach.models import Invitation
from anju.outreach.selectors import surveys as sel
from anju.outreach.services import surveys as svc
from anju.outreach.services.survey_answers import survey_answer
from anju.testing.tenancy import housed_household

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")

# Per household: property, safety, a rating without dimension, yes/no, several, text.
ANSWERS = {
    "HH-A": (5, 4, 1, 0, [0, 1], "Fix the north gate"),
    "HH-B": (4, 2, 2, 1, [1], ""),
    "HH-D": (2, 3, 5, 1, [2], ""),
    "HH-C": (3, 5, 3, 0, [2], "More light on the stairs"),
    "HH-E": (2, 4, 4, 0, [0, 1, 2], None),
}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def results(cast):
    for number, estate in (("HH-B", cast.e1), ("HH-D", cast.e1), ("HH-F", cast.e1)):
        housed_household(estate, number, cast.officer)
    housed_household(cast.e2, "HH-E", cast.officer)
    survey = svc.survey_create(
        svc.SurveyInput(
            title="Estate life 2026",
            year=2026,
            estates=[cast.e1, cast.e2],
            opens_on=D(2026, 6, 1),
            closes_on=D(2026, 6, 30),
        ),
        actor=cast.officer,
    )
    add, officer = svc.question_add, cast.officer
    questions = [
        add(survey, actor=officer, kind="rating", text="Property?", dimension="property"),
        add(survey, actor=officer, kind="rating", text="Safety?", dimension="safety"),
        add(survey, actor=officer, kind="rating", text="Noise?"),
        add(survey, actor=officer, kind="single", text="Stay?", options=["yes", "no"]),
        add(survey, actor=officer, kind="multiple", text="Use?", options=["gym", "park", "hall"]),
        add(survey, actor=officer, kind="text", text="Improve?", required=False),
    ]
    with time_machine.travel(datetime.datetime(2026, 6, 2, 9, tzinfo=TZ), tick=False):
        svc.survey_send(survey, actor=officer)
        for number, values in ANSWERS.items():
            invitation = Invitation.objects.get(survey=survey, household__number=number)
            survey_answer(
                invitation,
                answers={q.pk: v for q, v in zip(questions, values, strict=True)},
            )
    return survey


def test_response_rates_per_estate_and_in_all(cast, results):
    rates = sel.response_rates(results, [cast.e1, cast.e2])
    assert [(r.estate, r.invited, r.responded, r.percent) for r in rates] == [
        (cast.e1, 4, 3, Decimal("75.0")),
        (cast.e2, 2, 2, Decimal("100.0")),
        (None, 6, 5, Decimal("83.3")),
    ]


def test_dimension_scores_are_the_exact_averages_per_estate(cast, results):
    assert sel.dimension_scores(results) == {
        cast.e1.pk: {"property": Decimal("3.67"), "safety": Decimal("3.00")},
        cast.e2.pk: {"property": Decimal("2.50"), "safety": Decimal("4.50")},
    }
    assert sel.dimension_scores(results, [cast.e2]) == {
        cast.e2.pk: {"property": Decimal("2.50"), "safety": Decimal("4.50")},
    }
    assert sel.dimension_overall(results) == {
        "property": Decimal("3.20"),
        "safety": Decimal("3.60"),
    }
    table = sel.dimension_table(results, [cast.e1, cast.e2])
    assert [(row.dimension, row.scores, row.overall) for row in table] == [
        ("property", [Decimal("3.67"), Decimal("2.50")], Decimal("3.20")),
        ("safety", [Decimal("3.00"), Decimal("4.50")], Decimal("3.60")),
    ]


def test_each_question_is_counted_per_choice_and_per_rating(cast, results):
    got = {r.question.text: r for r in sel.question_results(results, [cast.e1, cast.e2])}
    assert got["Property?"].bars == [("1", 0), ("2", 2), ("3", 1), ("4", 1), ("5", 1)]
    assert got["Property?"].average == Decimal("3.20") and got["Property?"].answered == 5
    assert got["Noise?"].average == Decimal("3.00")
    assert got["Stay?"].bars == [("yes", 3), ("no", 2)]
    # A several-choice answer counts once for each choice it ticks.
    assert got["Use?"].bars == [("gym", 2), ("park", 3), ("hall", 3)]
    assert got["Use?"].answered == 5
    assert sorted(got["Improve?"].texts) == ["Fix the north gate", "More light on the stairs"]
    assert got["Improve?"].text_count == 2
    only_e1 = {r.question.text: r for r in sel.question_results(results, [cast.e1])}
    assert only_e1["Stay?"].bars == [("yes", 1), ("no", 2)]
    assert only_e1["Improve?"].texts == ["Fix the north gate"]


def test_the_results_page_shows_the_users_estates_and_never_a_household(
    cast, results, client_for, django_assert_max_num_queries
):
    url = reverse("survey_results", args=[results.pk])
    officer = client_for("officer")
    with django_assert_max_num_queries(20):
        page = officer.get(url).content.decode()
    assert "75.0%" in page and "100.0%" in page and "83.3%" in page
    assert "3.67" in page and "4.50" in page and "3.60" in page
    assert "Fix the north gate" in page and 'id="dimension-chart"' in page
    for number in ("HH-A", "HH-B", "HH-C", "HH-D", "HH-E", "王小明", "张查理"):
        assert number not in page
    # The community of E1 sees E1's results only.
    page = client_for("community").get(url).content.decode()
    assert "康居苑" in page and "安泰小区" not in page
    assert "Fix the north gate" in page and "More light on the stairs" not in page
    assert "2.50" not in page  # E2's property average


def test_the_results_export_to_an_excel_workbook(cast, results, client_for):
    response = client_for("officer").get(
        reverse("survey_results", args=[results.pk]) + "?format=xlsx"
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Response rates", "Dimensions", "Questions", "Written answers"]
    rates = [list(r) for r in book["Response rates"].iter_rows(values_only=True)]
    assert rates[1:] == [["康居苑", 4, 3, 75.0], ["安泰小区", 2, 2, 100.0], ["All", 6, 5, 83.3]]
    dims = [list(r) for r in book["Dimensions"].iter_rows(values_only=True)]
    assert dims[1] == ["Property services", 3.67, 2.5, 3.2]
    texts = [r[1] for r in book["Written answers"].iter_rows(min_row=2, values_only=True)]
    assert sorted(texts) == ["Fix the north gate", "More light on the stairs"]
    everything = " ".join(
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
    )
    assert "HH-" not in everything
