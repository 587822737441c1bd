"""The periodic runs: the escalation chain (the property company's managers, then the
estate's operator) with its messages to the right people and none twice; deferred
orders taken up on their date; done orders closing by themselves without a rating."""

import datetime

import time_machine
from django.test import override_settings

from anju.core.models import AuditEntry, Message, MessageChannel, TimelineEntry
from anju.helpdesk.models import Escalation, StepKind, WorkOrder, WorkOrderStatus
from anju.helpdesk.services import workorder_answers as answers
from anju.helpdesk.services import workorders as svc
from anju.helpdesk.services.workorder_sweeps import (
    workorders_autoclose,
    workorders_daily,
    workorders_escalate,
    workorders_resume_due,
)
from anju.helpdesk.tasks import workorders as tasks

from . import test_workorders as base
from .test_workorders import THURSDAY, assigned, at, finished, report

# The fixtures of the work-order tests: the cast with P2's staff, frozen time, English.
w, frozen, english = base.w, base.frozen, base.english

S = WorkOrderStatus


def escalated_to(user):
    return Message.objects.filter(template="workorder.escalated", user=user)


@override_settings(ANJU_REPAIR_ESCALATE_HOURS=24)
def test_an_overdue_order_goes_to_the_managers_then_to_the_operator(
    w, frozen, django_capture_on_commit_callbacks
):
    order = report(w)  # nobody responds by Friday 6 March 10:00
    frozen.move_to("2026-03-06 09:59 +08:00")
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders_escalate() == {"managers": 0, "operators": 0}
    frozen.move_to("2026-03-06 10:15 +08:00")
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders_escalate()["managers"] == 1
    order.refresh_from_db()
    assert order.escalation == Escalation.MANAGER and order.escalated_at == at(
        "2026-03-06", "10:15"
    )
    # P1's manager hears of it, in the app; not the repairer, not P2's manager, not
    # the operator yet.
    message = escalated_to(w.propmgr).get()
    assert message.channel == MessageChannel.IN_APP and order.number in message.body
    assert not Message.objects.filter(user__in=[w.repairer, w.propmgr2, w.operator]).exists()
    # Run again: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders_escalate() == {"managers": 0, "operators": 0}
    assert Message.objects.filter(template="workorder.escalated").count() == 1
    assert order.steps.filter(kind=StepKind.ESCALATED).count() == 1
    # Still overdue a day later: the operator's clerks.
    frozen.move_to("2026-03-07 10:14 +08:00")
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders_escalate()["operators"] == 0
    frozen.move_to("2026-03-07 10:15 +08:00")
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders_escalate()["operators"] == 1
        assert workorders_escalate()["operators"] == 0
    order.refresh_from_db()
    assert order.escalation == Escalation.OPERATOR
    assert escalated_to(w.operator).count() == 1
    assert escalated_to(w.propmgr).count() == 1
    assert order.steps.filter(kind=StepKind.ESCALATED).count() == 2
    assert AuditEntry.objects.filter(action="workorder.escalate").count() == 2


def test_each_company_s_orders_go_to_its_own_managers(
    w, frozen, django_capture_on_commit_callbacks
):
    report(w)
    report(w, unit=w.cast.unit_c)
    frozen.move_to("2026-03-07 10:00 +08:00")
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders_escalate()["managers"] == 2
    assert escalated_to(w.propmgr).count() == 1
    assert escalated_to(w.propmgr2).count() == 1


def test_a_responded_order_escalates_when_it_is_not_done_in_time(
    w, frozen, django_capture_on_commit_callbacks
):
    order = assigned(w)  # responded at once; complete by Tuesday 10 March 10:00
    frozen.move_to("2026-03-10 09:00 +08:00")
    assert workorders_escalate()["managers"] == 0
    frozen.move_to("2026-03-10 11:00 +08:00")
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders_escalate()["managers"] == 1
    # Messages are written in Chinese, the district's language; the deadline is in it.
    assert "2026-03-10 10:00未完成" in escalated_to(w.propmgr).get().body
    assert WorkOrder.objects.get(pk=order.pk).escalation == 1


def test_a_deferred_or_finished_order_does_not_escalate(w, frozen):
    deferred = svc.workorder_defer(
        report(w), actor=w.operator, until=datetime.date(2026, 3, 20), reason="住户外出"
    )
    done = finished(w)
    frozen.move_to("2026-03-19 10:00 +08:00")
    assert workorders_escalate() == {"managers": 0, "operators": 0}
    assert not WorkOrder.objects.filter(pk__in=[deferred.pk, done.pk], escalation__gt=0).exists()


@override_settings(ANJU_REPAIR_REOPEN_DAYS=7)
def test_a_reopened_order_is_escalated_afresh(w, frozen, django_capture_on_commit_callbacks):
    order = finished(w)
    frozen.move_to("2026-03-06 10:00 +08:00")
    order = answers.workorder_reopen(order, actor=w.alice, reason="还漏")
    frozen.move_to("2026-03-12 10:00 +08:00")  # past the fresh completion deadline
    with django_capture_on_commit_callbacks(execute=True):
        assert workorders_escalate()["managers"] == 1
    assert escalated_to(w.propmgr).count() == 1
    assert Message.objects.get(template="workorder.escalated").key.endswith(
        f"r1:esc1:u{w.propmgr.pk}"
    )


# --- The daily run ----------------------------------------------------------------------------


def test_a_deferred_order_is_taken_up_on_its_date_with_its_clock_moved_on(w, frozen):
    order = assigned(w)  # complete by Tuesday 10 March 10:00
    order = svc.workorder_defer(
        order, actor=w.operator, until=datetime.date(2026, 3, 11), reason="等配件"
    )
    frozen.move_to("2026-03-10 23:59 +08:00")
    assert workorders_resume_due() == 0
    # The run at 00:05 on the 11th; the pause ends at the start of the day: it covered
    # Friday 6, Monday 9, Tuesday 10 and Wednesday 11, four working days.
    frozen.move_to("2026-03-11 00:05 +08:00")
    assert workorders_resume_due() == 1
    order.refresh_from_db()
    assert order.status == S.ASSIGNED and order.defer_until is None
    assert order.complete_by == at("2026-03-16")
    assert order.steps.filter(kind=StepKind.RESUMED).get().actor is None
    assert TimelineEntry.objects.filter(verb="workorder.autoresumed").count() == 1
    assert AuditEntry.objects.filter(action="workorder.autoresume").count() == 1
    assert workorders_resume_due() == 0


def test_a_late_run_adds_no_time_to_the_pause(w, frozen):
    order = svc.workorder_defer(
        assigned(w), actor=w.operator, until=datetime.date(2026, 3, 11), reason="等配件"
    )
    frozen.move_to("2026-03-12 15:00 +08:00")  # the run was missed for a day and a half
    workorders_resume_due()
    order.refresh_from_db()
    assert order.complete_by == at("2026-03-16")


@override_settings(ANJU_REPAIR_AUTOCLOSE_DAYS=7)
def test_done_orders_nobody_rates_close_by_themselves_after_the_quiet_days(w, frozen):
    quiet = finished(w)
    frozen.move_to("2026-03-08 10:00 +08:00")
    recent = finished(w)
    rated = answers.workorder_confirm(finished(w), actor=w.alice, rating=5)
    frozen.move_to("2026-03-12 10:00 +08:00")
    assert workorders_autoclose() == 1
    quiet.refresh_from_db()
    assert quiet.status == S.CLOSED and quiet.closed_automatically
    assert quiet.closed_at == at("2026-03-12") and quiet.rating is None
    assert quiet.steps.filter(kind=StepKind.CLOSED).count() == 1
    assert WorkOrder.objects.get(pk=recent.pk).status == S.DONE
    assert WorkOrder.objects.get(pk=rated.pk).closed_automatically is False
    assert TimelineEntry.objects.filter(verb="workorder.closed").count() == 1
    assert AuditEntry.objects.filter(action="workorder.autoclose").count() == 1
    assert workorders_autoclose() == 0
    assert AuditEntry.objects.filter(action="workorder.autoclose").count() == 1


def test_the_periodic_tasks_call_the_services(w):
    with time_machine.travel(THURSDAY, tick=False):
        report(w)
    with time_machine.travel("2026-03-07 10:00 +08:00", tick=False):
        assert tasks.workorders_escalate_task.call_local() == {"managers": 1, "operators": 0}
        assert tasks.workorders_daily_task.call_local() == {"resumed": 0, "closed": 0}
        assert workorders_daily() == {"resumed": 0, "closed": 0}
