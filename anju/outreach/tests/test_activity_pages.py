"""The staff pages of community activities: planning through the form, the list
(upcoming and past, by estate, its htmx table, a bounded number of queries), sign-up at
the counter by household number, the attendance form with its credit, cancelling, and
who may change what (a district-wide activity is the authority's)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anju.core.models import Message
from anju.outreach.models import Activity, ActivityStatus, Signup
from anju.outreach.services import activities as svc
from anju.supervision.models import GoodConductCredit

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


def plan(estate, title, *, day=20, volunteering=False):
    return svc.ActivityInput(
        title=title,
        place="Community hall",
        starts_at=moment(day, 9),
        ends_at=moment(day, 11),
        signup_until=moment(day - 2, 18),
        capacity=10,
        estate=estate,
        volunteering=volunteering,
        hours=Decimal("3.0") if volunteering else None,
    )


def said(response):
    """The messages shown after a POST and its redirect (the page consumes them)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def login(cast, username) -> Client:
    """A fresh session: sessions last half an hour, and the tests travel in time."""
    client = Client()
    client.force_login(cast.users[username])
    return client


def test_a_community_worker_plans_an_activity_through_the_form(cast):
    with at(1):
        client = login(cast, "community")
        page = client.get(reverse("activity_new")).content.decode()
        assert 'name="starts_at"' in page and "The whole district" not in page
        response = client.post(
            reverse("activity_new"),
            {
                "title": "Tea with the elders",
                "estate": cast.e1.pk,
                "place": "Community hall",
                "starts_at": "2026-05-20T09:00",
                "ends_at": "2026-05-20T11:00",
                "signup_until": "2026-05-21T09:00",
                "capacity": "12",
                "description": "",
            },
        )
        assert response.status_code == 200
        assert "Sign-up must close before the activity starts" in response.content.decode()
        assert not Activity.objects.exists()
        response = client.post(
            reverse("activity_new"),
            {
                "title": "Tea with the elders",
                "estate": cast.e1.pk,
                "place": "Community hall",
                "starts_at": "2026-05-20T09:00",
                "ends_at": "2026-05-20T11:00",
                "signup_until": "2026-05-18T18:00",
                "capacity": "12",
                "volunteering": "on",
                "hours": "1.5",
            },
        )
    activity = Activity.objects.get()
    assert response["Location"] == reverse("activity_detail", args=[activity.pk])
    assert activity.starts_at == moment(20, 9)
    assert activity.volunteering and activity.hours == Decimal("1.5")
    assert activity.organiser == cast.community_a


def test_the_list_shows_upcoming_or_past_by_estate_in_few_queries(
    cast, django_assert_max_num_queries
):
    with at(1):
        for n in range(6):
            svc.activity_create(plan(cast.e1, f"E1 activity {n}", day=10 + n), actor=cast.officer)
        svc.activity_create(plan(None, "District fair", day=25), actor=cast.officer)
        svc.activity_create(plan(cast.e2, "E2 football", day=26), actor=cast.officer)
    with at(12):
        community, officer = login(cast, "community"), login(cast, "officer")
        with django_assert_max_num_queries(14):
            page = community.get(reverse("activity_list")).content.decode()
        assert "E1 activity 3" in page and "District fair" in page
        assert "E1 activity 0" not in page  # ended on the 10th
        assert "E2 football" not in page
        page = community.get(reverse("activity_list") + "?when=past").content.decode()
        assert "E1 activity 0" in page and "E1 activity 3" not in page
        page = officer.get(reverse("activity_list") + f"?estate={cast.e2.pk}").content.decode()
        assert "E2 football" in page and "District fair" not in page
        page = officer.get(reverse("activity_list") + "?estate=district").content.decode()
        assert "District fair" in page and "E1 activity 3" not in page
        partial = community.get(reverse("activity_list"), headers={"HX-Request": "true"})
        text = partial.content.decode()
        assert text.lstrip().startswith('<div id="table">') and "<html" not in text


def test_staff_sign_a_household_up_at_the_counter(cast):
    with at(1):
        activity = svc.activity_create(plan(cast.e1, "Calligraphy"), actor=cast.officer)
    url = reverse("activity_signup_add", args=[activity.pk])
    with at(5):
        client = login(cast, "community")
        response = client.post(url, {"household": "HH-C", "people": "1"}, follow=True)
        assert said(response) == ["There is no household HH-C in your estates."]
        response = client.post(url, {"household": " HH-A ", "people": "2"}, follow=True)
        assert said(response) == ["Household HH-A is signed up (2 people)."]
        response = client.post(url, {"household": "HH-A", "people": "1"}, follow=True)
        assert said(response) == ["Household HH-A has already signed up for this activity."]
        page = client.get(reverse("activity_detail", args=[activity.pk])).content.decode()
    signup = Signup.objects.get()
    assert signup.people == 2 and signup.signed_up_by == cast.community
    assert 'data-signup="HH-A"' in page and "by Community" in page


def test_the_attendance_form_credits_those_who_came_and_locks_them(cast):
    with at(1):
        activity = svc.activity_create(
            plan(cast.e1, "Clean-up day", volunteering=True), actor=cast.community
        )
    with at(5):
        signup = svc.signup_create(activity, cast.alice_household, actor=cast.alice)
    url = reverse("activity_attendance", args=[activity.pk])
    with at(5):
        client = login(cast, "community")
        response = client.post(url, {f"came-{signup.pk}": "yes"}, follow=True)
        assert said(response) == ["Attendance is recorded once the activity has started."]
    with at(20, 12):
        client = login(cast, "community")
        page = client.get(reverse("activity_detail", args=[activity.pk])).content.decode()
        assert f'name="came-{signup.pk}"' in page
        response = client.post(url, {f"came-{signup.pk}": "yes"}, follow=True)
        assert said(response) == [
            "Attendance recorded: 1 came, 0 did not. "
            "1 households were credited the volunteering hours."
        ]
        page = client.get(reverse("activity_detail", args=[activity.pk])).content.decode()
        assert 'data-testid="credited"' in page and f'name="came-{signup.pk}"' not in page
        response = client.post(url, {f"came-{signup.pk}": "no"}, follow=True)
        assert "that stands" in said(response)[0]
    credit = GoodConductCredit.objects.get()
    assert credit.household == cast.alice_household and credit.amount == Decimal("3.0")
    signup.refresh_from_db()
    assert signup.attended is True


def test_cancelling_from_the_page_tells_the_households(cast, django_capture_on_commit_callbacks):
    with at(1):
        activity = svc.activity_create(plan(cast.e1, "Film night"), actor=cast.community)
    with at(5):
        svc.signup_create(activity, cast.alice_household, actor=cast.alice)
        client = login(cast, "community")
        url = reverse("activity_cancel", args=[activity.pk])
        response = client.post(url, {"reason": ""}, follow=True)
        assert said(response) == ["Say why the activity is cancelled."]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"reason": "The projector broke"}, follow=True)
        assert said(response) == [
            "The activity is cancelled; the households signed up get a message."
        ]
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED
    assert Message.objects.filter(
        household=cast.alice_household, template="activity.cancelled.portal"
    ).exists()


def test_a_district_wide_activity_is_changed_by_the_authority_only(cast):
    with at(1):
        district = svc.activity_create(plan(None, "District fair"), actor=cast.officer)
        community = login(cast, "community")
        assert community.get(reverse("activity_detail", args=[district.pk])).status_code == 200
        assert community.get(reverse("activity_edit", args=[district.pk])).status_code == 403
        page = community.get(reverse("activity_detail", args=[district.pk])).content.decode()
        assert 'data-testid="counter-signup"' not in page
        officer = login(cast, "officer")
        assert officer.get(reverse("activity_edit", args=[district.pk])).status_code == 200
        # A street reviewer reads the page but manages nothing.
        page = login(cast, "street").get(reverse("activity_detail", args=[district.pk]))
        assert page.status_code == 200
        assert 'data-testid="cancel-activity"' not in page.content.decode()
