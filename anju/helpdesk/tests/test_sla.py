"""The deadline engine: hours and working days on the district's calendar (weekends,
holidays, make-up working days), the pause of a deferred order, the choice of the
most specific rule, and the services that keep the table."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.helpdesk.models import RepairClass, SlaRule, Urgency
from anju.helpdesk.services import sla

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
HOURS, DAYS = "hours", "working_days"


def at(day: str, time: str = "10:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day} {time}").replace(tzinfo=TZ)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- Counting -----------------------------------------------------------------------------


def test_hours_run_round_the_clock_through_the_night_and_the_weekend():
    # Friday 2026-03-06 22:00 + 24 hours = Saturday 22:00.
    assert sla.deadline(at("2026-03-06", "22:00"), 24, HOURS) == at("2026-03-07", "22:00")


def test_working_days_skip_the_weekend_at_the_same_time_of_day():
    # Friday + 1 working day = Monday, same local time; + 3 = Wednesday.
    assert sla.deadline(at("2026-03-06", "15:30"), 1, DAYS) == at("2026-03-09", "15:30")
    assert sla.deadline(at("2026-03-06", "15:30"), 3, DAYS) == at("2026-03-11", "15:30")


def test_a_report_on_a_saturday_counts_from_the_next_working_day():
    assert sla.deadline(at("2026-03-07", "09:00"), 1, DAYS) == at("2026-03-09", "09:00")


@override_settings(ANJU_HOLIDAYS=frozenset({"2026-05-01", "2026-05-04", "2026-05-05"}))
def test_working_days_skip_public_holidays():
    # Thursday 2026-04-30 + 1 working day: Friday 1 May is a holiday, then the weekend,
    # Monday 4 and Tuesday 5 are holidays too: Wednesday 6 May.
    assert sla.deadline(at("2026-04-30"), 1, DAYS) == at("2026-05-06")


@override_settings(
    ANJU_HOLIDAYS=frozenset({"2026-05-01", "2026-05-04", "2026-05-05"}),
    ANJU_WORKDAYS=frozenset({"2026-05-09"}),
)
def test_a_make_up_working_saturday_counts():
    # Wednesday 6 May + 3 working days: Thursday 7, Friday 8, make-up Saturday 9.
    assert sla.deadline(at("2026-05-06"), 3, DAYS) == at("2026-05-09")


def test_a_deadline_is_given_in_the_districts_time_whatever_the_clock_of_the_server():
    start = datetime.datetime(2026, 3, 6, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Changzhi
    assert sla.deadline(start, 1, DAYS) == at("2026-03-09", "09:30")


def test_an_unknown_unit_or_a_zero_amount_is_a_programming_error():
    with pytest.raises(ValueError):
        sla.deadline(at("2026-03-06"), 0, HOURS)
    with pytest.raises(ValueError):
        sla.deadline(at("2026-03-06"), 1, "weeks")


# --- The pause ----------------------------------------------------------------------------


def test_an_hourly_deadline_moves_on_by_the_whole_pause():
    due = at("2026-03-06", "12:00")
    moved = sla.shift(due, HOURS, at("2026-03-05", "10:00"), at("2026-03-08", "16:30"))
    assert moved == due + datetime.timedelta(days=3, hours=6, minutes=30)


def test_a_working_day_deadline_moves_on_by_the_working_days_the_pause_covered():
    # Deferred Thursday 5 March, taken up Tuesday 10 March: the pause covered Friday 6,
    # Monday 9 and Tuesday 10 (the weekend is not counted): three working days.
    due = at("2026-03-09", "14:00")
    moved = sla.shift(due, DAYS, at("2026-03-05", "10:00"), at("2026-03-10", "08:00"))
    assert moved == at("2026-03-12", "14:00")


def test_a_pause_over_the_weekend_only_does_not_move_a_working_day_deadline():
    due = at("2026-03-10", "14:00")
    assert sla.shift(due, DAYS, at("2026-03-06", "18:00"), at("2026-03-08", "20:00")) == due


def test_a_pause_within_one_day_adds_its_wall_clock_length():
    due = at("2026-03-10", "14:00")
    moved = sla.shift(due, DAYS, at("2026-03-06", "09:00"), at("2026-03-06", "11:15"))
    assert moved == at("2026-03-10", "16:15")


@override_settings(ANJU_HOLIDAYS=frozenset({"2026-03-09"}))
def test_a_holiday_in_the_pause_is_not_a_working_day_of_it():
    due = at("2026-03-11", "10:00")
    moved = sla.shift(due, DAYS, at("2026-03-06", "10:00"), at("2026-03-10", "10:00"))
    # Covered: Saturday, Sunday, the holiday Monday, Tuesday: one working day, and the
    # deadline then moves from Wednesday 11 to Thursday 12.
    assert moved == at("2026-03-12", "10:00")


def test_no_pause_no_change():
    due = at("2026-03-11")
    assert sla.shift(due, HOURS, at("2026-03-06"), at("2026-03-06")) == due


# --- Choosing the rule ----------------------------------------------------------------------


def node(code):
    return RepairClass.objects.get(code=code)


def rule(**fields):
    fields.setdefault("urgency", "")
    fields.setdefault("respond_in", 5)
    fields.setdefault("respond_unit", HOURS)
    fields.setdefault("complete_in", 5)
    fields.setdefault("complete_unit", DAYS)
    fields.setdefault("source", "test")
    return SlaRule.objects.create(**fields)


def test_the_blank_rule_fits_an_order_nothing_else_fits(cast):
    chosen = sla.rule_for(node("HW01"), cast.e1, Urgency.NORMAL)
    assert (chosen.repair_class, chosen.estate, chosen.urgency) == (None, None, "")
    assert (chosen.respond_in, chosen.respond_unit) == (24, HOURS)
    assert (chosen.complete_in, chosen.complete_unit) == (3, DAYS)


def test_the_seeded_table_gives_emergencies_and_lifts_their_own_deadlines(cast):
    assert sla.rule_for(node("HW02"), cast.e1, Urgency.EMERGENCY).urgency == Urgency.EMERGENCY
    lift = sla.rule_for(node("BL01"), cast.e1, Urgency.NORMAL)
    assert lift.repair_class.code == "BL" and lift.respond_in == 2


def test_the_deepest_classification_wins_over_the_urgency(cast):
    # A gas problem reported as an emergency: the category rule HG beats the blank
    # classification's emergency rule.
    assert sla.rule_for(node("HG01"), cast.e1, Urgency.EMERGENCY).repair_class.code == "HG"
    problem = rule(repair_class=node("HG01"))
    assert sla.rule_for(node("HG01"), cast.e1, Urgency.NORMAL) == problem


def test_a_rule_for_the_estate_beats_a_deeper_rule_for_any_estate(cast):
    problem = rule(repair_class=node("HW01"))
    estate_wide = rule(estate=cast.e1)
    assert sla.rule_for(node("HW01"), cast.e1, Urgency.NORMAL) == estate_wide
    assert sla.rule_for(node("HW01"), cast.e2, Urgency.NORMAL) == problem


def test_among_equally_deep_rules_the_one_for_the_urgency_wins(cast):
    plain = rule(repair_class=node("HW"))
    paid = rule(repair_class=node("HW"), urgency=Urgency.PAID)
    assert sla.rule_for(node("HW04"), cast.e1, Urgency.PAID) == paid
    assert sla.rule_for(node("HW04"), cast.e1, Urgency.NORMAL) == plain


def test_a_rule_of_another_branch_never_applies(cast):
    rule(repair_class=node("HE"), estate=cast.e1, respond_in=1)
    assert sla.rule_for(node("HW01"), cast.e1, Urgency.NORMAL).repair_class is None


def test_the_urgency_an_order_starts_with():
    assert sla.urgency_for(node("HW01"), emergency=True) == Urgency.EMERGENCY
    assert sla.urgency_for(node("HD03"), emergency=False) == Urgency.PAID  # tenant pays
    assert sla.urgency_for(node("HW01"), emergency=False) == Urgency.NORMAL


# --- Keeping the table ----------------------------------------------------------------------


def save(actor, **fields):
    values = {
        "repair_class": None,
        "estate": None,
        "urgency": "",
        "respond_in": 4,
        "respond_unit": HOURS,
        "complete_in": 2,
        "complete_unit": DAYS,
        "source": "物业服务合同第5条",
    }
    values.update(fields)
    return sla.sla_rule_save(actor=actor, **values)


def test_one_rule_per_classification_estate_and_urgency(cast):
    officer = cast.users["officer"]
    added = save(officer, repair_class=node("HE"), estate=cast.e1)
    assert AuditEntry.objects.filter(action="sla_rule.add", target_id=str(added.pk)).exists()
    with pytest.raises(DomainError) as refused:
        save(officer, repair_class=node("HE"), estate=cast.e1, respond_in=9)
    assert refused.value.code == "duplicate"
    # The seeded rule for lifts is already there.
    with pytest.raises(DomainError):
        save(officer, repair_class=node("BL"))


def test_changing_a_rule_is_audited_with_what_changed(cast):
    lift = SlaRule.objects.get(repair_class__code="BL", estate=None)
    save(
        cast.users["officer"], rule=lift, repair_class=node("BL"), respond_in=3, respond_unit=HOURS
    )
    lift.refresh_from_db()
    assert lift.respond_in == 3
    entry = AuditEntry.objects.get(action="sla_rule.change")
    assert entry.changes["respond_in"] == [2, 3]


def test_a_rule_needs_its_source_and_sensible_amounts(cast):
    officer = cast.users["officer"]
    for fields, code in (
        ({"source": "  "}, "source"),
        ({"respond_in": 0}, "amount"),
        ({"complete_unit": "weeks"}, "unit"),
        ({"urgency": "whenever"}, "urgency"),
    ):
        with pytest.raises(DomainError) as refused:
            save(officer, repair_class=node("HA"), **fields)
        assert refused.value.code == code


def test_the_blank_rule_cannot_be_deleted_nor_narrowed(cast):
    officer = cast.users["officer"]
    blank = SlaRule.objects.get(repair_class=None, estate=None, urgency="")
    with pytest.raises(DomainError) as refused:
        sla.sla_rule_delete(blank, actor=officer)
    assert refused.value.code == "catch_all"
    with pytest.raises(DomainError):
        save(officer, rule=blank, estate=cast.e1)
    lift = SlaRule.objects.get(repair_class__code="BL", estate=None)
    sla.sla_rule_delete(lift, actor=officer)
    assert sla.rule_for(node("BL01"), cast.e1, Urgency.NORMAL) == blank


def test_a_classification_no_longer_offered_is_recorded(cast):
    leak = node("HW01")
    sla.repair_class_set_active(leak, actor=cast.users["officer"], active=False)
    leak.refresh_from_db()
    assert not leak.is_active
    assert AuditEntry.objects.filter(action="repair_class.deactivate").count() == 1
