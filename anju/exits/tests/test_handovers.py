"""The move-out handover of an exit case through its service: the lease ends on the
tenancy's last day, the door credentials are revoked, the unit goes back to vacant or
under repair, damage is billed, every bill for days after the keys came back is
shortened, and the case waits for its settlement. A handover that names a unit the
household never held, a day to come, or a case in the wrong stage is refused and
writes nothing. Time is frozen at each step.

The builders here (`moving_case`, `handover_values`, …) are shared with the
settlement and page tests."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Task, TimelineEntry
from anju.exits.models import Direction, ExitCase, Stage, UnitHandover
from anju.exits.selectors import handovers as selectors
from anju.exits.services import billing as exit_billing
from anju.exits.services import cases as cases_svc
from anju.exits.services import settlement as settlement_svc
from anju.exits.services.handover_record import handover_record
from anju.exits.services.handovers import move_out
from anju.households import services as hh
from anju.households.models import Credential, LeaseStatus
from anju.housing.handover import CHECKLIST_ITEMS
from anju.housing.models import UnitStatus
from anju.tenancy.models import Bill, BillKind, BillStatus
from anju.tenancy.services.billing import bill_raise, bill_run
from anju.tenancy.services.payments import balance_of, credit_of, payment_record
from anju.testing.admission import APPLICANT_IDS, make_ruleset
from anju.testing.tenancy import housed_household

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
START, END = D(2025, 1, 1), D(2028, 1, 1)
NOTICE, VACATE_BY = D(2026, 4, 2), D(2026, 5, 31)


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def quick_pdfs(request, monkeypatch):
    """Typesetting takes a second: the notice and the statement are rendered as
    templates only, unless a test asks for `real_pdf`."""
    from django.template.loader import render_to_string

    monkeypatch.setattr(cases_svc, "notice_pdf", lambda case: PDF)
    if "real_pdf" not in request.fixturenames:

        def quick(settlement):
            render_to_string(
                "exits/pdf/settlement.html", settlement_svc.statement_context(settlement)
            )
            return PDF

        monkeypatch.setattr(settlement_svc, "settlement_pdf", quick)


@pytest.fixture
def real_pdf():
    """Typeset the statement with WeasyPrint (see `quick_pdfs`)."""


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


# --- Builders -------------------------------------------------------------------------------


def all_ok(**defects):
    """A checklist with every item in order but `defects` ({item: note})."""
    return [
        {"item": item, "ok": item not in defects, "note": defects.get(item, "")}
        for item in CHECKLIST_ITEMS
    ]


def housed(cast, number, *, index=0, deposit="1000.00", move_in=True, rent="600.00", estate=None):
    """A household with a head (and her door card and face), its deposit paid and,
    unless `move_in` is False, a move-in record of 3 keys and 2 cards with the kitchen
    tile already cracked."""
    household = housed_household(
        estate or cast.e1,
        number,
        cast.officer,
        start=START,
        end=END,
        rent=rent,
        head={"name": f"户主{number}", "id_number": APPLICANT_IDS[index]},
    )
    lease = household.leases.get()
    head = household.head
    hh.credential_add(head, actor=cast.officer, kind="card", ref=f"CARD-{number}")
    hh.credential_add(head, actor=cast.officer, kind="face", ref=f"FACE-{number}")
    if move_in:
        handover_record(
            actor=cast.operator,
            direction=Direction.IN,
            household=household,
            lease=lease,
            unit=lease.unit,
            on=START,
            checklist=all_ok(kitchen="Cracked floor tile"),
            meter_readings={"water": "100", "electricity": "2000"},
            keys=3,
            cards=2,
        )
    if Decimal(deposit):
        with at(START):
            bill_raise(
                household,
                actor=cast.officer,
                kind=BillKind.DEPOSIT,
                amount=Decimal(deposit),
                due_on=START,
                lease=lease,
            )
            payment_record(household, actor=cast.operator, amount=deposit, channel="cash")
    return household


def moving_case(cast, number="HO1", *, index=0, vacate_by=VACATE_BY, bill_months=(4, 5), **kw):
    """A voluntary exit in its moving period: asked on 1 April, the notice issued on 2
    April for `vacate_by`; April's and May's rent billed (600 a month, unpaid)."""
    household = housed(cast, number, index=index, **kw)
    with at(D(2026, 4, 1)):
        case = cases_svc.exit_request(
            household, actor=cast.operator, move_out_on=vacate_by, channel="counter"
        )
    with at(NOTICE):
        case = cases_svc.case_decide(case, actor=cast.officer, decision="Agreed.")
        case = cases_svc.notice_issue(case, actor=cast.officer)
    for month in bill_months:
        with at(D(2026, month, 1)):
            bill_run(D(2026, month, 1))
    return household, case


def handover_values(case, **extra):
    values = {
        "unit": case.unit,
        "on": D(2026, 5, 10),
        "checklist": all_ok(kitchen="Cracked floor tile"),
        "meter_readings": {"water": "180.5", "electricity": "3456.7"},
        "keys": 3,
        "cards": 2,
        "unit_after": "vacant",
    }
    return values | extra


RECORDED = D(2026, 5, 12)


def hand_over(cast, case, today=RECORDED, **extra):
    with at(today):
        return move_out(case, actor=cast.operator, **handover_values(case, **extra))


def may_rent(household):
    return Bill.objects.get(household=household, kind=BillKind.RENT, period=D(2026, 5, 1))


# --- The move-out ---------------------------------------------------------------------------


def test_the_move_out_ends_the_lease_revokes_credentials_and_frees_the_unit(cast, rules):
    household, case = moving_case(cast)
    handover = hand_over(cast, case)
    assert handover.direction == Direction.OUT and handover.exit_case == case
    assert handover.credentials_revoked == 2
    assert not Credential.objects.filter(member__household=household, revoked_at=None).exists()
    lease = case.lease
    lease.refresh_from_db()
    assert lease.status == LeaseStatus.TERMINATED and lease.ended_on == D(2026, 5, 10)
    case.unit.refresh_from_db()
    assert case.unit.status == UnitStatus.VACANT
    case.refresh_from_db()
    assert case.stage == Stage.HANDED_OVER and case.handed_over_on == D(2026, 5, 10)
    assert case.due_on == D(2026, 5, 25)  # the settlement is due 15 days after the keys
    household.refresh_from_db()
    assert household.unit is None
    assert TimelineEntry.objects.filter(verb="exit.handed_over", household=household).exists()
    assert TimelineEntry.objects.filter(verb="exit.handed_over", unit=case.unit).exists()
    assert AuditEntry.objects.filter(action="exit.handover", target_id=str(case.pk)).exists()


def test_rent_for_the_days_after_the_keys_came_back_is_taken_off(cast, rules):
    household, case = moving_case(cast)
    assert may_rent(household).amount == Decimal("600.00")
    hand_over(cast, case)
    may = may_rent(household)
    assert (may.period_end, may.amount) == (D(2026, 5, 10), Decimal("193.55"))  # 10 of 31
    assert selectors.rent_returned(case) == Decimal("406.45")
    [(bill, old, new)] = selectors.shortened_bills(case)
    assert bill == may and (old, new) == (Decimal("600.00"), Decimal("193.55"))
    april = Bill.objects.get(household=household, kind=BillKind.RENT, period=D(2026, 4, 1))
    assert april.amount == Decimal("600.00")  # before the keys: untouched


def test_rent_already_paid_for_those_days_becomes_credit(cast, rules):
    household, case = moving_case(cast)
    with at(D(2026, 5, 2)):
        payment_record(household, actor=cast.operator, amount="1200.00", channel="cash")
    assert balance_of(household) == 0
    hand_over(cast, case)
    assert credit_of(household) == Decimal("406.45")


def test_damage_is_billed_per_item_and_a_unit_needing_repair_gets_a_task(cast, rules):
    household, case = moving_case(cast)
    hand_over(
        cast,
        case,
        checklist=all_ok(kitchen="Cracked floor tile", walls="Holes drilled", bathroom="Mirror"),
        charges={"walls": "350.00", "bathroom": "80"},
        unit_after="under_repair",
    )
    damage = {b.source_key: b.amount for b in Bill.objects.filter(kind=BillKind.DAMAGE)}
    assert damage == {
        f"exit:{case.number}:damage:walls": Decimal("350.00"),
        f"exit:{case.number}:damage:bathroom": Decimal("80.00"),
    }
    case.unit.refresh_from_db()
    assert case.unit.status == UnitStatus.UNDER_REPAIR
    task = Task.objects.get(key=f"exit:{case.number}:repair")
    assert task.organisation == cast.property_1 and task.household == household
    assert "Walls and ceilings" in task.title and "Bathroom" in task.title


def test_keys_and_cards_short_of_the_move_in_are_noted(cast, rules):
    _household, case = moving_case(cast)
    handover = hand_over(cast, case, keys=2, cards=2, note="Tenant lost one.")
    assert handover.note == "Tenant lost one. 2 of the 3 keys handed over at move-in came back."
    comparison = selectors.comparison(case.lease, handover)
    assert comparison.keys_short and not comparison.cards_short
    kitchen = next(row for row in comparison.items if row.code == "kitchen")
    assert kitchen.move_in.ok is False and not kitchen.worse  # cracked already at move-in
    water = next(row for row in comparison.meters if row.code == "water")
    assert water.used == Decimal("80.5")


def test_an_overstay_pays_market_rent_up_to_the_keys_and_no_further(cast, rules):
    household, case = moving_case(cast)
    with at(D(2026, 6, 1)):
        assert cases_svc.overstays_begin(D(2026, 6, 1)) == 1
        exit_billing.exit_bills_raise(D(2026, 6, 1))
    june = Bill.objects.get(kind=BillKind.OVERSTAY, period=D(2026, 6, 1))
    assert june.amount == Decimal("1200.00")
    case.refresh_from_db()
    hand_over(cast, case, on=D(2026, 6, 15), today=D(2026, 6, 15))
    june.refresh_from_db()
    assert (june.amount, june.period_end) == (Decimal("600.00"), D(2026, 6, 15))
    lease = case.lease
    lease.refresh_from_db()
    # The tenancy ended with the moving period; the days after were an overstay.
    assert lease.ended_on == VACATE_BY and lease.status == LeaseStatus.TERMINATED
    assert may_rent(household).amount == Decimal("600.00")


def test_the_overstay_month_not_yet_billed_is_billed_to_the_keys(cast, rules):
    _household, case = moving_case(cast)
    with at(D(2026, 6, 1)):
        cases_svc.overstays_begin(D(2026, 6, 1))
    hand_over(cast, case, on=D(2026, 6, 9), today=D(2026, 6, 9))
    june = Bill.objects.get(kind=BillKind.OVERSTAY, period=D(2026, 6, 1))
    assert (june.period_start, june.period_end) == (D(2026, 6, 1), D(2026, 6, 9))
    assert june.amount == Decimal("360.00")  # 9 of 30 days of 1,200


def test_a_later_months_bill_is_cancelled(cast, rules):
    household, case = moving_case(cast)
    with at(D(2026, 6, 1)):
        cases_svc.overstays_begin(D(2026, 6, 1))
        exit_billing.exit_bills_raise(D(2026, 6, 1))
    with at(D(2026, 7, 1)):
        exit_billing.exit_bills_raise(D(2026, 7, 1))
    # The keys came back on 30 June, recorded on 2 July: July's bill had been raised.
    hand_over(cast, case, on=D(2026, 6, 30), today=D(2026, 7, 2))
    july = Bill.objects.get(kind=BillKind.OVERSTAY, period=D(2026, 7, 1))
    assert july.status == BillStatus.CANCELLED
    june = Bill.objects.get(kind=BillKind.OVERSTAY, period=D(2026, 6, 1))
    assert june.amount == Decimal("1200.00")
    assert selectors.rent_returned(case) == Decimal("1200.00")
    assert balance_of(household) == Decimal("2400.00")  # April, May and June unpaid


def test_a_case_in_court_can_hand_over_too(cast, rules):
    _household, case = moving_case(cast)
    with at(D(2026, 5, 5)):
        cases_svc.overstays_begin(D(2026, 5, 5))
    with at(D(2026, 6, 3)):
        cases_svc.overstays_begin(D(2026, 6, 3))
        case = cases_svc.to_litigation(case, actor=cast.officer, note="Neither pays nor leaves.")
    assert case.stage == Stage.LITIGATION
    hand_over(cast, case, on=D(2026, 6, 20), today=D(2026, 6, 21))
    case.refresh_from_db()
    assert case.stage == Stage.HANDED_OVER


def nothing_written(case, household):
    case.refresh_from_db()
    case.lease.refresh_from_db()
    case.unit.refresh_from_db()
    assert case.stage == Stage.MOVING and case.handed_over_on is None
    assert case.lease.status == LeaseStatus.ACTIVE
    assert case.unit.status == UnitStatus.VACATING
    assert not UnitHandover.objects.filter(direction=Direction.OUT).exists()
    assert Credential.objects.filter(member__household=household, revoked_at=None).count() == 2
    assert may_rent(household).amount == Decimal("600.00")


def test_a_handover_naming_a_unit_the_household_never_held_is_refused(cast, rules):
    household, case = moving_case(cast)
    with pytest.raises(DomainError) as err:
        hand_over(cast, case, unit=cast.vacant_e1)
    assert err.value.code == "wrong_unit"
    assert f"never held unit {cast.vacant_e1.code}" in str(err.value.message)
    assert case.unit.code in str(err.value.message)
    nothing_written(case, household)


@pytest.mark.parametrize(
    ("on", "code"),
    [(D(2026, 5, 13), "bad_date"), (D(2026, 4, 1), "bad_date")],
    ids=["a day to come", "before the notice"],
)
def test_a_day_to_come_or_before_the_notice_is_refused(cast, rules, on, code):
    household, case = moving_case(cast)
    with pytest.raises(DomainError) as err:
        hand_over(cast, case, on=on)
    assert err.value.code == code
    nothing_written(case, household)


def test_bad_input_names_every_problem_and_writes_nothing(cast, rules):
    household, case = moving_case(cast)
    checklist = [row for row in all_ok(walls="") if row["item"] != "floor"]
    with pytest.raises(DomainError) as err:
        hand_over(
            cast,
            case,
            checklist=checklist,
            meter_readings={"water": "-3"},
            keys="many",
            charges={"kitchen": "abc"},
        )
    message = str(err.value.message)
    for expected in (
        "“Walls and ceilings” is not in order: say what is wrong.",
        "“Flooring” has not been checked.",
        "Read the Electricity (kWh) meter.",
        "Keys must be a whole number",
        "The charge for “Kitchen” must be an amount",
    ):
        assert expected in message
    nothing_written(case, household)
    with pytest.raises(DomainError) as err:
        hand_over(cast, case, unit_after="")
    assert err.value.code == "unit_after"


def test_only_a_case_in_its_moving_period_overstay_or_court_hands_over(cast, rules):
    household = housed(cast, "HO9", index=3)
    with at(D(2026, 4, 1)):
        case = cases_svc.exit_request(
            household, actor=cast.operator, move_out_on=VACATE_BY, channel="counter"
        )
    with pytest.raises(DomainError) as err:
        hand_over(cast, case)
    assert err.value.code == "bad_stage"
    _household, moving = moving_case(cast, "HO2", index=1)
    hand_over(cast, moving)
    with pytest.raises(DomainError) as err:
        hand_over(cast, moving)
    assert err.value.code == "bad_stage"
    assert ExitCase.objects.get(pk=moving.pk).stage == Stage.HANDED_OVER
    assert timezone.localdate()  # time is no longer frozen here
