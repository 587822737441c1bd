"""Public notice (公示): masked names and ID numbers, the period from the rule set,
objections from anyone (anonymous too), their investigation and finding, and the close
that sends the households without an open objection to the waiting list."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from anju.admission.models import (
    ApplicationStatus,
    Finding,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
    WaitingEntry,
)
from anju.admission.services.notice import (
    mask_name,
    notice_close,
    notice_publish,
    notices_close_due,
    objection_investigate,
    objection_lodge,
    objection_resolve,
    public_notices,
)
from anju.admission.services.rules import ruleset_update
from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.testing.admission import APPLICANT_IDS, approve, make_application, make_ruleset

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MARCH_2 = date(2026, 3, 2)


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=TZ), tick=False)


def approved(cast, index, name="王小明"):
    with at(date(2026, 2, 20)):
        make_ruleset(cast.officer)
        application = make_application(
            cast, members=((name, APPLICANT_IDS[index], "head", "1400"),)
        )
        return approve(application, cast)


def published(cast, *applications, on=MARCH_2):
    with at(on):
        return notice_publish(actor=cast.officer, applications=applications, title="2026年第一批")


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王小明", "王*明"),
        ("王明", "王*"),
        ("欧阳小明", "欧阳*明"),
        ("欧阳明", "欧阳*"),
        ("王小小明", "王**明"),
        ("欧阳", "欧*"),
    ],
)
def test_names_are_masked_between_the_surname_and_the_last_character(name, masked):
    assert mask_name(name) == masked


def test_a_notice_shows_each_household_masked_with_category_size_and_community(cast):
    application = approved(cast, 0)
    notice = published(cast, application)
    entry = notice.entries.get()
    assert (entry.masked_name, entry.masked_id) == ("王*明", "140402********0019")
    assert (entry.category, entry.size, entry.community_name) == (
        "low_income",
        1,
        cast.community_a.name,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_NOTICE
    assert notice.number.startswith("GS2026")
    assert application.household.timeline.filter(verb="notice.published").exists()


def test_the_notice_period_comes_from_the_rule_set(cast):
    application = approved(cast, 0)
    assert published(cast, application).ends_on == date(2026, 3, 6)  # 5 days, both ends in
    ruleset = application.ruleset
    with at(date(2026, 2, 21)):
        ruleset_update(ruleset, actor=cast.officer, citation="区住建发〔2026〕3号", notice_days=7)
    second = approved(cast, 1, name="李四")
    assert published(cast, second).ends_on == date(2026, 3, 8)


def test_only_approved_applications_are_published(cast):
    with at(date(2026, 2, 20)):
        make_ruleset(cast.officer)
        pending = make_application(cast)
    with pytest.raises(DomainError) as error:
        published(cast, pending)
    assert error.value.code == "not_approved"
    with pytest.raises(DomainError) as error:
        published(cast)
    assert error.value.code == "empty"


def test_anyone_may_object_anonymously_and_the_audit_keeps_no_contact(cast):
    notice = published(cast, approved(cast, 0))
    entry = notice.entries.get()
    with at(date(2026, 3, 4)):
        objection = objection_lodge(
            notice, text="该户有商品房", entry=entry, anonymous=True, contact="13800000000"
        )
    assert objection.anonymous and objection.contact_enc == objection.contact_masked == ""
    assert objection.status == ObjectionStatus.RECEIVED
    audit = AuditEntry.objects.get(action="objection.lodge")
    assert audit.actor is None and "13800000000" not in str(audit.changes)


def test_an_objection_needs_text_a_contact_or_anonymity_and_the_open_period(cast):
    notice = published(cast, approved(cast, 0))
    with at(date(2026, 3, 4)):
        with pytest.raises(DomainError) as error:
            objection_lodge(notice, text="  ", anonymous=True)
        assert error.value.code == "text_required"
        with pytest.raises(DomainError) as error:
            objection_lodge(notice, text="有车", anonymous=False, contact="")
        assert error.value.code == "contact_required"
        general = objection_lodge(notice, text="公示期太短", contact="张先生 13800000000")
        assert general.entry is None
    with at(date(2026, 3, 7)):
        with pytest.raises(DomainError) as error:
            objection_lodge(notice, text="有车", anonymous=True)
        assert error.value.code == "notice_not_open"


def test_closing_sends_households_without_open_objections_to_the_waiting_list(cast):
    clear, objected = approved(cast, 0), approved(cast, 1, name="欧阳小明")
    notice = published(cast, clear, objected)
    target = notice.entries.get(application=objected)
    with at(date(2026, 3, 3)):
        objection = objection_lodge(notice, text="该户有车", entry=target, anonymous=True)
        objection_lodge(notice, text="公示方式不便", anonymous=True)  # general: blocks nobody
        with pytest.raises(DomainError) as error:
            notice_close(notice, actor=cast.officer)
        assert error.value.code == "notice_running"
    with at(date(2026, 3, 7)):
        assert notices_close_due() == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED
    clear.refresh_from_db()
    objected.refresh_from_db()
    assert clear.status == ApplicationStatus.WAITING
    assert objected.status == ApplicationStatus.IN_NOTICE
    assert WaitingEntry.objects.get(application=clear).joined_on == date(2026, 3, 7)
    assert objected.household.timeline.filter(verb="notice.held").exists()
    # Dismissed after the close: the household joins now.
    with at(date(2026, 3, 9)):
        objection_investigate(objection, actor=cast.officer)
        objection_resolve(
            objection, actor=cast.officer, finding=Finding.DISMISSED, finding_text="车辆登记已注销"
        )
    objected.refresh_from_db()
    assert objected.status == ApplicationStatus.WAITING
    assert WaitingEntry.objects.get(application=objected).position == 2


def test_an_upheld_objection_sends_the_household_back_to_authority_review(cast):
    application = approved(cast, 0)
    notice = published(cast, application)
    with at(date(2026, 3, 3)):
        objection = objection_lodge(
            notice, text="该户在外地有房产", entry=notice.entries.get(), contact="李女士"
        )
        with pytest.raises(DomainError) as error:
            objection_resolve(
                objection, actor=cast.officer, finding=Finding.UPHELD, finding_text=""
            )
        assert error.value.code == "finding_required"
        objection_resolve(
            objection, actor=cast.officer, finding=Finding.UPHELD, finding_text="不动产登记查实有房"
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AUTHORITY_REVIEW
    assert application.due_on is not None
    assert application.household.timeline.filter(verb="notice.objection_upheld").exists()
    objection.refresh_from_db()
    assert (objection.resolved_by, objection.status) == (cast.officer, ObjectionStatus.RESOLVED)
    with pytest.raises(DomainError) as error:
        objection_resolve(
            objection, actor=cast.officer, finding=Finding.DISMISSED, finding_text="again"
        )
    assert error.value.code == "already_resolved"
    with at(date(2026, 3, 7)):
        assert notice_close(notice, actor=cast.officer) == {"joined": 0, "held": 0}
    assert not WaitingEntry.objects.exists()


def test_the_public_sees_open_notices_that_have_started_and_recently_closed_ones(cast):
    current = published(cast, approved(cast, 0))
    future = published(cast, approved(cast, 1, name="李四"), on=date(2026, 4, 1))
    with at(date(2026, 3, 3)):
        assert list(public_notices()) == [current]
    with at(date(2026, 4, 2)):
        notice_close(current, actor=cast.officer)
        assert list(public_notices()) == [future, current]
    with at(date(2026, 9, 1)):
        assert current not in list(public_notices())
    assert future.ends_on - future.starts_on == timedelta(days=4)


# --- The pages ---------------------------------------------------------------------


def test_the_public_page_shows_masked_households_without_logging_in(cast, client):
    application = approved(cast, 0)
    notice = published(cast, application, on=timezone.localdate())
    listing = client.get(reverse("notice_public_list"))
    assert listing.status_code == 200 and notice.title in listing.content.decode()
    page = client.get(reverse("notice_public_detail", args=[notice.pk])).content.decode()
    assert "王*明" in page and "140402********0019" in page
    assert "王小明" not in page and APPLICANT_IDS[0] not in page
    assert 'data-testid="objection-form"' in page


def test_an_objection_lodged_on_the_public_page_is_recorded_anonymously(cast, client):
    notice = published(cast, approved(cast, 0), on=timezone.localdate())
    entry = notice.entries.get()
    url = reverse("notice_objection_lodge", args=[notice.pk])
    response = client.post(url, {"entry": entry.pk, "text": "该户有车", "contact": ""})
    assert response.status_code == 200  # neither a contact nor anonymity: shown again
    assert not Objection.objects.exists()
    response = client.post(url, {"entry": entry.pk, "text": "该户有车", "anonymous": "on"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.entry, objection.anonymous, objection.contact_masked) == (entry, True, "")


def test_objections_from_one_address_are_limited_per_day(cast, client, settings):
    settings.ANJU_OBJECTIONS_PER_DAY = 1
    cache.clear()
    notice = published(cast, approved(cast, 0), on=timezone.localdate())
    url = reverse("notice_objection_lodge", args=[notice.pk])
    assert client.post(url, {"text": "一", "anonymous": "on"}).status_code == 302
    assert client.post(url, {"text": "二", "anonymous": "on"}).status_code == 429
    assert Objection.objects.count() == 1
    cache.clear()


def test_the_officer_publishes_and_resolves_an_objection_through_the_pages(cast, client_for):
    application = approved(cast, 0)
    officer = client_for("officer")
    form = officer.get(reverse("notice_create"))
    assert application.number in form.content.decode()
    response = officer.post(
        reverse("notice_create"),
        {
            "title": "第一批",
            "starts_on": timezone.localdate().isoformat(),
            "applications": [application.pk],
        },
    )
    notice = PublicNotice.objects.get()
    assert response["Location"] == reverse("notice_detail", args=[notice.pk])
    objection = objection_lodge(
        notice, text="有房", entry=notice.entries.get(), contact="李女士 13800000000"
    )
    page = officer.get(reverse("notice_detail", args=[notice.pk])).content.decode()
    assert "李女士 138****0000" in page and "13800000000" not in page
    assert f'data-testid="resolve-{objection.pk}"' in page
    officer.post(
        reverse("notice_objection_resolve", args=[objection.pk]),
        {"finding": "upheld", "finding_text": "查实有房"},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AUTHORITY_REVIEW


def test_staff_see_only_the_objections_about_their_own_households(cast, client_for):
    notice = published(cast, approved(cast, 0), on=timezone.localdate())
    objection_lodge(notice, text="关于本户", entry=notice.entries.get(), anonymous=True)
    objection_lodge(notice, text="关于公示本身", anonymous=True)
    street = client_for("street").get(reverse("notice_detail", args=[notice.pk])).content.decode()
    assert "关于本户" in street and "关于公示本身" not in street
    officer = client_for("officer").get(reverse("notice_detail", args=[notice.pk]))
    assert "关于公示本身" in officer.content.decode()


def test_an_objectors_contact_is_kept_encrypted_and_read_only_through_the_access_log(
    cast, client_for
):
    notice = published(cast, approved(cast, 0))
    with at(MARCH_2):
        objection = objection_lodge(notice, text="有房", contact="李女士 13800000000")
    objection.refresh_from_db()
    assert "13800000000" not in objection.contact_enc
    assert objection.contact_masked == "李女士 138****0000"
    response = client_for("officer").post(
        reverse("notice_objection_contact", args=[objection.pk]), HTTP_HX_REQUEST="true"
    )
    assert "李女士 13800000000" in response.content.decode()
    access = AuditEntry.objects.get(action="objection.contact_reveal")
    assert (access.kind, access.actor) == ("access", cast.officer)
    assert "13800000000" not in str(access.changes)
