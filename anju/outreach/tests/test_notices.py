"""Notices through their services: who a notice reaches (district, estate, building),
when it shows (publish and expiry times, withdrawal, drafts), corrections that keep the
target, questions and answers, attachments checked by their bytes, read confirmations
(once, only for an important notice the household is shown), exact read rates per
estate, and the SMS push, queued once per household however often it is pressed."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, MessageStatus, TimelineEntry
from anju.outreach.models import Notice, NoticeRead, NoticeStatus
from anju.outreach.selectors import notices as sel
from anju.outreach.services import notices as svc
from anju.testing.tenancy import housed_household

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TZ = datetime.timezone(datetime.timedelta(hours=8))
MONDAY = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def at(moment):
    return time_machine.travel(moment, tick=False)


def write(cast, *, audience="district", estate=None, building=None, important=True, **extra):
    fields = {"kind": "announcement", "title": "Water off on Thursday", "body": "9:00–17:00."}
    fields.update(extra)
    return svc.notice_create(
        actor=cast.officer,
        audience=audience,
        estate=estate,
        building=building,
        important=important,
        **fields,
    )


def published(cast, **kwargs):
    return svc.notice_publish(write(cast, **kwargs), actor=cast.officer)


@pytest.fixture
def neighbour(cast):
    """A second household of E1, in a building of its own."""
    return housed_household(cast.e1, "HH-N", cast.officer)


def shown(household):
    return set(sel.household_notices(household).values_list("title", flat=True))


# --- Who a notice reaches -------------------------------------------------------------


def test_a_building_notice_reaches_only_that_buildings_households(cast, neighbour):
    alice, charlie = cast.alice_household, cast.charlie_household
    with at(MONDAY):
        published(cast, title="District", important=False)
        published(cast, title="E1", audience="estate", estate=cast.e1)
        building = alice.unit.building
        notice = published(cast, title="Alice's building", audience="building", building=building)
        assert notice.estate == cast.e1  # a building notice keeps the building's estate
        assert shown(alice) == {"District", "E1", "Alice's building"}
        assert shown(neighbour) == {"District", "E1"}
        assert shown(charlie) == {"District"}
        assert set(svc.targeted_households(notice)) == {alice}
        district = Notice.objects.get(title="District")
        assert set(svc.targeted_households(district)) == {alice, charlie, neighbour}


def test_a_target_must_name_its_estate_or_building(cast):
    with pytest.raises(DomainError) as caught:
        write(cast, audience="estate")
    assert caught.value.code == "target"
    with pytest.raises(DomainError):
        write(cast, audience="building", estate=cast.e1)
    assert not Notice.objects.exists()


def test_an_estate_outside_the_writers_area_is_refused(cast):
    with pytest.raises(DomainError) as caught:
        svc.notice_create(
            actor=cast.community,
            kind="announcement",
            title="Not ours",
            body="…",
            audience="estate",
            estate=cast.e2,
        )
    assert caught.value.code == "target"


# --- When it shows --------------------------------------------------------------------


def test_drafts_scheduled_expired_and_withdrawn_notices_are_hidden(cast):
    alice = cast.alice_household
    with at(MONDAY):
        write(cast, title="Draft")
        scheduled = svc.notice_publish(
            write(cast, title="Scheduled"),
            actor=cast.officer,
            publish_at=MONDAY + datetime.timedelta(days=2),
        )
        expiring = write(cast, title="Expiring", expire_at=MONDAY + datetime.timedelta(days=1))
        svc.notice_publish(expiring, actor=cast.officer)
        withdrawn = published(cast, title="Withdrawn")
        svc.notice_withdraw(withdrawn, actor=cast.officer, reason="Replaced")
        published(cast, title="Live")
        assert shown(alice) == {"Live", "Expiring"}
        assert set(sel.public_notices().values_list("title", flat=True)) == {"Live", "Expiring"}
        assert sel.state_of(scheduled) == "scheduled"
    with at(MONDAY + datetime.timedelta(days=1, hours=1)):
        assert shown(alice) == {"Live"}
        assert sel.state_of(Notice.objects.get(title="Expiring")) == "expired"
    with at(MONDAY + datetime.timedelta(days=2)):
        assert shown(alice) == {"Live", "Scheduled"}
        assert sel.state_of(Notice.objects.get(title="Scheduled")) == "live"
    withdrawn.refresh_from_db()
    assert sel.state_of(withdrawn) == "withdrawn"


def test_the_public_site_shows_only_live_district_notices(cast):
    with at(MONDAY):
        published(cast, title="District")
        published(cast, title="E1 only", audience="estate", estate=cast.e1)
        write(cast, title="Draft")
        assert list(sel.public_notices().values_list("title", flat=True)) == ["District"]


def test_the_expiry_must_come_after_publishing(cast):
    with at(MONDAY):
        notice = write(cast, expire_at=MONDAY + datetime.timedelta(days=3))
        with pytest.raises(DomainError) as caught:
            svc.notice_publish(
                notice, actor=cast.officer, publish_at=MONDAY + datetime.timedelta(days=5)
            )
        assert caught.value.code == "expiry"
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.DRAFT and notice.publish_at is None
        past = write(cast, expire_at=MONDAY - datetime.timedelta(hours=1))
        with pytest.raises(DomainError):
            svc.notice_publish(past, actor=cast.officer)


def test_publishing_twice_or_withdrawing_a_draft_is_refused(cast):
    notice = published(cast)
    with pytest.raises(DomainError) as caught:
        svc.notice_publish(notice, actor=cast.officer)
    assert caught.value.code == "bad_transition"
    with pytest.raises(DomainError):
        svc.notice_withdraw(write(cast), actor=cast.officer, reason="No")
    with pytest.raises(DomainError) as caught:
        svc.notice_withdraw(notice, actor=cast.officer, reason=" ")
    assert caught.value.code == "reason"


# --- Corrections, questions and attachments -------------------------------------------


def test_a_published_notice_is_corrected_but_keeps_its_target(cast):
    notice = published(cast, audience="estate", estate=cast.e1)
    svc.notice_update(notice, actor=cast.officer, title="Water off on Friday")
    notice.refresh_from_db()
    assert notice.title == "Water off on Friday"
    entry = AuditEntry.objects.filter(action="notice.update").get()
    assert entry.changes["title"] == ["Water off on Thursday", "Water off on Friday"]
    with pytest.raises(DomainError) as caught:
        svc.notice_update(notice, actor=cast.officer, audience="estate", estate=cast.e2)
    assert caught.value.code == "target_fixed"
    notice.refresh_from_db()
    assert notice.estate == cast.e1
    svc.notice_withdraw(notice, actor=cast.officer, reason="Wrong day")
    with pytest.raises(DomainError):
        svc.notice_update(notice, actor=cast.officer, title="Again")


def test_an_expired_notice_is_corrected_but_its_expiry_cannot_move_into_the_past(cast):
    with at(MONDAY):
        notice = published(cast, expire_at=MONDAY + datetime.timedelta(days=1))
    with at(MONDAY + datetime.timedelta(days=3)):
        expiry = notice.expire_at
        svc.notice_update(notice, actor=cast.officer, title="Corrected", expire_at=expiry)
        notice.refresh_from_db()
        assert notice.title == "Corrected"
        with pytest.raises(DomainError) as caught:
            svc.notice_update(
                notice, actor=cast.officer, expire_at=MONDAY + datetime.timedelta(days=2)
            )
        assert caught.value.code == "expiry"
        svc.notice_update(notice, actor=cast.officer, expire_at=None)  # shown again
        assert notice.title in shown(cast.alice_household)


def test_questions_and_answers_are_added_replaced_and_removed_in_order(cast):
    notice = write(cast, kind="explainer", questions=[("Who pays?", "The tenant."), ("", "")])
    assert list(notice.questions.values_list("question", flat=True)) == ["Who pays?"]
    row = svc.notice_question_add(notice, actor=cast.officer, question="When?", answer="Monthly.")
    assert list(notice.questions.values_list("question", flat=True)) == ["Who pays?", "When?"]
    svc.notice_question_remove(row, actor=cast.officer)
    svc.notice_update(notice, actor=cast.officer, questions=[("First", "1"), ("Second", "2")])
    assert list(notice.questions.values_list("question", "sort")) == [
        ("First", 0),
        ("Second", 1),
    ]
    with pytest.raises(DomainError):
        svc.notice_question_add(notice, actor=cast.officer, question="Half", answer="")


def test_a_bad_attachment_is_refused_with_its_name_and_nothing_is_kept(cast):
    notice = write(cast)
    fake = SimpleUploadedFile("rules.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(DomainError) as caught:
        svc.notice_attach(notice, actor=cast.officer, file=fake)
    assert caught.value.code == "upload_type"
    assert "rules.pdf" in caught.value.message
    empty = SimpleUploadedFile("empty.pdf", b"", "application/pdf")
    with pytest.raises(DomainError) as caught:
        svc.notice_attach(notice, actor=cast.officer, file=empty)
    assert caught.value.code == "upload_empty"
    assert not notice.attachments.exists()
    good = SimpleUploadedFile("rules.pdf", PDF, "application/pdf")
    attachment = svc.notice_attach(notice, actor=cast.officer, file=good)
    assert attachment.title == "rules.pdf"


# --- Read confirmations and rates -----------------------------------------------------


def test_confirming_a_notice_is_idempotent_and_written_on_the_archive(cast):
    notice = published(cast, audience="estate", estate=cast.e1)
    alice = cast.alice_household
    first = svc.notice_confirm_read(notice, household=alice, user=cast.alice)
    again = svc.notice_confirm_read(notice, household=alice, user=cast.alice)
    assert first == again
    assert NoticeRead.objects.count() == 1
    assert TimelineEntry.objects.filter(household=alice, verb="notice.read").count() == 1
    assert not sel.awaiting_confirmation(alice).exists()


def test_only_an_important_live_notice_the_household_is_shown_can_be_confirmed(cast):
    plain = published(cast, important=False)
    with pytest.raises(DomainError) as caught:
        svc.notice_confirm_read(plain, household=cast.alice_household)
    assert caught.value.code == "not_important"
    elsewhere = published(cast, audience="estate", estate=cast.e2)
    with pytest.raises(DomainError) as caught:
        svc.notice_confirm_read(elsewhere, household=cast.alice_household)
    assert caught.value.code == "not_shown"
    draft = write(cast)
    with pytest.raises(DomainError):
        svc.notice_confirm_read(draft, household=cast.alice_household)
    assert not NoticeRead.objects.exists()
    # Once published it can be confirmed, even through the copy read before publishing.
    svc.notice_publish(draft, actor=cast.officer)
    svc.notice_confirm_read(draft, household=cast.alice_household)
    assert NoticeRead.objects.filter(notice=draft).exists()


def test_read_rates_count_the_confirmed_among_the_households_reached(cast, neighbour):
    third = housed_household(cast.e1, "HH-T", cast.officer)
    notice = published(cast)
    for household in (cast.alice_household, neighbour):
        svc.notice_confirm_read(notice, household=household)
    rows, total = sel.read_rates_by_estate(cast.officer, notice)
    assert [(r["code"], r["rate"].confirmed, r["rate"].targeted) for r in rows] == [
        ("E1", 2, 3),
        ("E2", 0, 1),
    ]
    assert (total.confirmed, total.targeted, total.percent) == (2, 4, 50)
    # A community worker of E1 counts only E1's households.
    rows, total = sel.read_rates_by_estate(cast.community, notice)
    assert [r["code"] for r in rows] == ["E1"]
    assert (total.confirmed, total.targeted, total.percent) == (2, 3, 67)
    assert set(sel.unconfirmed_households(cast.community, notice)) == {third}
    assert set(sel.unconfirmed_households(cast.officer, notice)) == {
        third,
        cast.charlie_household,
    }
    # The list's rates agree, for several notices at once.
    building = published(cast, audience="building", building=neighbour.unit.building)
    svc.notice_confirm_read(building, household=neighbour)
    rates = sel.read_rates(cast.officer, [notice, building, published(cast, important=False)])
    assert (rates[notice.pk].confirmed, rates[notice.pk].targeted) == (2, 4)
    assert (rates[building.pk].confirmed, rates[building.pk].targeted) == (1, 1)
    assert len(rates) == 2


# --- Sending by SMS ---------------------------------------------------------------------


def test_a_push_queues_one_sms_per_household_once(cast, neighbour):
    notice = published(cast, audience="estate", estate=cast.e1, summary="Store water.")
    assert svc.notice_push(notice, actor=cast.officer) == 2
    messages = Message.objects.filter(template="notice.published")
    assert set(messages.values_list("household", flat=True)) == {
        cast.alice_household.pk,
        neighbour.pk,
    }
    assert {m.key for m in messages} == {
        f"notice:{notice.pk}:{cast.alice_household.pk}",
        f"notice:{notice.pk}:{neighbour.pk}",
    }
    assert all(m.status == MessageStatus.QUEUED and m.channel == "sms" for m in messages)
    assert "Store water." in messages.first().body
    notice.refresh_from_db()
    pushed_at = notice.pushed_at
    assert pushed_at is not None
    # Pressing again adds nothing; a household that moves in later gets it once.
    assert svc.notice_push(notice, actor=cast.officer) == 0
    newcomer = housed_household(cast.e1, "HH-X", cast.officer)
    assert svc.notice_push(notice, actor=cast.officer) == 1
    messages = Message.objects.filter(template="notice.published")
    assert messages.count() == 3 and messages.filter(household=newcomer).exists()
    notice.refresh_from_db()
    assert notice.pushed_at == pushed_at
    assert AuditEntry.objects.filter(action="notice.push").count() == 2


def test_only_a_showing_notice_can_be_pushed(cast):
    draft = write(cast)
    with pytest.raises(DomainError) as caught:
        svc.notice_push(draft, actor=cast.officer)
    assert caught.value.code == "not_live"
    later = svc.notice_publish(
        write(cast), actor=cast.officer, publish_at=timezone.now() + datetime.timedelta(days=1)
    )
    with pytest.raises(DomainError):
        svc.notice_push(later, actor=cast.officer)
    assert not Message.objects.exists()
    svc.notice_publish(draft, actor=cast.officer)
    assert svc.notice_push(draft, actor=cast.officer) == 2  # the copy was read as a draft
