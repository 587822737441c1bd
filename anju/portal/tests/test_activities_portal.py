"""Community activities on the portal: the household sees the district's activities
and its estate's (not another estate's), signs up for as many people as places are left,
cancels before the deadline, and follows its sign-ups to the credit for volunteering;
the home page shows what is coming up. Only the tenant's own household: another
estate's activity is 404."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anju.outreach.models import Signup
from anju.outreach.services import activities as svc

TZ = ZoneInfo("Asia/Shanghai")


def moment(day, hour=10):
    return datetime.datetime(2026, 5, day, hour, tzinfo=TZ)


def at(day, hour=10):
    return time_machine.travel(moment(day, hour), tick=False)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def login(cast, username) -> Client:
    client = Client()
    client.force_login(cast.users[username])
    return client


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def plan(estate, title, *, capacity=10, volunteering=False):
    return svc.ActivityInput(
        title=title,
        place="Community hall",
        starts_at=moment(20, 9),
        ends_at=moment(20, 11),
        signup_until=moment(18, 18),
        capacity=capacity,
        estate=estate,
        volunteering=volunteering,
        hours=Decimal("2.0") if volunteering else None,
    )


@pytest.fixture
def activities(cast):
    with at(1):
        return {
            "e1": svc.activity_create(
                plan(cast.e1, "Courtyard clean-up", capacity=3, volunteering=True),
                actor=cast.community,
            ),
            "district": svc.activity_create(plan(None, "District book fair"), actor=cast.officer),
            "e2": svc.activity_create(plan(cast.e2, "E2 chess club"), actor=cast.officer),
        }


def test_a_tenant_sees_the_district_and_the_estates_activities_only(cast, activities):
    with at(5):
        page = login(cast, "alice").get(reverse("portal_activities")).content.decode()
        assert "Courtyard clean-up" in page and "District book fair" in page
        assert "E2 chess club" not in page
        assert "3 places left" in page
        alice = login(cast, "alice")
        assert alice.get(reverse("portal_activity", args=[activities["e2"].pk])).status_code == 404
        charlie = login(cast, "charlie")
        url = reverse("portal_activity_signup", args=[activities["e1"].pk])
        assert charlie.post(url, {"people": "1"}).status_code == 404
        assert login(cast, "officer").get(reverse("portal_activities")).status_code == 404
    assert not Signup.objects.exists()


def test_a_tenant_signs_up_and_cancels_before_the_deadline(cast, activities):
    activity = activities["e1"]
    detail = reverse("portal_activity", args=[activity.pk])
    signup = reverse("portal_activity_signup", args=[activity.pk])
    cancel = reverse("portal_activity_cancel", args=[activity.pk])
    with at(5):
        alice = login(cast, "alice")
        page = alice.get(detail).content.decode()
        assert 'data-testid="signup-form"' in page and "2.0 hours of good conduct" in page
        response = alice.post(signup, {"people": "4"}, follow=True)
        assert said(response) == ["Only 3 places are left."]
        response = alice.post(signup, {"people": "2"}, follow=True)
        assert said(response) == ["You are signed up for “Courtyard clean-up”. See you there!"]
        assert "You are signed up: 2 people." in response.content.decode()
        response = alice.post(cancel, follow=True)
        assert said(response) == ["Your sign-up is cancelled."]
        assert alice.post(cancel).status_code == 404  # nothing left to cancel
        alice.post(signup, {"people": "1"})
    with at(19):
        alice = login(cast, "alice")
        response = alice.post(cancel, follow=True)
        assert said(response) == ["Sign-up closed on 2026-05-18 18:00."]
        page = alice.get(detail).content.decode()
        assert 'data-testid="cancel-signup"' not in page and "Sign-up is closed." not in page
    assert Signup.objects.get().cancelled_at is None


def test_the_tenant_follows_a_sign_up_to_the_volunteering_credit(cast, activities):
    activity = activities["e1"]
    with at(5):
        signup = svc.signup_create(activity, cast.alice_household, actor=cast.alice)
    with at(20, 12):
        svc.attendance_record(activity, actor=cast.community, came={signup.pk: True})
        page = login(cast, "alice").get(reverse("portal_activities")).content.decode()
    assert 'data-testid="my-signups"' in page
    assert "came · 2.0 h credited" in page


def test_the_home_page_shows_what_is_coming_up(cast, activities):
    with at(5):
        page = login(cast, "alice").get(reverse("portal_home")).content.decode()
    assert 'data-testid="community-card"' in page
    assert "Courtyard clean-up" in page and "E2 chess club" not in page
