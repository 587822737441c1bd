"""The waiting list: positions computed in the rule set's order with every tie-break,
history kept only for the households that moved, each position explained in words, the
yearly contact refresh and its suspensions, reinstatement, and the long waits."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anju.admission.models import (
    ApplicationStatus,
    ContactRefresh,
    PositionChange,
    WaitingEntry,
    WaitingStatus,
)
from anju.admission.services import applications as apps
from anju.admission.services.notice import notice_close, notice_publish
from anju.admission.services.waiting import (
    long_waits,
    position_explained,
    position_history,
    refresh_answer,
    refresh_close,
    refresh_start,
    refreshes_close_due,
    waiting_recompute,
    waiting_reinstate,
    waiting_suspend,
)
from anju.core.errors import DomainError
from anju.households.models import HouseholdStatus
from anju.testing.admission import APPLICANT_IDS, approve, make_application, make_ruleset

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


def approved(cast, index, *, grounds=(), disability="", on=date(2026, 3, 2)):
    """An application approved on `on` whose applicant holds `grounds` (and a disability),
    so that the rule set's default priorities put it in a known group with known points:
    disabled or veteran → group 1, 20 points each; illness → group 2, 10; special care →
    group 2, 5; none → group 3, 0."""
    with at(on):
        make_ruleset(cast.officer)
        application = make_application(cast, members=(), submit=False)
        apps.application_member_add(
            application,
            actor=cast.community,
            name=f"申请人{index}",
            id_number=APPLICANT_IDS[index],
            relation="head",
            monthly_income="1400",
            grounds=grounds,
            disability=disability,
        )
        apps.application_submit(application, actor=cast.community)
        return approve(application, cast)


def on_list(cast, applications, *, published=date(2026, 3, 10)):
    """Publish the applications and close their notice after its five days."""
    with at(published):
        notice = notice_publish(actor=cast.officer, applications=applications, title="第一批")
    with at(notice.ends_on + timedelta(days=1)):
        notice_close(notice, actor=cast.officer)
    return {a.pk: WaitingEntry.objects.get(application=a) for a in applications}


def order():
    return list(
        WaitingEntry.objects.filter(status=WaitingStatus.WAITING)
        .order_by("position")
        .values_list("household__application__members__name", flat=True)
    )


def test_positions_follow_group_then_points_then_approval_date_then_entry(cast):
    none = approved(cast, 0, on=date(2026, 3, 2))
    disabled = approved(cast, 1, disability="2", on=date(2026, 3, 3))
    two_grounds = approved(cast, 2, disability="1", grounds=["veteran"], on=date(2026, 3, 4))
    ill_early = approved(cast, 3, grounds=["illness"], on=date(2026, 3, 2))
    special = approved(cast, 4, grounds=["special_care"], on=date(2026, 3, 2))
    ill_late = approved(cast, 5, grounds=["illness"], on=date(2026, 3, 3))
    ill_late_2 = approved(cast, 6, grounds=["illness"], on=date(2026, 3, 3))
    entries = on_list(cast, [none, disabled, two_grounds, ill_early, special, ill_late, ill_late_2])
    assert order() == ["申请人2", "申请人1", "申请人3", "申请人5", "申请人6", "申请人4", "申请人0"]
    assert entries[two_grounds.pk].position == 1
    assert (entries[two_grounds.pk].priority_group, entries[two_grounds.pk].points) == (1, 40)
    assert entries[none.pk].priority_group == 3
    none.refresh_from_db()
    assert none.status == ApplicationStatus.WAITING
    assert none.household.status == HouseholdStatus.WAITING


def test_a_household_moved_to_the_back_queues_after_everyone_not_moved(cast):
    first = approved(cast, 1, disability="2")
    second = approved(cast, 2, grounds=["illness"])
    third = approved(cast, 3)
    entries = on_list(cast, [first, second, third])
    # The move to the back is the allocation service's consequence of too many
    # refusals; written here directly to test the order alone.
    WaitingEntry.objects.filter(pk=entries[first.pk].pk).update(
        moved_back_at=datetime(2026, 4, 1, tzinfo=TZ)
    )
    moved = waiting_recompute(reason="moved_back", detail={"entry": entries[first.pk].pk})
    assert moved == 3
    assert order() == ["申请人2", "申请人3", "申请人1"]
    entry = WaitingEntry.objects.get(pk=entries[first.pk].pk)
    second_entry = WaitingEntry.objects.get(pk=entries[second.pk].pk)
    with translation.override("en"):
        assert position_history(entry)[0]["sentence"] == (
            "Moved down from 1 to 3: you were moved to the back after refusing offers "
            "without a valid reason"
        )
        assert position_history(second_entry)[0]["sentence"] == (
            "Moved up from 2 to 1: another household was moved to the back of the list"
        )
        assert position_explained(entry)[1].startswith(
            "Moved to the back of the list on 2026-04-01"
        )
        assert position_explained(entry)[2] == (
            "2 households are ahead of you: 2 were not moved to the back, or were moved before you."
        )


def test_history_is_written_only_for_the_households_that_moved(cast):
    first = approved(cast, 1, disability="2")
    second = approved(cast, 2)
    third = approved(cast, 3)
    entries = on_list(cast, [first, second, third])
    before = PositionChange.objects.count()
    assert waiting_recompute(reason="recomputed") == 0
    assert PositionChange.objects.count() == before
    waiting_suspend(entries[second.pk], actor=cast.officer, reason="核查中")
    changes = PositionChange.objects.filter(reason="suspended")
    assert {(c.entry_id, c.old, c.new) for c in changes} == {
        (entries[second.pk].pk, 2, None),
        (entries[third.pk].pk, 3, 2),
    }
    waiting_reinstate(
        WaitingEntry.objects.get(pk=entries[second.pk].pk), actor=cast.officer, reason="已核实"
    )
    assert order() == ["申请人1", "申请人2", "申请人3"]
    third_history = position_history(WaitingEntry.objects.get(pk=entries[third.pk].pk))
    assert [(h["old"], h["new"]) for h in third_history] == [(2, 3), (3, 2), (None, 3)]


def test_the_position_is_explained_with_the_households_ahead_counted(cast):
    a = approved(cast, 1, disability="2", on=date(2026, 3, 2))
    b = approved(cast, 2, grounds=["illness"], on=date(2026, 3, 2))
    c = approved(cast, 3, grounds=["illness", "special_care"], on=date(2026, 3, 2))
    d = approved(cast, 4, grounds=["illness"], on=date(2026, 3, 1))
    e = approved(cast, 5, grounds=["illness"], on=date(2026, 3, 2))
    entries = on_list(cast, [a, b, c, d, e])
    with translation.override("en"):
        words = position_explained(entries[e.pk])
    assert words[0] == "Priority group 2 (major illness), 10 points, approved on 2026-03-02."
    assert words[1] == (
        "4 households are ahead of you: 1 in a higher priority group, 1 in your group with "
        "more points, 1 in your group with the same points, approved earlier, 1 with the "
        "same group, points and approval date, entered earlier."
    )
    assert entries[e.pk].position == 5
    with translation.override("en"):
        first = position_explained(entries[a.pk])
    assert first[1] == "No household is ahead of you: you are first in line."


def test_the_contact_refresh_suspends_households_that_did_not_answer_by_the_due_date(cast):
    one, two, three = approved(cast, 1), approved(cast, 2), approved(cast, 3)
    entries = on_list(cast, [one, two, three])
    with at(date(2027, 1, 5)):
        make_ruleset(cast.officer, year=2027, effective_from=date(2027, 1, 1))
        refresh = refresh_start(actor=cast.officer, year=2027)
    assert refresh.due_on == date(2027, 2, 4)  # 30 days by default
    assert refresh.answers.count() == 3
    answers = {a.entry_id: a for a in refresh.answers.all()}
    with at(date(2027, 1, 20)):
        refresh_answer(
            answers[entries[one.pk].pk],
            actor=cast.community,
            still_wants=True,
            still_qualifies=True,
        )
        with pytest.raises(DomainError) as error:
            refresh_close(refresh, actor=cast.officer)
        assert error.value.code == "not_due"
    with at(date(2027, 2, 4)):
        assert refreshes_close_due() == 0  # the due date itself still counts
    with at(date(2027, 2, 5)):
        assert refreshes_close_due() == 2
    refresh.refresh_from_db()
    assert refresh.closed_at is not None
    silent = WaitingEntry.objects.get(pk=entries[two.pk].pk)
    assert silent.status == WaitingStatus.SUSPENDED
    assert "2027" in silent.status_reason
    assert silent.position is None
    assert WaitingEntry.objects.get(pk=entries[one.pk].pk).position == 1
    assert silent.household.timeline.filter(verb="refresh.unanswered").exists()
    with pytest.raises(DomainError):
        refresh_answer(
            answers[entries[three.pk].pk],
            actor=cast.community,
            still_wants=True,
            still_qualifies=True,
        )


def test_no_longer_wanting_housing_removes_and_maybe_not_qualifying_suspends(cast):
    one, two, three = approved(cast, 1), approved(cast, 2), approved(cast, 3)
    entries = on_list(cast, [one, two, three])
    with at(date(2026, 6, 1)):
        refresh = refresh_start(actor=cast.officer, year=2026)
        answers = {a.entry_id: a for a in refresh.answers.all()}
        refresh_answer(
            answers[entries[one.pk].pk], actor=cast.alice, still_wants=False, still_qualifies=True
        )
        refresh_answer(
            answers[entries[two.pk].pk],
            actor=cast.community,
            still_wants=True,
            still_qualifies=False,
        )
    gone = WaitingEntry.objects.get(pk=entries[one.pk].pk)
    assert gone.status == WaitingStatus.REMOVED
    gone.application.refresh_from_db()
    assert gone.application.status == ApplicationStatus.WITHDRAWN
    assert gone.household.closed_at is not None
    flagged = WaitingEntry.objects.get(pk=entries[two.pk].pk)
    assert flagged.status == WaitingStatus.SUSPENDED
    assert WaitingEntry.objects.get(pk=entries[three.pk].pk).position == 1
    with pytest.raises(DomainError) as error:
        refresh_start(actor=cast.officer, year=2026)
    assert error.value.code == "duplicate"
    assert ContactRefresh.objects.count() == 1


def test_reinstating_needs_a_suspended_place_and_a_reason(cast):
    entries = on_list(cast, [approved(cast, 1)])
    entry = next(iter(entries.values()))
    with pytest.raises(DomainError) as error:
        waiting_reinstate(entry, actor=cast.officer, reason="x")
    assert error.value.code == "bad_transition"
    with pytest.raises(DomainError) as error:
        waiting_suspend(entry, actor=cast.officer, reason=" ")
    assert error.value.code == "reason_required"


def test_long_waits_list_households_waiting_longer_than_the_guideline(cast):
    old = approved(cast, 1)
    on_list(cast, [old])
    new = approved(cast, 2, on=date(2028, 3, 2))
    with at(date(2028, 3, 2)):
        make_ruleset(cast.officer, year=2028, effective_from=date(2028, 1, 1))
    on_list(cast, [new], published=date(2028, 3, 10))
    waits, years = long_waits(cast.officer, on=date(2031, 3, 15))
    assert years == 5
    assert list(waits) == []
    waits, _years = long_waits(cast.officer, on=date(2031, 3, 16))
    assert [w.application_id for w in waits] == [old.pk]
    # The community worker of the other side sees none of them.
    waits, _years = long_waits(cast.charlie, on=date(2031, 3, 16))
    assert list(waits) == []


# --- The pages ---------------------------------------------------------------------


def test_the_waiting_list_page_takes_the_same_queries_for_more_households(
    cast, client_for, django_assert_num_queries
):
    on_list(cast, [approved(cast, 1), approved(cast, 2)])
    officer = client_for("officer")
    url = reverse("waiting_list")
    officer.get(url)  # the session and the user are loaded once
    with CaptureQueriesContext(connection) as few:
        page = officer.get(url)
    assert "申请人1" in page.content.decode()
    on_list(cast, [approved(cast, 3), approved(cast, 4)], published=date(2026, 4, 10))
    with django_assert_num_queries(len(few.captured_queries)):
        page = officer.get(url)
    assert "申请人4" in page.content.decode()


def test_the_household_page_explains_the_position_and_its_history(cast, client_for):
    entries = on_list(cast, [approved(cast, 1, disability="2"), approved(cast, 2)])
    second = sorted(entries.values(), key=lambda e: e.position)[1]
    page = client_for("community").get(reverse("waiting_detail", args=[second.pk]))
    text = page.content.decode()
    assert 'data-testid="explained"' in text and 'data-testid="position-history"' in text
    assert "申请人2" in text
    assert (
        client_for("community")
        .post(reverse("waiting_suspend", args=[second.pk]), {"reason": "核查"})
        .status_code
        == 403
    )


def test_counter_staff_record_a_refresh_answer_for_a_household(cast, client_for):
    entries = on_list(cast, [approved(cast, 1), approved(cast, 2)])
    refresh = refresh_start(actor=cast.officer, year=2026)
    answer = refresh.answers.get(entry=next(iter(entries.values())))
    community = client_for("community")
    page = community.get(reverse("waiting_refresh_detail", args=[refresh.pk]))
    assert f'data-testid="answer-{answer.pk}"' in page.content.decode()
    response = community.post(
        reverse("waiting_refresh_answer", args=[answer.pk]),
        {"still_wants": "yes", "still_qualifies": "no"},
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert (answer.still_wants, answer.still_qualifies, answer.answered_by) == (
        True,
        False,
        cast.community,
    )
    assert answer.entry.status == WaitingStatus.SUSPENDED
