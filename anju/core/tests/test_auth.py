"""Logging in: wrong passwords, lock-out after repeated failures, the TOTP second step,
separation of duties, idle sessions and password hashing."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import anju.settings as production
from anju.core import services
from anju.core.errors import DomainError
from anju.core.models import AuditEntry, AuditKind
from anju.core.roles import Role
from anju.testing.cast import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def web():
    # One client per module (a new one re-indexes the static files); each test starts
    # with its cookies cleared.
    return Client()


@pytest.fixture
def client(web):
    web.cookies.clear()
    return web


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


# --- Passwords ----------------------------------------------------------------------


def test_the_right_password_logs_in_and_is_audited(cast, client):
    response = log_in(client, "officer")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in(client)
    assert AuditEntry.objects.filter(
        kind=AuditKind.SECURITY, action="login", actor=cast.users["officer"]
    ).exists()


def test_a_tenant_lands_on_the_portal(cast, client):
    response = log_in(client, "alice")
    assert response["Location"] == reverse("portal_home")


def test_a_wrong_password_gives_an_error_and_no_session(cast, client):
    response = log_in(client, "officer", "not-the-password", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "The username or password is wrong." in response.content.decode()
    assert not signed_in(client)
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_an_unknown_user_gets_the_same_error_as_a_wrong_password(cast, client):
    wrong_password = log_in(client, "officer", "not-the-password")
    unknown_user = log_in(client, "nobody-here", "not-the-password")
    assert wrong_password.context["form"].non_field_errors() == (
        unknown_user.context["form"].non_field_errors()
    )


def test_a_deactivated_account_cannot_log_in(cast, client):
    street = cast.users["street"]
    services.user_update(
        street,
        actor=cast.users["secadmin"],
        full_name=street.full_name,
        organisation=street.organisation,
        roles=sorted(street.role_set),
        is_active=False,
    )
    log_in(client, "street")
    assert not signed_in(client)


def test_the_next_parameter_cannot_send_the_user_to_another_site(cast, client):
    response = client.post(
        reverse("login") + "?next=https://evil.example/",
        {"username": "officer", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logging_out_needs_a_post_and_ends_the_session(cast, client):
    log_in(client, "officer")
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in(client)
    assert client.post(reverse("logout")).status_code == 302
    assert not signed_in(client)


# --- Lock-out (django-axes) ---------------------------------------------------------


@override_settings(AXES_ENABLED=True)
def test_the_sixth_failure_is_locked_out_even_with_the_right_password(cast, client):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        log_in(client, "officer", "not-the-password")
        assert not signed_in(client)
    response = log_in(client, "officer")
    assert not signed_in(client)
    assert response.status_code == 429
    assert not AuditEntry.objects.filter(action="login").exists()


@override_settings(AXES_ENABLED=True)
def test_a_locked_out_user_sees_the_log_in_page_with_the_reason(cast, client):
    for _ in range(5):
        log_in(client, "officer", "not-the-password")
    response = log_in(client, "officer", HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many failed attempts. Try again in 30 minutes." in response.content.decode()
    assert response.context["form"]


@override_settings(AXES_ENABLED=True)
def test_four_failures_do_not_lock_the_account(cast, client):
    for _ in range(4):
        log_in(client, "officer", "not-the-password")
    response = log_in(client, "officer")
    assert response.status_code == 302
    assert signed_in(client)


@override_settings(AXES_ENABLED=True)
def test_the_lock_out_cannot_be_dodged_with_a_forged_forwarded_for_header(cast, client):
    # Not behind a proxy, X-Forwarded-For is the caller's own text and must not count
    # as a new address for each attempt.
    assert not settings.BEHIND_PROXY
    for i in range(5):
        log_in(client, "officer", "not-the-password", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    log_in(client, "officer", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert not signed_in(client)


@override_settings(AXES_ENABLED=True)
def test_one_users_lock_out_does_not_lock_another(cast, client):
    for _ in range(6):
        log_in(client, "officer", "not-the-password")
    client.cookies.clear()
    log_in(client, "street")
    assert signed_in(client)


# --- Second factor (TOTP) -----------------------------------------------------------


@pytest.fixture
def device(cast):
    return TOTPDevice.objects.create(user=cast.users["officer"], name="phone", confirmed=True)


def test_a_confirmed_device_asks_for_a_code_before_the_dashboard(cast, client, device):
    response = log_in(client, "officer")
    assert response["Location"] == reverse("login_token")
    assert not signed_in(client)
    # Without the code, the dashboard is still behind the log-in page.
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    response = client.post(reverse("login_token"), {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in(client)
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(action="login.2fa").exists()


def test_a_wrong_code_keeps_the_user_out(cast, client, device):
    log_in(client, "officer")
    good = totp(device.bin_key)
    response = client.post(reverse("login_token"), {"token": f"{(good + 1) % 10**6:06d}"})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert not signed_in(client)
    assert client.get(reverse("home")).status_code == 302


def test_a_session_without_the_second_factor_is_sent_to_log_in(cast, device):
    # A session made some other way (here force_login) is not verified by a device.
    client = Client()
    client.force_login(cast.users["officer"])
    response = client.get(reverse("estate_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_the_api_also_refuses_a_session_without_the_second_factor(cast, device):
    client = Client()
    client.force_login(cast.users["officer"])
    response = client.get(reverse("api-1:unit_list"))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_the_api_takes_a_session_that_passed_the_second_factor(cast, client, device):
    log_in(client, "officer")
    client.post(reverse("login_token"), {"token": f"{totp(device.bin_key):06d}"})
    assert client.get(reverse("api-1:unit_list")).status_code == 200


def test_turning_on_two_factor_needs_a_valid_code(cast, client):
    log_in(client, "officer")
    client.post(reverse("account"), {"action": "totp-start"})
    pending = TOTPDevice.objects.get(user=cast.users["officer"], confirmed=False)
    good = totp(pending.bin_key)
    client.post(
        reverse("account"), {"action": "totp-confirm", "token": f"{(good + 1) % 10**6:06d}"}
    )
    pending.refresh_from_db()
    assert not pending.confirmed
    assert not AuditEntry.objects.filter(action="2fa.enable").exists()


def test_turning_on_two_factor_keeps_the_user_signed_in(cast, client):
    log_in(client, "officer")
    client.post(reverse("account"), {"action": "totp-start"})
    pending = TOTPDevice.objects.get(user=cast.users["officer"], confirmed=False)
    response = client.post(
        reverse("account"), {"action": "totp-confirm", "token": f"{totp(pending.bin_key):06d}"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed
    assert client.get(reverse("account")).status_code == 200


def test_an_unconfirmed_device_does_not_ask_for_a_code(cast, client):
    TOTPDevice.objects.create(user=cast.users["officer"], name="phone", confirmed=False)
    response = log_in(client, "officer")
    assert response["Location"] == reverse("home")
    assert signed_in(client)


def test_the_code_step_without_a_password_step_goes_back_to_log_in(cast, client):
    response = client.post(reverse("login_token"), {"token": "123456"})
    assert response["Location"] == reverse("login")


# --- Separation of duties -------------------------------------------------------------


@pytest.mark.parametrize(
    "roles",
    [
        [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN],
        [Role.SYSTEM_ADMIN, Role.AUDITOR],
        [Role.SECURITY_ADMIN, Role.AUDITOR],
        [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR],
    ],
    ids=["sys+sec", "sys+audit", "sec+audit", "all-three"],
)
def test_no_account_holds_two_separated_roles(cast, roles):
    with pytest.raises(DomainError) as error:
        services.user_create(
            actor=cast.users["secadmin"],
            username="both",
            full_name="Both",
            organisation=cast.authority,
            roles=roles,
            password="Separate-duties-2026!",
        )
    assert error.value.code == "separation_of_duties"
    assert not services.User.objects.filter(username="both").exists()


def test_an_existing_account_cannot_be_given_a_second_separated_role(cast):
    auditor = cast.users["auditor"]
    with pytest.raises(DomainError) as error:
        services.user_update(
            auditor,
            actor=cast.users["secadmin"],
            full_name=auditor.full_name,
            organisation=auditor.organisation,
            roles=[Role.AUDITOR, Role.SECURITY_ADMIN],
            is_active=True,
        )
    assert error.value.code == "separation_of_duties"
    auditor.refresh_from_db()
    assert auditor.roles.count() == 1


def test_a_security_administrator_cannot_change_their_own_roles(cast):
    secadmin = cast.users["secadmin"]
    with pytest.raises(DomainError):
        services.user_update(
            secadmin,
            actor=secadmin,
            full_name=secadmin.full_name,
            organisation=secadmin.organisation,
            roles=[Role.SECURITY_ADMIN, Role.AUTHORITY_OFFICER],
            is_active=True,
        )
    secadmin.refresh_from_db()
    assert set(secadmin.roles.values_list("role", flat=True)) == {Role.SECURITY_ADMIN}


def test_a_separated_role_goes_with_an_ordinary_one(cast):
    user = services.user_create(
        actor=cast.users["secadmin"],
        username="audit-officer",
        full_name="Audit Officer",
        organisation=cast.authority,
        roles=[Role.AUDITOR, Role.AUTHORITY_OFFICER],
        password="Separate-duties-2026!",
    )
    assert user.role_set == {Role.AUDITOR, Role.AUTHORITY_OFFICER}


# --- Sessions -------------------------------------------------------------------------


def test_sessions_end_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_an_idle_session_expires_and_an_active_one_does_not(cast, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        log_in(client, "officer")
        assert client.get(reverse("estate_list")).status_code == 200
        # Each request restarts the 30 minutes: 20 + 20 minutes of activity is fine.
        clock.shift(timedelta(minutes=20))
        assert client.get(reverse("estate_list")).status_code == 200
        clock.shift(timedelta(minutes=20))
        assert client.get(reverse("estate_list")).status_code == 200
        # 31 quiet minutes end the session.
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("estate_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_deactivating_an_account_ends_its_open_sessions(cast, client):
    log_in(client, "street")
    assert client.get(reverse("estate_list")).status_code == 200
    street = cast.users["street"]
    services.user_update(
        street,
        actor=cast.users["secadmin"],
        full_name=street.full_name,
        organisation=street.organisation,
        roles=sorted(street.role_set),
        is_active=False,
    )
    assert client.get(reverse("estate_list")).status_code == 302
    assert client.get(reverse("api-1:unit_list")).status_code == 401


def test_the_session_cookie_is_http_only(cast, client):
    log_in(client, "officer")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]


# --- Password hashing -------------------------------------------------------------------


def test_production_hashes_passwords_with_argon2(cast):
    # The tests hash with MD5 for speed (anju.testing.pytest_env); the settings module
    # itself names Argon2 first.
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        user = services.user_create(
            actor=cast.users["secadmin"],
            username="argon-user",
            full_name="Argon User",
            organisation=cast.authority,
            roles=[Role.AUTHORITY_OFFICER],
            password="Argon-hashed-2026!",
        )
        user.refresh_from_db()
        assert identify_hasher(user.password).algorithm == "argon2"
        assert user.password.startswith("argon2$argon2id$")
        assert check_password("Argon-hashed-2026!", user.password)


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("clerk-a", "Sh0rt!"),
        ("clerk-b", "20260101123456"),
        ("clerk-c", "password123"),
        ("zhangxiaohong", "zhangxiaohong1"),
    ],
    ids=["short", "numeric", "common", "like-the-username"],
)
def test_weak_passwords_are_refused(cast, username, password):
    with pytest.raises(DomainError) as error:
        services.user_create(
            actor=cast.users["secadmin"],
            username=username,
            full_name="Weak",
            organisation=cast.authority,
            roles=[Role.AUTHORITY_OFFICER],
            password=password,
        )
    assert error.value.code == "weak_password"


def test_a_weak_new_password_leaves_the_whole_account_unchanged(cast):
    account = cast.users["street"]
    with pytest.raises(DomainError) as error:
        services.user_update(
            account,
            actor=cast.users["secadmin"],
            full_name="Renamed",
            organisation=account.organisation,
            roles=[Role.STREET_REVIEWER],
            is_active=False,
            password="123",
        )
    assert error.value.code == "weak_password"
    account.refresh_from_db()
    assert (account.full_name, account.is_active) == ("Street", True)


def test_a_failed_log_in_is_a_security_event_naming_the_account_tried(cast, client):
    log_in(client, "officer", "not-the-password")
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.kind == "security"
    assert entry.target_label == "officer"
    assert "not-the-password" not in str(entry.changes)
