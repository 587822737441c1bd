"""Feedback through its services: routing by topic and estate (and an estate's own
route), deadlines in working days, passing on with its trail, the responsible
organisation alone acting, escalation one level per missed deadline (idempotent), the
submitter's rating and the single reopening, closing the unrated, links, and anonymous
feedback keeping no contact."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, MessageChannel, TimelineEntry
from anju.helpdesk.models import (
    Feedback,
    FeedbackChannel,
    FeedbackRoute,
    FeedbackStatus,
    FeedbackStepKind,
)
from anju.helpdesk.services import feedback_clock as clock
from anju.helpdesk.services import feedback_flow as flow
from anju.helpdesk.services.feedback import feedback_submit, route_for
from anju.supervision.models import TipSource
from anju.supervision.services.tips import tip_submit

pytestmark = pytest.mark.django_db

S = FeedbackStatus
# Tuesday 12 May 2026, 10:30 in L District.
NOW = datetime.datetime.fromisoformat("2026-05-12T10:30:00+08:00")


def at(moment: str):
    return time_machine.travel(datetime.datetime.fromisoformat(moment), tick=False)


def local(moment: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(moment)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def give(cast, *, topic="neighbours", estate="e1", channel=FeedbackChannel.PUBLIC, **kwargs):
    values = {
        "channel": channel,
        "kind": "complaint",
        "topic": topic,
        "text": "The stairwell light has been out for a month.",
        "estate": getattr(cast, estate) if estate else None,
        "ip": "203.0.113.9",
    }
    return feedback_submit(**{**values, **kwargs})


def steps(feedback):
    return list(
        feedback.steps.order_by("at", "id").values_list("kind", "from_org__code", "to_org__code")
    )


# --- Giving and routing -----------------------------------------------------------------


def test_feedback_is_numbered_and_routed_by_topic_to_the_estates_organisations(cast):
    with at("2026-05-12T10:30:00+08:00"):
        routed = {
            topic: give(cast, topic=topic).organisation
            for topic in ("repairs", "rent", "neighbours", "exchange")
        }
    assert routed == {
        "repairs": cast.property_1,
        "rent": cast.operator_1,
        "neighbours": cast.community_a,
        "exchange": cast.authority,
    }
    numbers = sorted(Feedback.objects.values_list("number", flat=True))
    assert numbers == ["FK202600001", "FK202600002", "FK202600003", "FK202600004"]
    first = Feedback.objects.get(number="FK202600001")
    assert steps(first) == [("received", None, "P1")]
    assert AuditEntry.objects.filter(action="feedback.submit").count() == 4


def test_an_estates_own_route_overrides_the_districts_and_a_street_route_finds_the_street(cast):
    FeedbackRoute.objects.create(topic="neighbours", estate=cast.e1, target="property")
    FeedbackRoute.objects.create(topic="accessibility", estate=cast.e2, target="street")
    assert route_for("neighbours", cast.e1) == cast.property_1
    assert route_for("neighbours", cast.e2) == cast.community_b  # the district's route
    assert route_for("accessibility", cast.e2) == cast.street_b
    assert route_for("accessibility", cast.e1) == cast.community_a
    # Without an estate, the authority answers.
    assert give(cast, estate=None).organisation == cast.authority


def test_deadlines_count_working_days_at_the_same_local_time(cast, settings):
    # Friday afternoon: acknowledge by Monday, answer by the next Friday.
    with at("2026-05-15T16:05:00+08:00"):
        friday = give(cast)
    assert friday.acknowledge_by == local("2026-05-18T16:05:00+08:00")
    assert friday.answer_by == local("2026-05-22T16:05:00+08:00")
    # A holiday on the Wednesday pushes the answer to the Monday after.
    settings.ANJU_HOLIDAYS = frozenset({"2026-05-20"})
    with at("2026-05-15T16:05:00+08:00"):
        holiday = give(cast)
    assert holiday.acknowledge_by == local("2026-05-18T16:05:00+08:00")
    assert holiday.answer_by == local("2026-05-25T16:05:00+08:00")
    # Given on a Saturday: the first working day after it is Monday.
    with at("2026-05-16T09:00:00+08:00"):
        saturday = give(cast)
    assert saturday.acknowledge_by == local("2026-05-18T09:00:00+08:00")


def test_anonymous_feedback_keeps_no_contact_and_the_database_insists(cast):
    feedback = give(cast, anonymous=True, contact_name="李四", contact_phone="13700001234")
    assert feedback.anonymous
    assert (feedback.contact_name, feedback.contact_enc, feedback.contact_masked) == ("", "", "")
    assert feedback.submitted_by is None and feedback.household is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.filter(pk=feedback.pk).update(contact_masked="137****1234")


def test_a_contact_phone_is_kept_encrypted_and_revealed_only_into_the_access_log(cast):
    feedback = give(cast, contact_name="李四", contact_phone="137 0000 1234")
    assert feedback.contact_masked == "137****1234"
    assert "13700001234" not in feedback.contact_enc
    assert flow.feedback_reveal_contact(feedback, actor=cast.officer) == "13700001234"
    assert AuditEntry.objects.get(action="feedback.contact_reveal").changes == {
        "contact": "137****1234"
    }


def test_a_tenants_feedback_is_about_their_estate_and_goes_on_the_archive(cast):
    feedback = give(
        cast, channel=FeedbackChannel.PORTAL, actor=cast.alice, estate="e2", topic="rent"
    )
    assert feedback.estate == cast.e1 and feedback.household == cast.alice_household
    assert feedback.organisation == cast.operator_1
    assert TimelineEntry.objects.filter(
        household=cast.alice_household, verb="feedback.received"
    ).exists()
    # Given anonymously, it stays off the archive staff read.
    give(cast, channel=FeedbackChannel.PORTAL, actor=cast.alice, anonymous=True)
    assert TimelineEntry.objects.filter(verb="feedback.received").count() == 1


def test_bad_input_is_refused_and_writes_nothing(cast):
    cases = [
        ({"text": "  "}, "text_required"),
        ({"text": "x" * 2001}, "too_long"),
        ({"topic": "weather"}, "bad_topic"),
        ({"kind": "rant"}, "bad_kind"),
        ({"contact_phone": "12345"}, "phone_invalid"),
        ({"channel": FeedbackChannel.PORTAL, "actor": None}, "actor"),
        ({"channel": FeedbackChannel.STAFF, "actor": None}, "actor"),
    ]
    for kwargs, code in cases:
        with pytest.raises(DomainError) as exc:
            give(cast, **kwargs)
        assert exc.value.code == code, kwargs
    # Staff enter feedback only about estates they look after.
    with pytest.raises(DomainError) as exc:
        give(cast, channel=FeedbackChannel.STAFF, actor=cast.community, estate="e2")
    assert exc.value.code == "estate"
    assert not Feedback.objects.exists()


def test_the_public_channel_takes_so_many_an_hour_from_one_address(cast, settings):
    settings.ANJU_PUBLIC_FEEDBACK_PER_HOUR = 2
    with at("2026-05-12T10:30:00+08:00"):
        give(cast)
        give(cast)
        with pytest.raises(DomainError) as exc:
            give(cast)
        assert exc.value.code == "rate_limited"
        give(cast, ip="198.51.100.7")
    assert Feedback.objects.count() == 3


# --- The responsible organisation ---------------------------------------------------------


def test_only_the_responsible_organisation_or_the_officer_acts_on_feedback(cast):
    feedback = give(cast)  # the community's
    for user in (cast.street, cast.operator, cast.propmgr, cast.auditor, cast.repairer):
        with pytest.raises(DomainError) as exc:
            flow.feedback_acknowledge(feedback, actor=user)
        assert exc.value.code == "not_responsible", user
    flow.feedback_acknowledge(feedback, actor=cast.community)
    feedback.refresh_from_db()
    assert feedback.status == S.ACKNOWLEDGED and feedback.acknowledged_at is not None
    # The officer may answer anyone's; an answer needs words.
    with pytest.raises(DomainError):
        flow.feedback_answer(feedback, actor=cast.officer, answer=" ")
    flow.feedback_answer(feedback, actor=cast.officer, answer="Fixed on Monday.")
    feedback.refresh_from_db()
    assert feedback.status == S.ANSWERED and feedback.answered_by == cast.officer
    with pytest.raises(DomainError) as exc:
        flow.feedback_acknowledge(feedback, actor=cast.community)
    assert exc.value.code == "bad_transition"


def test_a_property_manager_answers_the_property_companys_feedback(cast):
    feedback = give(cast, topic="repairs")
    flow.feedback_answer(feedback, actor=cast.propmgr, answer="A new bulb is in.")
    feedback.refresh_from_db()
    # Answering straight away acknowledges too.
    assert feedback.status == S.ANSWERED and feedback.acknowledged_at == feedback.answered_at


def test_the_submitting_household_is_told_when_acknowledged_and_answered(cast):
    feedback = give(cast, channel=FeedbackChannel.PORTAL, actor=cast.alice)
    flow.feedback_acknowledge(feedback, actor=cast.community)
    flow.feedback_answer(feedback, actor=cast.community, answer="The light is fixed.")
    messages = Message.objects.filter(household=cast.alice_household).order_by("id")
    assert [m.template for m in messages] == [
        "feedback.acknowledged.portal",
        "feedback.answered.portal",
    ]
    assert all(m.channel == MessageChannel.PORTAL for m in messages)
    assert "The light is fixed." in messages[1].body


def test_passing_on_keeps_the_trail_and_the_deadlines(cast):
    with at("2026-05-12T10:30:00+08:00"):
        feedback = give(cast, topic="neighbours")
    deadlines = (feedback.acknowledge_by, feedback.answer_by)
    with pytest.raises(DomainError) as exc:
        flow.feedback_pass_on(feedback, actor=cast.community, to=cast.operator_1, reason="")
    assert exc.value.code == "reason_required"
    # Only to one of the estate's organisations: another estate's company cannot see it.
    with pytest.raises(DomainError) as exc:
        flow.feedback_pass_on(feedback, actor=cast.community, to=cast.property_2, reason="x")
    assert exc.value.code == "bad_target"
    with at("2026-05-13T09:00:00+08:00"):
        feedback = flow.feedback_pass_on(
            feedback, actor=cast.community, to=cast.operator_1, reason="It is about the lease."
        )
    assert feedback.organisation == cast.operator_1
    assert (feedback.acknowledge_by, feedback.answer_by) == deadlines
    assert steps(feedback) == [("received", None, "CA"), ("passed_on", "CA", "O1")]
    assert feedback.steps.get(kind="passed_on").note == "It is about the lease."
    # The operator's answering staff hear of it; the community can act no more.
    assert Message.objects.filter(user=cast.operator, template="feedback.passed_on.in_app").exists()
    with pytest.raises(DomainError) as exc:
        flow.feedback_answer(feedback, actor=cast.community, answer="Done.")
    assert exc.value.code == "not_responsible"
    flow.feedback_answer(feedback, actor=cast.operator, answer="Your lease runs to 2028.")


def test_the_authority_places_feedback_that_named_no_estate(cast):
    feedback = give(cast, estate=None)
    assert flow.pass_on_choices(feedback) == []
    feedback = flow.feedback_pass_on(
        feedback, actor=cast.officer, to=cast.community_b, reason="安泰小区的事", estate=cast.e2
    )
    assert feedback.estate == cast.e2 and feedback.organisation == cast.community_b


def test_feedback_links_to_a_tip_the_staff_member_sees(cast):
    feedback = give(cast)
    tip = tip_submit(
        source=TipSource.PUBLIC, category="sublet", place="x", text="y", estate=cast.e1, ip="1"
    )
    other = tip_submit(
        source=TipSource.PUBLIC, category="sublet", place="x", text="y", estate=cast.e2, ip="2"
    )
    with pytest.raises(DomainError) as exc:  # out of the community's sight
        flow.feedback_link(feedback, actor=cast.community, kind="tip", number=other.number)
    assert exc.value.code == "not_found"
    with pytest.raises(DomainError) as exc:  # the officer sees it, but it is another estate's
        flow.feedback_link(feedback, actor=cast.officer, kind="tip", number=other.number)
    assert exc.value.code == "other_estate"
    flow.feedback_link(feedback, actor=cast.community, kind="tip", number=tip.number.lower())
    feedback.refresh_from_db()
    assert feedback.tip == tip
    assert feedback.steps.get(kind=FeedbackStepKind.LINKED).note == tip.number


# --- Escalation ---------------------------------------------------------------------------


def test_each_missed_deadline_escalates_one_level_once_to_the_right_people(cast):
    with at("2026-05-12T10:30:00+08:00"):
        feedback = give(cast)  # the community's; acknowledge by Wed 10:30, answer by Tue 19
    with at("2026-05-13T10:29:00+08:00"):
        assert clock.feedback_escalate_overdue() == 0
    with at("2026-05-13T10:45:00+08:00"):
        assert clock.feedback_escalate_overdue() == 1
        assert clock.feedback_escalate_overdue() == 0  # the same miss, not again
    feedback.refresh_from_db()
    assert (feedback.organisation, feedback.level) == (cast.street_a, 1)
    escalation = feedback.steps.get(kind=FeedbackStepKind.ESCALATED)
    assert escalation.at == feedback.acknowledge_by
    inbox = Message.objects.filter(template="feedback.escalated.in_app")
    assert [(m.user.username, m.channel) for m in inbox] == [("street", MessageChannel.IN_APP)]
    # Acknowledged late by the street; the answer deadline then passes too.
    with at("2026-05-14T09:00:00+08:00"):
        flow.feedback_acknowledge(feedback, actor=cast.street)
    with at("2026-05-19T10:31:00+08:00"):
        assert clock.feedback_escalate_overdue() == 1
        assert clock.feedback_escalate_overdue() == 0
    feedback.refresh_from_db()
    assert (feedback.organisation, feedback.level) == (cast.authority, 2)
    assert steps(feedback)[-1] == ("escalated", "SA", "AUTH")
    # The officer answers for the authority; the auditor, who does not, hears nothing.
    recipients = {m.user.username for m in inbox.all()}
    assert recipients == {"street", "officer"}
    assert AuditEntry.objects.filter(action="feedback.escalate").count() == 2


def test_a_late_sweep_escalates_once_per_missed_deadline(cast):
    with at("2026-05-12T10:30:00+08:00"):
        feedback = give(cast, topic="rent")  # the operator's
        community = give(cast)
    with at("2026-05-25T09:00:00+08:00"):  # both deadlines long gone
        assert clock.feedback_escalate_overdue() == 4
        assert clock.feedback_escalate_overdue() == 0
    feedback.refresh_from_db()
    community.refresh_from_db()
    # The operator's goes to the authority, and the authority keeps it: flagged twice.
    assert steps(feedback)[1:] == [("escalated", "O1", "AUTH"), ("escalated", "AUTH", "AUTH")]
    assert (feedback.organisation, feedback.level) == (cast.authority, 2)
    assert steps(community)[1:] == [("escalated", "CA", "SA"), ("escalated", "SA", "AUTH")]


def test_answered_feedback_is_not_escalated(cast):
    with at("2026-05-12T10:30:00+08:00"):
        feedback = give(cast)
        flow.feedback_answer(feedback, actor=cast.community, answer="Done.")
    with at("2026-05-25T09:00:00+08:00"):
        assert clock.feedback_escalate_overdue() == 0


# --- Rating and reopening -----------------------------------------------------------------


def answered(cast, **kwargs):
    feedback = give(cast, channel=FeedbackChannel.PORTAL, actor=cast.alice, **kwargs)
    return flow.feedback_answer(feedback, actor=cast.community, answer="We spoke to them.")


def test_only_the_submitter_rates_and_a_rating_closes_it(cast):
    feedback = answered(cast)
    for who in (cast.charlie, cast.community, None):
        with pytest.raises(DomainError) as exc:
            flow.feedback_rate(feedback, rating=5, actor=who)
        assert exc.value.code == "not_submitter"
    with pytest.raises(DomainError) as exc:
        flow.feedback_rate(feedback, rating=6, actor=cast.alice)
    assert exc.value.code == "bad_rating"
    flow.feedback_rate(feedback, rating=4, comment="Quick.", actor=cast.alice)
    feedback.refresh_from_db()
    assert (feedback.status, feedback.rating, feedback.rating_comment) == (S.CLOSED, 4, "Quick.")
    assert [k for k, _, _ in steps(feedback)][-2:] == ["rated", "closed"]
    # Public feedback is rated by whoever holds the tracking code.
    public = flow.feedback_answer(give(cast), actor=cast.community, answer="Done.")
    flow.feedback_rate(public, rating=5, tracking_code=public.tracking_code.lower())
    public.refresh_from_db()
    assert public.status == S.CLOSED


def test_a_low_rating_reopens_once_with_a_new_answer_deadline(cast):
    with at("2026-05-12T10:30:00+08:00"):
        feedback = answered(cast)
    with pytest.raises(DomainError) as exc:  # a good rating does not reopen
        flow.feedback_reopen(feedback, rating=3, actor=cast.alice)
    assert exc.value.code == "rating_too_high"
    with at("2026-05-14T15:00:00+08:00"):  # Thursday
        flow.feedback_reopen(feedback, rating=2, comment="Still noisy.", actor=cast.alice)
    feedback.refresh_from_db()
    assert feedback.status == S.ACKNOWLEDGED and feedback.reopened
    assert feedback.answer == "" and feedback.answered_at is None
    assert feedback.answer_by == local("2026-05-21T15:00:00+08:00")
    assert feedback.steps.filter(kind="answered").get().note == "We spoke to them."
    assert Message.objects.filter(user=cast.community, template="feedback.reopened.in_app").exists()
    flow.feedback_answer(feedback, actor=cast.community, answer="A warning was given.")
    with pytest.raises(DomainError) as exc:
        flow.feedback_reopen(feedback, rating=1, actor=cast.alice)
    assert exc.value.code == "already_reopened"
    flow.feedback_rate(feedback, rating=1, actor=cast.alice)
    feedback.refresh_from_db()
    assert feedback.status == S.CLOSED and feedback.rating == 1


def test_a_reopened_feedback_escalates_again_when_it_misses_its_new_deadline(cast):
    with at("2026-05-12T10:30:00+08:00"):
        feedback = answered(cast)
    with at("2026-05-13T10:30:00+08:00"):
        flow.feedback_reopen(feedback, rating=1, actor=cast.alice)
    with at("2026-05-20T10:31:00+08:00"):
        assert clock.feedback_escalate_overdue() == 1
        assert clock.feedback_escalate_overdue() == 0
    feedback.refresh_from_db()
    assert (feedback.organisation, feedback.level) == (cast.street_a, 1)


def test_answered_feedback_nobody_rates_closes_after_the_quiet_days(cast):
    with at("2026-05-12T10:30:00+08:00"):
        feedback = answered(cast)
        rated = answered(cast)
        flow.feedback_rate(rated, rating=5, actor=cast.alice)
    with at("2026-05-19T10:29:00+08:00"):
        assert clock.feedback_autoclose() == 0
    with at("2026-05-19T10:31:00+08:00"):
        assert clock.feedback_autoclose() == 1
        assert clock.feedback_autoclose() == 0
    feedback.refresh_from_db()
    assert feedback.status == S.CLOSED and feedback.rating is None
    assert (
        TimelineEntry.objects.filter(household=cast.alice_household, verb="feedback.closed").count()
        == 1
    )
