"""The production posture: what the settings are when only ANJU_SECRET_KEY is given
(read in a clean subprocess, since the test run's own environment turns HTTPS off),
`anju check --deploy`, the security headers, and /healthz."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

REPO = Path(__file__).resolve().parents[3]
ANJU = Path(sys.executable).with_name("anju")

PRINT_SETTINGS = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "anju.settings"
from django.conf import settings
names = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "SESSION_COOKIE_AGE",
    "SESSION_SAVE_EVERY_REQUEST", "PASSWORD_HASHERS", "AXES_ENABLED", "AXES_FAILURE_LIMIT",
    "ALLOWED_HOSTS",
]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def clean_env(**extra) -> dict:
    """Only PATH and HOME from the test run (which sets ANJU_INSECURE_HTTP and friends),
    plus what the test gives."""
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    env.update(extra)
    return env


def secret_key() -> str:
    return secrets.token_urlsafe(50)  # 67 characters of 64 kinds


def run(args, env, timeout=120):
    return subprocess.run(
        args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def settings_in(env) -> dict:
    result = run([sys.executable, "-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production():
    return settings_in(clean_env(ANJU_SECRET_KEY=secret_key()))


def test_deploy_check_passes_with_only_a_secret_key():
    assert len(secret_key()) >= 50
    command = [str(ANJU)] if ANJU.exists() else [sys.executable, "-m", "anju"]
    result = run(
        [*command, "check", "--deploy", "--fail-level", "WARNING"],
        clean_env(ANJU_SECRET_KEY=secret_key()),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_fails_with_a_short_secret_key():
    # The check above means something: a weak key is reported (security.W009).
    result = run(
        [sys.executable, "-m", "anju", "check", "--deploy", "--fail-level", "WARNING"],
        clean_env(ANJU_SECRET_KEY="too-short"),
    )
    assert result.returncode != 0
    assert "W009" in result.stdout + result.stderr


def test_without_a_secret_key_the_settings_refuse_to_load():
    result = run([sys.executable, "-c", PRINT_SETTINGS], clean_env())
    assert result.returncode != 0
    assert "ANJU_SECRET_KEY" in result.stderr


def test_production_redirects_to_https_and_sends_hsts(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_HSTS_PRELOAD"] is True
    assert "^healthz$" in production["SECURE_REDIRECT_EXEMPT"]


def test_production_cookies_are_secure(production):
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True


def test_production_headers_and_sessions(production):
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production["SESSION_COOKIE_AGE"] == 1800
    assert production["SESSION_SAVE_EVERY_REQUEST"] is True
    assert production["PASSWORD_HASHERS"][0].endswith("Argon2PasswordHasher")
    assert production["AXES_ENABLED"] is True
    assert production["AXES_FAILURE_LIMIT"] == 5
    assert "*" not in production["ALLOWED_HOSTS"]


def test_debug_turns_the_https_parts_off():
    dev = settings_in(clean_env(ANJU_DEBUG="1"))
    assert dev["DEBUG"] is True
    assert dev["SECURE_SSL_REDIRECT"] is False
    assert dev["SECURE_HSTS_SECONDS"] == 0
    assert dev["SESSION_COOKIE_SECURE"] is False


# --- In-process: headers and /healthz -----------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_json_with_the_database_ok():
    response = Client().get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_healthz_is_exempt_from_the_https_redirect():
    client = Client()  # a new client loads SecurityMiddleware with the setting above
    assert client.get("/healthz").status_code == 200
    redirected = client.get(reverse("login"))
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")


@pytest.mark.django_db
def test_healthz_takes_get_only():
    assert Client().post(reverse("healthz")).status_code == 405


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_pages_carry_the_security_headers():
    response = Client().get(reverse("login"), secure=True)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "max-age=31536000" in response["Strict-Transport-Security"]
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-eval'" not in csp
    # Scripts run only from our origin or with this response's nonce.
    nonce = csp.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"' in response.content.decode()


@pytest.mark.django_db
def test_no_page_loads_assets_from_another_origin(cast, client_for):
    for url in (reverse("login"), reverse("home"), reverse("api-1:openapi-view")):
        text = client_for("officer").get(url).content.decode()
        for marker in ('src="http', "src='http", 'href="http', "//cdn", "unpkg", "jsdelivr"):
            assert marker not in text, (url, marker)
