"""A survey's results (Perm.OUTREACH_VIEW): the response rate per estate, the average
rating per dimension per estate (what the evaluation reads) as a chart and a table,
each question's answers as a bar chart, and the written answers; in an Excel workbook
with ?format=xlsx (Perm.EXPORT as well). Only the survey's estates the user sees; no
household is ever named."""

import io
import re

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from openpyxl import Workbook

from anju.core.access import staff_view
from anju.core.export import XLSX
from anju.core.roles import Perm

from ..models import QuestionKind
from ..selectors import surveys as selectors


def _chart(results, dimensions, estates) -> dict:
    """What the charts draw, as JSON; the tables on the page hold the same numbers."""
    return {
        "questions": [
            {
                "id": r.question.pk,
                "labels": [b[0] for b in r.bars],
                "counts": [b[1] for b in r.bars],
            }
            for r in results
            if r.bars
        ],
        "dimensions": {
            "labels": [row.label for row in dimensions],
            "series": [
                {
                    "name": e.name,
                    "scores": [
                        None if row.scores[i] is None else float(row.scores[i])
                        for row in dimensions
                    ],
                }
                for i, e in enumerate(estates)
            ],
        },
        "answers": _("Answers"),
        "average": _("Average rating"),
    }


@staff_view(Perm.OUTREACH_VIEW, find=selectors.survey_for_user)
def survey_results(request, survey, pk):
    estates = selectors.estates_seen(request.user, survey)
    rates = selectors.response_rates(survey, estates)
    results = selectors.question_results(survey, estates)
    dimensions = selectors.dimension_table(survey, estates)
    may_export = request.user.can(Perm.EXPORT)
    if request.GET.get("format") == "xlsx" and may_export:
        return _xlsx(survey, estates, rates, results, dimensions)
    return render(
        request,
        "outreach/surveys/results.html",
        {
            "survey": survey,
            "estates": estates,
            "rates": rates[:-1],
            "total": rates[-1],
            "results": results,
            "dimensions": dimensions,
            "chart": _chart(results, dimensions, estates),
            "may_export": may_export,
        },
    )


def _xlsx(survey, estates, rates, results, dimensions) -> HttpResponse:
    """One sheet each: response rates, dimensions by estate, every question's answers
    counted, and the written answers."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("Response rates")[:31])
    sheet.append([_("Estate"), _("Households asked"), _("Responses"), _("Response rate (%)")])
    for r in rates:
        name = r.estate.name if r.estate else _("All")
        sheet.append([name, r.invited, r.responded, _number(r.percent)])
    sheet = wb.create_sheet(_("Dimensions")[:31])
    sheet.append([_("Measures"), *(e.name for e in estates), _("All")])
    for row in dimensions:
        sheet.append([row.label, *(_number(s) for s in row.scores), _number(row.overall)])
    sheet = wb.create_sheet(_("Questions")[:31])
    sheet.append([_("No."), _("Question"), _("Type"), _("Answer"), _("Count"), _("Average")])
    for n, r in enumerate(results, 1):
        q = r.question
        if q.kind == QuestionKind.TEXT:
            sheet.append([n, q.text, q.get_kind_display(), _("Written answers"), r.text_count, ""])
            continue
        for label, count in r.bars:
            sheet.append([n, q.text, q.get_kind_display(), label, count, _number(r.average)])
    sheet = wb.create_sheet(_("Written answers")[:31])
    sheet.append([_("Question"), _("Answer")])
    for question, text in selectors.all_texts(survey, estates):
        sheet.append([question, text])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = re.sub(r"[^A-Za-z0-9_-]", "", f"survey-{survey.pk}-{survey.year}")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _number(value):
    return "" if value is None else float(value)


urlpatterns = [
    path("outreach/surveys/<int:pk>/results/", survey_results, name="survey_results"),
]
