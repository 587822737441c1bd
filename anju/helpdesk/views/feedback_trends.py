"""The feedback reports: rising topics by estate for a month (flexible feedback), and
feedback by topic and organisation over a span of months. Each is a chart, a table and
an Excel file (?format=xlsx, for those who may export), over the feedback the user sees."""

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.export import xlsx_response
from anju.core.roles import Perm

from ..forms.feedback import ReportForm, TrendsForm
from ..selectors.feedback_trends import feedback_by_topic_and_organisation, rising_topics

CHART_ROWS = 15  # groups drawn; the table has them all


def _wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx" and request.user.can(Perm.EXPORT)


def _blank(value):
    return "" if value is None else value


def _number(value):
    return None if value is None else float(value)


@staff_view(Perm.HELPDESK_VIEW)
def feedback_trends(request):
    form = TrendsForm(request.GET or None)
    values = form.values()
    trends = rising_topics(request.user, **values)
    if _wants_xlsx(request):
        return xlsx_response(
            f"feedback-trends-{trends.month:%Y-%m}.xlsx",
            [
                _("Estate"),
                _("Topic"),
                _("This month"),
                _("Monthly average before"),
                _("Times the average"),
                _("Rising"),
                _("Examples"),
            ],
            (
                [
                    row.estate.name if row.estate else _("All estates"),
                    row.topic_label,
                    row.count,
                    float(row.average),
                    "" if row.ratio is None else float(row.ratio),
                    _("yes") if row.rising else "",
                    "\n".join(row.samples),
                ]
                for row in [*trends.by_estate, *trends.by_topic]
            ),
        )
    drawn = trends.rising[:CHART_ROWS] or trends.by_estate[:CHART_ROWS]
    chart = {
        "labels": [f"{row.estate.name if row.estate else ''} · {row.topic_label}" for row in drawn],
        "count": [row.count for row in drawn],
        "average": [float(row.average) for row in drawn],
        "names": {"count": _("This month"), "average": _("Monthly average before")},
    }
    return render(
        request,
        "helpdesk/feedback/trends.html",
        {"form": form, "trends": trends, "chart": chart},
    )


@staff_view(Perm.HELPDESK_VIEW)
def feedback_report(request):
    form = ReportForm(request.GET or None)
    report = feedback_by_topic_and_organisation(request.user, **form.values())
    if _wants_xlsx(request):
        return xlsx_response(
            f"feedback-by-organisation-{report.start:%Y-%m}-{report.end:%Y-%m}.xlsx",
            [
                _("Organisation"),
                _("Topic"),
                _("Feedback"),
                _("Acknowledged in time (%)"),
                _("Answered in time (%)"),
                _("Average rating"),
                _("Ratings"),
                _("Escalated"),
                _("Escalations"),
            ],
            (
                [
                    row.organisation.name or _("All organisations"),
                    row.topic_label or _("All topics"),
                    row.count,
                    _blank(row.acknowledged_rate),
                    _blank(row.answered_rate),
                    _blank(row.average_rating),
                    row.rated,
                    row.escalated,
                    row.escalations,
                ]
                for row in [*report.rows, *report.organisations, report.total]
            ),
        )
    orgs = report.organisations[:CHART_ROWS]
    chart = {
        "labels": [row.organisation.name for row in orgs],
        "count": [row.count for row in orgs],
        "escalated": [row.escalated for row in orgs],
        "acknowledged": [_number(row.acknowledged_rate) for row in orgs],
        "answered": [_number(row.answered_rate) for row in orgs],
        "names": {
            "count": _("Feedback"),
            "escalated": _("Escalated"),
            "acknowledged": _("Acknowledged in time (%)"),
            "answered": _("Answered in time (%)"),
        },
    }
    return render(
        request,
        "helpdesk/feedback/report.html",
        {"form": form, "report": report, "chart": chart},
    )


urlpatterns = [
    path("helpdesk/feedback/trends/", feedback_trends, name="feedback_trends"),
    path("helpdesk/feedback/report/", feedback_report, name="feedback_report"),
]
