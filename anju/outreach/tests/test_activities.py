"""Community activities through their services: planning and its rules, sign-up
(capacity counted in people, the deadline, the households an activity is for, a second
sign-up, cancelling and signing up again), cancelling an activity (each household
signed up gets a portal message), attendance (after the start only; volunteering
credited once per household, re-recording harmless, un-marking a credited household
refused) and the daily closing of sign-up. Time is frozen."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, TimelineEntry
from anju.outreach.models import Activity, ActivityStatus, Signup
from anju.outreach.services import activities as svc
from anju.supervision.models import CreditKind, GoodConductCredit
from anju.testing.tenancy import housed_household

TZ = ZoneInfo("Asia/Shanghai")


def moment(day, hour=10, minute=0) -> datetime.datetime:
    return datetime.datetime(2026, 5, day, hour, minute, tzinfo=TZ)


def at(day, hour=10, minute=0):
    return time_machine.travel(moment(day, hour, minute), tick=False)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def plan(estate=None, *, capacity=10, volunteering=False, hours=None, **changes):
    values = {
        "title": "Spring clean of the courtyard",
        "place": "Courtyard of building 1",
        "starts_at": moment(20, 9),
        "ends_at": moment(20, 11),
        "signup_until": moment(18, 18),
        "capacity": capacity,
        "estate": estate,
        "volunteering": volunteering,
        "hours": hours,
    }
    return svc.ActivityInput(**{**values, **changes})


@pytest.fixture
def activity(cast):
    with at(1):
        return svc.activity_create(plan(cast.e1, capacity=5), actor=cast.community)


def test_a_community_plans_an_activity_for_its_estate_open_for_sign_up(cast, activity):
    assert activity.organiser == cast.community_a
    assert activity.estate == cast.e1
    assert activity.status == ActivityStatus.OPEN
    assert AuditEntry.objects.filter(action="activity.create", target_id=str(activity.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": " "}, "title"),
        ({"place": ""}, "place"),
        ({"ends_at": moment(20, 9)}, "times"),
        ({"signup_until": moment(20, 10)}, "times"),
        ({"capacity": 0}, "capacity"),
        ({"volunteering": True, "hours": None}, "hours"),
        ({"volunteering": True, "hours": Decimal("1.25")}, "hours"),
        (
            {
                "starts_at": moment(1, 9),
                "ends_at": moment(1, 11),
                "signup_until": moment(1, 8),
            },
            "past",
        ),
        ({"signup_until": moment(1, 9)}, "past"),
    ],
)
def test_bad_plans_are_refused_and_nothing_is_written(cast, changes, code):
    with at(1), pytest.raises(DomainError) as err:
        svc.activity_create(plan(cast.e1, **changes), actor=cast.community)
    assert err.value.code == code
    assert not Activity.objects.exists()


def test_only_the_authority_plans_for_the_whole_district_and_a_community_for_its_own(cast):
    with at(1):
        with pytest.raises(DomainError) as err:
            svc.activity_create(plan(None), actor=cast.community)
        assert err.value.code == "estate"
        with pytest.raises(DomainError) as err:
            svc.activity_create(plan(cast.e2), actor=cast.community)
        assert err.value.code == "estate"
        with pytest.raises(DomainError) as err:
            svc.activity_create(plan(cast.e1), actor=cast.operator)
        assert err.value.code == "not_organiser"
        district = svc.activity_create(plan(None), actor=cast.officer)
    assert district.organiser == cast.authority and district.estate is None
    # Volunteering hours are dropped when the activity is not volunteering.
    assert district.hours is None


def test_capacity_counts_people_and_a_full_activity_is_refused_clearly(cast, activity):
    bob = housed_household(cast.e1, "HH-B", cast.officer)
    dora = housed_household(cast.e1, "HH-D", cast.officer)
    with at(10):
        svc.signup_create(activity, cast.alice_household, actor=cast.alice, people=3)
        with pytest.raises(DomainError) as err:
            svc.signup_create(activity, bob, actor=cast.community, people=3)
        assert err.value.code == "full"
        assert str(err.value) == "Only 2 places are left."
        svc.signup_create(activity, bob, actor=cast.community, people=2)
        with pytest.raises(DomainError) as err:
            svc.signup_create(activity, dora, actor=cast.community, people=1)
        assert str(err.value) == "The activity is full."
    assert Signup.objects.filter(activity=activity).count() == 2
    assert svc.taken_places(activity) == 5


def test_a_second_sign_up_is_refused_and_people_must_be_one_at_least(cast, activity):
    with at(10):
        svc.signup_create(activity, cast.alice_household, actor=cast.alice)
        with pytest.raises(DomainError) as err:
            svc.signup_create(activity, cast.alice_household, actor=cast.alice)
        assert err.value.code == "already"
        with pytest.raises(DomainError) as err:
            svc.signup_create(activity, cast.alice_household, actor=cast.alice, people=0)
        assert err.value.code == "people"
    assert Signup.objects.count() == 1


def test_only_the_households_an_activity_is_for_may_sign_up(cast, activity):
    with at(1):
        district = svc.activity_create(plan(None), actor=cast.officer)
    with at(10):
        with pytest.raises(DomainError) as err:
            svc.signup_create(activity, cast.charlie_household, actor=cast.charlie)
        assert err.value.code == "not_for_household"
        # A district-wide activity takes every housed household.
        svc.signup_create(district, cast.charlie_household, actor=cast.charlie)
        svc.signup_create(district, cast.alice_household, actor=cast.alice)


def test_sign_up_closes_at_its_deadline_and_so_does_cancelling(cast, activity):
    with at(10):
        signup = svc.signup_create(activity, cast.alice_household, actor=cast.alice)
    with at(18, 18):
        with pytest.raises(DomainError) as err:
            svc.signup_create(activity, cast.charlie_household, actor=cast.officer)
        assert err.value.code in ("closed", "not_for_household")
        bob = housed_household(cast.e1, "HH-B", cast.officer)
        with pytest.raises(DomainError) as err:
            svc.signup_create(activity, bob, actor=cast.community)
        assert err.value.code == "closed"
        assert str(err.value) == "Sign-up closed on 2026-05-18 18:00."
        with pytest.raises(DomainError) as err:
            svc.signup_cancel(signup, actor=cast.alice)
        assert err.value.code == "closed"
    signup.refresh_from_db()
    assert signup.cancelled_at is None


def test_a_cancelled_sign_up_frees_its_places_and_the_household_may_sign_up_again(cast, activity):
    with at(10):
        signup = svc.signup_create(activity, cast.alice_household, actor=cast.alice, people=4)
        svc.signup_cancel(signup, actor=cast.alice)
        assert svc.taken_places(activity) == 0
        with pytest.raises(DomainError) as err:
            svc.signup_cancel(signup, actor=cast.alice)
        assert err.value.code == "cancelled"
        again = svc.signup_create(activity, cast.alice_household, actor=cast.alice, people=2)
    assert again.pk == signup.pk and again.cancelled_at is None and again.people == 2
    verbs = list(
        TimelineEntry.objects.filter(household=cast.alice_household, verb__startswith="activity.")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["activity.signed_up", "activity.signup_cancelled", "activity.signed_up"]


def test_cancelling_an_activity_tells_each_household_signed_up_once(
    cast, activity, django_capture_on_commit_callbacks
):
    bob = housed_household(cast.e1, "HH-B", cast.officer)
    with at(10):
        svc.signup_create(activity, cast.alice_household, actor=cast.alice)
        gone = svc.signup_create(activity, bob, actor=cast.community)
        svc.signup_cancel(gone, actor=cast.community)
        with pytest.raises(DomainError) as err:
            svc.activity_cancel(activity, actor=cast.community, reason=" ")
        assert err.value.code == "reason"
        with django_capture_on_commit_callbacks(execute=True):
            svc.activity_cancel(activity, actor=cast.community, reason="Heavy rain forecast")
        with pytest.raises(DomainError) as err:
            svc.activity_cancel(activity, actor=cast.community, reason="again")
        assert err.value.code == "bad_transition"
        with pytest.raises(DomainError) as err:
            svc.signup_create(activity, bob, actor=cast.community)
        assert err.value.code == "cancelled"
    message = Message.objects.get()
    assert message.household == cast.alice_household
    assert message.channel == "portal" and message.template == "activity.cancelled.portal"
    assert "Spring clean of the courtyard" in message.body
    assert "Heavy rain forecast" in message.body
    assert "2026-05-20 09:00" in message.body
    assert TimelineEntry.objects.filter(
        household=cast.alice_household, verb="activity.cancelled"
    ).exists()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED


def test_an_activity_changes_before_it_starts_within_what_is_signed_up(cast, activity):
    with at(10):
        svc.signup_create(activity, cast.alice_household, actor=cast.alice, people=3)
        with pytest.raises(DomainError) as err:
            svc.activity_edit(activity, plan(cast.e1, capacity=2), actor=cast.community)
        assert err.value.code == "capacity"
        with pytest.raises(DomainError) as err:
            svc.activity_edit(activity, plan(None, capacity=5), actor=cast.officer)
        assert err.value.code == "estate_locked"
        edited = svc.activity_edit(
            activity,
            plan(cast.e1, capacity=8, place="Community hall", signup_until=moment(10, 9)),
            actor=cast.community,
        )
    # The new deadline has passed: sign-up is closed.
    assert edited.status == ActivityStatus.CLOSED
    assert edited.place == "Community hall" and edited.capacity == 8
    change = AuditEntry.objects.get(action="activity.edit")
    assert change.changes["capacity"] == [5, 8]
    with at(20, 9, 30), pytest.raises(DomainError) as err:
        svc.activity_edit(activity, plan(cast.e1), actor=cast.community)
    assert err.value.code == "started"


def test_attendance_waits_for_the_start(cast, activity):
    with at(10):
        signup = svc.signup_create(activity, cast.alice_household, actor=cast.alice)
        with pytest.raises(DomainError) as err:
            svc.attendance_record(activity, actor=cast.community, came={signup.pk: True})
        assert err.value.code == "not_started"


@pytest.fixture
def volunteering(cast):
    with at(1):
        return svc.activity_create(
            plan(cast.e1, volunteering=True, hours=Decimal("2.5")), actor=cast.community
        )


def test_attendance_credits_volunteering_hours_once_per_household(cast, volunteering):
    bob = housed_household(cast.e1, "HH-B", cast.officer)
    with at(10):
        alice = svc.signup_create(volunteering, cast.alice_household, actor=cast.alice, people=2)
        bobs = svc.signup_create(volunteering, bob, actor=cast.community)
    with at(20, 12):
        result = svc.attendance_record(
            volunteering, actor=cast.community, came={alice.pk: True, bobs.pk: False}
        )
        assert (result.came, result.absent, result.credited) == (1, 1, 1)
        # Recording again, and marking Bob's household as come after all.
        again = svc.attendance_record(
            volunteering, actor=cast.community, came={alice.pk: True, bobs.pk: True}
        )
        assert again.credited == 1
        third = svc.attendance_record(volunteering, actor=cast.community, came={alice.pk: True})
        assert third.credited == 0
    credits = GoodConductCredit.objects.order_by("household__number")
    assert [(c.household.number, c.kind, c.amount) for c in credits] == [
        ("HH-A", CreditKind.VOLUNTEERING, Decimal("2.5")),
        ("HH-B", CreditKind.VOLUNTEERING, Decimal("2.5")),
    ]
    assert credits[0].source_key == f"activity:{volunteering.pk}:{cast.alice_household.pk}"
    assert credits[0].occurred_on == datetime.date(2026, 5, 20)
    alice.refresh_from_db()
    assert alice.attended is True and alice.credit == credits[0]
    volunteering.refresh_from_db()
    assert volunteering.status == ActivityStatus.HELD
    assert (
        TimelineEntry.objects.filter(
            household=cast.alice_household, verb="activity.attended"
        ).count()
        == 1
    )


def test_a_credited_household_cannot_be_marked_absent_and_the_credit_stays(cast, volunteering):
    with at(10):
        signup = svc.signup_create(volunteering, cast.alice_household, actor=cast.alice)
    with at(20, 12):
        svc.attendance_record(volunteering, actor=cast.community, came={signup.pk: True})
        for value in (False, None):
            with pytest.raises(DomainError) as err:
                svc.attendance_record(volunteering, actor=cast.community, came={signup.pk: value})
            assert err.value.code == "credited"
            assert "HH-A came and was credited 2.5 volunteering hours" in str(err.value)
    signup.refresh_from_db()
    assert signup.attended is True and signup.credit is not None
    assert GoodConductCredit.objects.count() == 1


def test_attendance_names_only_the_activitys_live_sign_ups(cast, activity):
    with at(1):
        other = svc.activity_create(plan(cast.e1), actor=cast.community)
    with at(10):
        mine = svc.signup_create(activity, cast.alice_household, actor=cast.alice)
        theirs = svc.signup_create(other, cast.alice_household, actor=cast.alice)
        svc.signup_cancel(mine, actor=cast.alice)
    with at(20, 12), pytest.raises(DomainError) as err:
        svc.attendance_record(activity, actor=cast.community, came={mine.pk: True, theirs.pk: True})
    assert err.value.code == "unknown_signup"


def test_an_activity_without_credit_records_attendance_and_credits_nothing(cast, activity):
    with at(10):
        signup = svc.signup_create(activity, cast.alice_household, actor=cast.alice)
    with at(21):
        result = svc.attendance_record(activity, actor=cast.community, came={signup.pk: True})
    assert result.credited == 0 and not GoodConductCredit.objects.exists()


def test_the_daily_step_marks_sign_up_closed_after_the_deadline(cast, activity):
    with at(18, 17):
        assert svc.signups_close_due() == 0
    with at(18, 19):
        assert svc.signups_close_due() == 1
        assert svc.signups_close_due() == 0
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CLOSED


def test_a_district_wide_activity_is_managed_by_the_authority_only(cast):
    with at(1):
        district = svc.activity_create(plan(None), actor=cast.officer)
    assert svc.may_manage(cast.officer, district)
    assert not svc.may_manage(cast.community, district)
