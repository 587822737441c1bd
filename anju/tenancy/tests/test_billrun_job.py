"""The bill run as a background job and on its schedule: an operator clerk's run bills
only the estates they work for, the authority's the whole district; the job's body and
the periodic task's body are called directly."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse

from anju.core.errors import DomainError
from anju.core.models import JobRun, JobStatus
from anju.core.schedule import local_crontab
from anju.tenancy.models import Bill, BillRun
from anju.tenancy.services.billrun_jobs import billrun_job_run, billrun_job_start
from anju.tenancy.services.payments import payment_record
from anju.tenancy.tasks.billing import monthly_bill_run_task

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2025-04-10 09:00 +08:00", tick=False):
        yield


def estates_billed():
    return set(Bill.objects.values_list("estate__code", flat=True))


def test_an_operator_clerks_run_bills_only_the_estates_they_work_for(cast):
    job = billrun_job_start(actor=cast.operator, month=D(2025, 3, 15))
    assert job.params["month"] == "2025-03-01"
    assert job.params["estates"] == [cast.e1.pk]

    done = billrun_job_run(job.pk)

    assert done.status == JobStatus.DONE, done.message
    assert estates_billed() == {"E1"}
    run = BillRun.objects.get()
    assert (run.period, run.created, run.created_by, run.job) == (
        D(2025, 3, 1),
        1,
        cast.operator,
        job,
    )
    assert done.result["next_url"] == reverse("billrun_detail", args=[run.pk])
    assert done.done == done.total >= 1


def test_the_authoritys_run_bills_the_whole_district(cast):
    job = billrun_job_start(actor=cast.officer, month=D(2025, 3, 1))
    assert job.params["estates"] is None
    billrun_job_run(job.pk)
    assert estates_billed() == {"E1", "E2"}


def test_a_finished_job_run_again_does_nothing(cast):
    job = billrun_job_start(actor=cast.officer, month=D(2025, 3, 1))
    billrun_job_run(job.pk)
    billrun_job_run(job.pk)
    assert BillRun.objects.count() == 1


def test_a_second_run_of_the_month_creates_nothing_and_says_so(cast):
    first = billrun_job_run(billrun_job_start(actor=cast.officer, month=D(2025, 3, 1)).pk)
    second = billrun_job_run(billrun_job_start(actor=cast.officer, month=D(2025, 3, 1)).pk)
    assert (first.result["created"], second.result["created"]) == (2, 0)
    assert Bill.objects.count() == 2


def test_a_month_not_yet_begun_cannot_be_billed(cast):
    with pytest.raises(DomainError) as caught:
        billrun_job_start(actor=cast.officer, month=D(2025, 5, 1))
    assert caught.value.code == "future"
    billrun_job_start(actor=cast.officer, month=D(2025, 4, 1))  # the current month may


def test_the_run_lets_credit_settle_the_new_bills(cast):
    payment_record(cast.alice_household, actor=cast.operator, amount="500.00", channel="cash")
    billrun_job_run(billrun_job_start(actor=cast.operator, month=D(2025, 3, 1)).pk)
    bill = Bill.objects.get(household=cast.alice_household)
    assert bill.status == "paid" and bill.settled == Decimal("455.00")


def test_the_page_starts_the_job_and_its_progress_page_leads_to_the_run(cast, client_for):
    client = client_for("operator")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("billrun_start"), {"month": "2025-02"})
    assert response.status_code == 302
    job = JobRun.objects.get(pk=re.search(r"/jobs/(\d+)/", response["Location"]).group(1))
    assert job.status == JobStatus.DONE

    progress = client.get(response["Location"]).content.decode()
    assert job.result["next_url"] in progress
    run_page = client.get(job.result["next_url"]).content.decode()
    assert "HH-A" in run_page and "HH-C" not in run_page
    listing = client.get(reverse("billrun_list")).content.decode()
    assert "2025-02" in listing


def test_a_month_the_page_cannot_read_is_refused(cast, client_for):
    response = client_for("officer").post(reverse("billrun_start"), {"month": "March"})
    assert response.status_code == 302 and response["Location"] == reverse("billrun_list")
    assert not JobRun.objects.exists()


# --- The schedule -----------------------------------------------------------------------


def test_the_periodic_task_bills_the_current_month_for_every_estate(cast):
    with time_machine.travel("2025-06-01 01:00 +08:00", tick=False):
        created = monthly_bill_run_task.call_local()
    assert created == 2
    run = BillRun.objects.get()
    assert (run.period, run.created_by) == (D(2025, 6, 1), None)
    assert estates_billed() == {"E1", "E2"}
    # The schedule coming round again (a retry, an overlap) creates nothing.
    with time_machine.travel("2025-06-01 01:00 +08:00", tick=False):
        assert monthly_bill_run_task.call_local() == 0


def test_the_schedule_is_the_first_of_the_month_at_one_in_the_morning_local_time():
    matches = local_crontab(day="1", hour="1", minute="0")
    # huey keeps UTC: 01:00 on the 1st in Beijing is 17:00 UTC on the last day before.
    assert matches(datetime.datetime(2025, 5, 31, 17, 0))
    assert not matches(datetime.datetime(2025, 6, 1, 1, 0))
    assert not matches(datetime.datetime(2025, 5, 31, 17, 1))
