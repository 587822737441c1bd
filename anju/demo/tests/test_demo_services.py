"""The demo's repairs, feedback, notices, activities and surveys (anju.demo.helpdesk
and anju.demo.outreach), on a small district: a year of orders and feedback with some
overdue, escalated and reopened, deadlines as the engine computes them, the planted
rising topic, notices with read confirmations, activities held and coming, and the
yearly survey finished; running it again adds nothing."""

import datetime

import pytest
from django.db.models import Count, F
from django.utils import timezone

from anju.core.models import User
from anju.demo import district
from anju.demo.helpdesk import generate as generate_helpdesk
from anju.demo.outreach import generate as generate_outreach
from anju.helpdesk.models import (
    Feedback,
    FeedbackStatus,
    FeedbackStepKind,
    FeedbackTopic,
    WorkOrder,
    WorkOrderStatus,
)
from anju.helpdesk.selectors.feedback_trends import rising_topics
from anju.helpdesk.services import sla
from anju.helpdesk.services.feedback_clock import overdue_unescalated
from anju.helpdesk.services.workorder_sweeps import workorders_escalate
from anju.outreach.models import Activity, ActivityStatus, NoticeRead, Survey, SurveyStatus
from anju.outreach.selectors.surveys import dimension_scores
from anju.supervision.models import GoodConductCredit
from anju.tenancy.models import Bill, BillKind
from anju.testing.shared_world import shared_world


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    def build():
        return district.generate(
            units=300, seed=8, admission=False, tenancy=False, supervision=False, exits=False
        )

    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def demo(demo_once, db):
    return demo_once


def test_a_year_of_orders_with_some_overdue_escalated_and_reopened(demo):
    orders = WorkOrder.objects.all()
    assert orders.count() == demo.counts["work_orders"] >= 250
    first = orders.order_by("reported_at").first().reported_at
    assert timezone.now() - first > datetime.timedelta(days=300)
    statuses = dict(orders.values_list("status").annotate(n=Count("id")))
    assert statuses[WorkOrderStatus.CLOSED] > 0.8 * orders.count()
    assert orders.filter(escalation__gt=0).exists()
    assert orders.filter(reopen_count__gt=0).exists()
    assert orders.filter(closed_automatically=True).exists()
    assert orders.filter(rating__isnull=False).exists()
    assert orders.filter(done_at__gt=F("complete_by")).exists()  # done late
    assert Bill.objects.filter(kind=BillKind.REPAIR).count() == demo.counts["repair_bills"] > 0


def test_each_trail_is_its_orders_own(demo):
    from anju.helpdesk.models import StepKind, WorkOrderStep

    reported = dict(
        WorkOrderStep.objects.filter(kind=StepKind.REPORTED).values_list("order_id", "at")
    )
    for order in WorkOrder.objects.only("pk", "reported_at", "done_at"):
        assert reported[order.pk] == order.reported_at
        steps = list(order.steps.values_list("at", flat=True))
        assert steps[0] == order.reported_at  # nothing before its report
        if order.done_at:
            assert order.steps.filter(kind=StepKind.DONE).latest("at").at == order.done_at


def test_the_deadlines_are_the_engines(demo):
    for order in WorkOrder.objects.select_related("repair_class", "estate").order_by("pk")[:40]:
        clock = sla.clock_for(order.repair_class, order.estate, order.urgency, order.reported_at)
        assert (order.respond_by, order.complete_by) == (clock.respond_by, clock.complete_by)


def test_the_sweeps_find_the_history_already_escalated(demo):
    # The demo wrote its escalations as the sweeps would have: running them now only
    # takes up what is overdue and not yet escalated, never the closed history.
    before = set(WorkOrder.objects.filter(escalation__gt=0).values_list("pk", flat=True))
    workorders_escalate()
    after = WorkOrder.objects.filter(escalation__gt=0).exclude(pk__in=before)
    assert all(o.status not in (WorkOrderStatus.CLOSED, WorkOrderStatus.DONE) for o in after)
    assert not overdue_unescalated(timezone.now()).filter(status=FeedbackStatus.CLOSED)


def test_feedback_on_many_topics_some_escalated_and_the_rising_topic_planted(demo):
    feedback = Feedback.objects.all()
    assert feedback.count() == demo.counts["feedback"] > 50
    assert feedback.values("topic").distinct().count() >= 8
    assert feedback.filter(level__gt=0, steps__kind=FeedbackStepKind.ESCALATED).exists()
    assert feedback.filter(anonymous=True, contact_name="", contact_masked="").exists()
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    trends = rising_topics(User.objects.get(username="officer"), month=last_month)
    assert FeedbackTopic.ACCESSIBILITY in {row.topic for row in trends.rising}


def test_notices_activities_and_a_finished_survey(demo):
    assert demo.counts["notices"] >= 6
    assert NoticeRead.objects.count() > 0
    assert Activity.objects.filter(status=ActivityStatus.HELD).count() == 2
    assert Activity.objects.filter(status=ActivityStatus.CANCELLED).count() == 1
    assert Activity.objects.filter(starts_at__gt=timezone.now()).count() >= 3
    credits = GoodConductCredit.objects.filter(source_key__startswith="activity:")
    assert credits.count() == demo.counts["volunteer_credits"] > 0
    finished = Survey.objects.get(status=SurveyStatus.CLOSED)
    assert finished.closes_on < timezone.localdate()
    assert finished.responses.count() == demo.counts["survey_responses"] > 0
    scores = dimension_scores(finished)
    assert scores and all(1 <= v <= 5 for dims in scores.values() for v in dims.values())
    assert Survey.objects.filter(status=SurveyStatus.OPEN).count() == 1


def test_running_the_demo_again_adds_nothing(demo):
    said = []
    assert generate_helpdesk(seed=8, say=said.append) == {}
    assert generate_outreach(seed=8, say=said.append) == {}
    assert all("skipped" in line for line in said)
