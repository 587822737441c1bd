"""Arrears: the recommendation at each boundary of the rule table, the standing of a
household built from real bill runs, taking steps (outbox, follow-up task, the “must
vacate” list with its evidence), holds, the bulk SMS action and the nightly run."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, MessageChannel, Task
from anju.tenancy.models import (
    ArrearsAction,
    ArrearsHold,
    ArrearsNotice,
    ArrearsStep,
    Bill,
    BillKind,
    Channel,
    HoldKind,
    ListingStatus,
    VacateListing,
    VacateReason,
)
from anju.tenancy.selectors.arrears import bucket_totals, ledger_rows
from anju.tenancy.services import arrears as svc
from anju.tenancy.services.arrears import Hold, recommend
from anju.tenancy.services.billing import bill_raise, bill_run
from anju.tenancy.services.payments import payment_record

D = datetime.date


@pytest.fixture(autouse=True)
def english(settings):
    """The assertions read the English source strings, whatever the catalogue holds."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


A = ArrearsAction
TODAY = D(2025, 6, 20)

# The district's default ladder (migration 0002): action, order, months, wait days.
DEFAULT = [
    (A.SMS, 1, 1, 0),
    (A.LETTER_1, 2, 2, 14),
    (A.LETTER_2, 3, 3, 14),
    (A.VISIT, 4, 3, 14),
    (A.FINAL_NOTICE, 5, 5, 14),
    (A.MUST_VACATE, 6, 6, 0),
]


def ladder(*, without=(), vacate_at=6):
    return [
        ArrearsStep(
            action=a, order=o, min_months=vacate_at if a == A.MUST_VACATE else m, wait_days=w
        )
        for a, o, m, w in DEFAULT
        if a not in without
    ]


def ago(days):
    return TODAY - datetime.timedelta(days=days)


BEFORE_FINAL = (A.SMS, A.LETTER_1, A.LETTER_2, A.VISIT)
COURT = Hold(HoldKind.COURT, "（2025）晋0402民初123号", D(2025, 5, 1))
AGREEMENT = Hold("agreement", "HK202500001", D(2025, 5, 1))

# (months owed, steps taken this spell, days since the last step, hold, ladder options)
#   → (action, a text the reason must contain)
CASES = [
    ((0, (), None, None, {}), (None, "No rent is overdue")),
    ((1, (), None, None, {}), (A.SMS, "Rent months owed: 1; this step comes at 1")),
    ((1, (A.SMS,), 0, None, {}), (None, "once 2 months")),
    ((2, (), None, None, {}), (A.SMS, "")),  # steps go in order, even at 2 months
    ((2, (A.SMS,), 13, None, {}), (None, "Waiting until 2025-06-21")),
    ((2, (A.SMS,), 14, None, {}), (A.LETTER_1, "last step was on 2025-06-06, 14 or more")),
    ((3, (A.SMS, A.LETTER_1), 13, None, {}), (None, "Waiting until 2025-06-21")),
    ((3, (A.SMS, A.LETTER_1), 14, None, {}), (A.LETTER_2, "")),
    ((3, (A.SMS, A.LETTER_1, A.LETTER_2), 14, None, {}), (A.VISIT, "")),
    ((4, BEFORE_FINAL, 30, None, {}), (None, "once 5 months")),
    ((5, BEFORE_FINAL, 13, None, {}), (None, "Waiting until")),
    ((5, BEFORE_FINAL, 14, None, {}), (A.FINAL_NOTICE, "")),
    ((5, (*BEFORE_FINAL, A.FINAL_NOTICE), 40, None, {}), (None, "once 6 months")),
    # Art. 29: the threshold alone decides, whatever came before.
    ((6, (), None, None, {}), (A.MUST_VACATE, "art. 29")),
    ((6, (A.SMS,), 0, None, {}), (A.MUST_VACATE, "")),
    ((9, (A.SMS, A.LETTER_1), 3, None, {}), (A.MUST_VACATE, "")),
    ((7, (A.SMS, A.MUST_VACATE), 3, None, {}), (None, "“must vacate” list")),
    # Holds: a court case or an agreement being kept stop everything, even art. 29.
    ((6, (), None, COURT, {}), (None, "in court")),
    ((2, (A.SMS,), 30, COURT, {}), (None, "in court")),
    ((6, (), None, AGREEMENT, {}), (None, "HK202500001 is being kept")),
    ((0, (), None, COURT, {}), (None, "No rent is overdue")),
    # The table is data: a step switched off is skipped, a threshold moved is obeyed.
    ((3, (A.SMS, A.LETTER_1), 14, None, {"without": (A.LETTER_2,)}), (A.VISIT, "")),
    ((6, (*BEFORE_FINAL, A.FINAL_NOTICE), 20, None, {"vacate_at": 8}), (None, "once 8 months")),
    ((8, (*BEFORE_FINAL, A.FINAL_NOTICE), 20, None, {"vacate_at": 8}), (A.MUST_VACATE, "")),
    (
        (5, (*BEFORE_FINAL, A.FINAL_NOTICE), 20, None, {"without": (A.MUST_VACATE,)}),
        (None, "Every step"),
    ),
]


@pytest.mark.parametrize(("given", "want"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_recommend_at_each_boundary_of_the_rule_table(given, want):
    months, taken, days, hold, options = given
    action, reason = recommend(
        months, taken, ago(days) if days is not None else None, TODAY, ladder(**options), hold
    )
    assert action == want[0], reason
    assert want[1] in reason
    assert reason


# --- With the database ---------------------------------------------------------------


def months(*pairs):
    for year, month in pairs:
        bill_run(D(year, month, 1), actor=None)


def first_half_of_2025():
    months(*[(2025, m) for m in range(1, 7)])


@pytest.mark.django_db
@time_machine.travel("2025-04-15 10:00 +08:00", tick=False)
def test_months_owed_count_overdue_rent_and_the_amount_counts_every_overdue_bill(cast):
    officer = cast.users["officer"]
    months((2025, 1), (2025, 2), (2025, 3), (2025, 4))
    household = cast.alice_household
    bill_raise(household, actor=officer, kind=BillKind.FINE, amount="200.00", due_on=D(2025, 4, 1))
    bill_raise(household, actor=officer, kind=BillKind.FINE, amount="50.00", due_on=D(2025, 5, 1))
    payment_record(household, actor=officer, amount="100.00", channel=Channel.CASH)
    standing = svc.standing_of(household)
    assert standing.months == 4  # January, partly paid, is still owed
    assert standing.owed == Decimal("455.00") * 4 + Decimal("200.00") - Decimal("100.00")
    assert standing.spell == D(2025, 1, 1)
    assert standing.bucket.code == "3-5"
    assert standing.action == A.SMS


@pytest.mark.django_db
def test_a_spell_goes_on_while_a_bill_overdue_at_the_last_step_is_unpaid(cast):
    household = cast.alice_household
    with time_machine.travel("2025-03-10 10:00 +08:00", tick=False) as traveller:
        months((2025, 1), (2025, 2), (2025, 3))
        svc.step_take(household, actor=cast.users["operator"])
        # Paying January leaves February, overdue on the day of the SMS: same spell.
        payment_record(household, actor=None, amount="455.00", channel=Channel.CASH)
        standing = svc.standing_of(household)
        assert (standing.spell, standing.months, set(standing.taken)) == (
            D(2025, 1, 1),
            2,
            {A.SMS},
        )
        traveller.move_to("2025-03-24 10:00 +08:00")
        assert svc.standing_of(household).action == A.LETTER_1
        # Everything paid: the spell is over; April's unpaid rent starts a new one.
        payment_record(household, actor=None, amount="910.00", channel=Channel.CASH)
        assert svc.standing_of(household) is None
        traveller.move_to("2025-04-05 10:00 +08:00")
        months((2025, 4))
        standing = svc.standing_of(household)
        assert (standing.spell, standing.taken, standing.action) == (D(2025, 4, 1), {}, A.SMS)


@pytest.mark.django_db
@time_machine.travel("2025-02-10 10:00 +08:00", tick=False)
def test_an_sms_step_queues_the_reminder_and_records_what_was_owed(cast):
    months((2025, 1), (2025, 2))
    household = cast.alice_household
    notice = svc.step_take(household, actor=cast.users["operator"])
    assert (notice.action, notice.months_owed, notice.amount_owed) == (
        A.SMS,
        2,
        Decimal("910.00"),
    )
    assert notice.spell == D(2025, 1, 1) and notice.taken_by == cast.users["operator"]
    message = notice.message
    assert message.channel == MessageChannel.SMS
    assert message.recipient == household.head.phone_masked
    assert "HH-A" in message.body and "910.00" in message.body and "2025-01-01" in message.body
    assert AuditEntry.objects.filter(action="arrears.step", target_id=str(notice.pk)).exists()
    with pytest.raises(DomainError) as caught:
        svc.step_take(household, actor=cast.users["operator"], action=A.SMS, note="again")
    assert caught.value.code == "taken"


@pytest.mark.django_db
@time_machine.travel("2025-04-20 10:00 +08:00", tick=False)
def test_letters_go_out_as_letters_and_a_visit_is_a_task_for_the_community(cast):
    months((2025, 1), (2025, 2), (2025, 3), (2025, 4))
    household, operator = cast.alice_household, cast.users["operator"]
    for action in (A.SMS, A.LETTER_1, A.LETTER_2):
        note = "" if action == A.SMS else "catching up the ladder at the counter"
        svc.step_take(household, actor=operator, action=action, note=note)
    letter = ArrearsNotice.objects.get(action=A.LETTER_2).message
    assert letter.channel == MessageChannel.LETTER and letter.recipient == household.unit.code
    assert "6" in letter.body  # the art. 29 threshold, from the rule table
    visit = svc.step_take(household, actor=operator, action=A.VISIT, note="neighbour says away")
    task = Task.objects.get(household=household, kind="arrears.visit")
    assert task.organisation == cast.community_a
    assert task.due_on == D(2025, 5, 4)  # before the final notice may follow
    assert "Taken by staff" in visit.reason


@pytest.mark.django_db
@time_machine.travel("2025-03-10 10:00 +08:00", tick=False)
def test_a_step_off_the_table_needs_a_note_and_must_vacate_needs_art_29(cast):
    months((2025, 1), (2025, 2), (2025, 3))
    household, operator = cast.alice_household, cast.users["operator"]
    with pytest.raises(DomainError) as caught:
        svc.step_take(household, actor=operator, action=A.VISIT)
    assert caught.value.code == "note"
    with pytest.raises(DomainError) as caught:
        svc.step_take(household, actor=operator, action=A.MUST_VACATE, note="refuses to pay")
    assert caught.value.code == "not_due"
    assert not ArrearsNotice.objects.exists() and not Message.objects.exists()


@pytest.mark.django_db
@time_machine.travel("2025-06-15 10:00 +08:00", tick=False)
def test_six_months_owed_put_the_household_on_the_must_vacate_list_with_evidence(cast):
    first_half_of_2025()
    taken = svc.automatic_steps_take()
    assert taken == {A.SMS: 0, A.MUST_VACATE: 2}  # Alice and Charlie owe January–June
    listing = VacateListing.objects.get(household=cast.alice_household)
    assert (listing.reason, listing.status, listing.listed_on) == (
        VacateReason.ARREARS,
        ListingStatus.LISTED,
        D(2025, 6, 15),
    )
    # jsonb on PostgreSQL keeps no key order: look the facts up by label.
    evidence = listing.facts
    assert evidence["Months of rent owed"] == "6"
    assert evidence["Amount overdue (yuan)"] == "2730.00"
    assert evidence["In arrears since"] == "2025-01-01"
    assert evidence["Counted on"] == "2025-06-15"
    assert evidence["Overdue bills"].startswith("2025-01 ¥455.00; 2025-02 ¥455.00")
    assert "Art. 29" in listing.legal_basis
    notice = ArrearsNotice.objects.get(household=cast.alice_household)
    assert (notice.action, notice.months_owed) == (A.MUST_VACATE, 6)
    assert notice.taken_by is None


@pytest.mark.django_db
def test_the_nightly_run_twice_queues_and_lists_nothing_more(cast):
    from anju.tenancy.tasks.arrears import agreements_check_task, arrears_automatic_steps_task

    with time_machine.travel("2025-03-05 02:00 +08:00", tick=False) as traveller:
        months((2025, 1), (2025, 2), (2025, 3))

        def run():
            agreements_check_task.call_local()
            arrears_automatic_steps_task.call_local()
            return (
                Message.objects.count(),
                ArrearsNotice.objects.count(),
                VacateListing.objects.count(),
            )

        assert run() == (2, 2, 0)
        assert run() == (2, 2, 0)
        traveller.move_to("2025-07-05 02:00 +08:00")
        months((2025, 4), (2025, 5), (2025, 6), (2025, 7))
        assert run() == (2, 4, 2)  # 7 months now: listed, no second SMS in the spell
        assert run() == (2, 4, 2)


@pytest.mark.django_db
@time_machine.travel("2025-06-15 10:00 +08:00", tick=False)
def test_a_court_hold_stops_the_steps_until_it_is_lifted(cast):
    first_half_of_2025()
    household, operator = cast.alice_household, cast.users["operator"]
    hold = svc.hold_record(household, actor=operator, reference="（2025）晋0402民初7号")
    standing = svc.standing_of(household)
    assert standing.action is None and "in court" in standing.reason
    with pytest.raises(DomainError):
        svc.hold_record(household, actor=operator, reference="again")
    svc.automatic_steps_take()
    assert not VacateListing.objects.filter(household=household).exists()
    svc.hold_lift(hold, actor=operator, reason="judgment given")
    assert not ArrearsHold.objects.current().filter(household=household).exists()
    assert svc.standing_of(household).action == A.MUST_VACATE


@pytest.mark.django_db
@time_machine.travel("2025-02-10 10:00 +08:00", tick=False)
def test_the_bulk_sms_takes_only_households_in_the_users_scope(cast):
    months((2025, 1), (2025, 2))
    operator = cast.users["operator"]
    taken = svc.steps_take_recommended(actor=operator, bills=Bill.objects.visible_to(operator))
    assert taken == 1
    notice = ArrearsNotice.objects.get()
    assert notice.household == cast.alice_household and notice.message.channel == "sms"
    assert AuditEntry.objects.filter(action="arrears.step", target_id=str(notice.pk)).exists()
    again = svc.steps_take_recommended(actor=operator, bills=Bill.objects.visible_to(operator))
    assert again == 0
    # The officer sees the district: Charlie's SMS is still due (chunks of one household).
    officer = cast.users["officer"]
    assert svc.steps_take_recommended(actor=officer, bills=Bill.objects.all(), chunk=1) == 1
    assert Message.objects.filter(household=cast.charlie_household, channel="sms").count() == 1


@pytest.mark.django_db
def test_the_rule_table_changes_only_with_a_source_and_keeps_must_vacate(cast):
    officer = cast.users["officer"]
    letter = ArrearsStep.objects.get(action=A.LETTER_1)
    vacate = ArrearsStep.objects.get(action=A.MUST_VACATE)
    with pytest.raises(DomainError):
        svc.steps_update(actor=officer, rows={letter.pk: {"wait_days": 10}}, source=" ")
    with pytest.raises(DomainError) as caught:
        svc.steps_update(actor=officer, rows={vacate.pk: {"active": False}}, source="doc")
    assert caught.value.code == "vacate_required"
    sms = ArrearsStep.objects.get(action=A.SMS)
    svc.steps_update(
        actor=officer,
        rows={letter.pk: {"wait_days": 10, "order": 1}, sms.pk: {"order": 2}},
        source="长住建〔2026〕3号",
    )
    assert list(ArrearsStep.objects.values_list("action", flat=True)[:2]) == [A.LETTER_1, A.SMS]
    entry = AuditEntry.objects.get(action="arrears.steps_update", target_id=str(letter.pk))
    assert entry.changes["wait_days"] == [14, 10] and entry.changes["source"] == "长住建〔2026〕3号"


@pytest.mark.django_db
@time_machine.travel("2025-06-15 10:00 +08:00", tick=False)
def test_the_ledger_is_one_grouped_query_with_totals_per_bucket(cast, django_assert_num_queries):
    first_half_of_2025()
    payment_record(cast.charlie_household, actor=None, amount="2000.00", channel=Channel.CASH)
    today = D(2025, 6, 15)
    with django_assert_num_queries(1):
        rows = list(ledger_rows(Bill.objects.all(), today))
    assert [(r["household__number"], r["months"]) for r in rows] == [("HH-A", 6), ("HH-C", 2)]
    with django_assert_num_queries(2):  # the steps and the rule table
        standings = svc.standings(rows, today)
    assert [s.action for s in standings] == [A.MUST_VACATE, A.SMS]
    with django_assert_num_queries(1):
        totals = bucket_totals(Bill.objects.all(), today)
    assert [(t["households"], t["owed"]) for t in totals] == [
        (0, 0),
        (1, Decimal("730.00")),
        (0, 0),
        (1, Decimal("2730.00")),
        (2, Decimal("3460.00")),
    ]
    assert [r["household_id"] for r in ledger_rows(Bill.objects.all(), today, bucket="2")] == [
        cast.charlie_household.pk
    ]
