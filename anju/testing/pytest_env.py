"""A tiny pytest plugin that gives the test run its environment.

pytest-django imports anju.settings before any conftest.py runs, and the settings read
ANJU_* variables at import time, so the defaults have to be in place earlier than a
conftest could set them. pyproject.toml loads this module with `-p anju.testing.pytest_env`,
which imports it while pytest parses its options. Variables already set in the
environment win, so `ANJU_DATABASE_URL=... pytest` runs the suite on PostgreSQL.
"""

import atexit
import os
import shutil
import tempfile

# Uploaded files, collected static files (none: WhiteNoise only needs the folder) and
# the task queue's file go to a scratch folder. xdist workers inherit the variables, so
# only the main process makes (and removes) the folder.
if "ANJU_MEDIA_ROOT" not in os.environ:
    _scratch = tempfile.mkdtemp(prefix="anju-test-")
    atexit.register(shutil.rmtree, _scratch, ignore_errors=True)
    os.mkdir(os.path.join(_scratch, "static"))
    os.environ["ANJU_MEDIA_ROOT"] = os.path.join(_scratch, "media")
    os.environ.setdefault("ANJU_STATIC_ROOT", os.path.join(_scratch, "static"))
    os.environ.setdefault("ANJU_HUEY_FILE", os.path.join(_scratch, "huey.sqlite3"))

for name, value in {
    "ANJU_SECRET_KEY": "test-secret-key-not-for-production-0123456789abcdefghijklmnop",
    "ANJU_DATA_KEY": "test-data-key-not-for-production-0123456789abcdefghijklmnopqr",
    "ANJU_INSECURE_HTTP": "1",
    "ANJU_TASKS_IMMEDIATE": "1",
    # Lock-outs would make tests that log in with a wrong password interfere with each
    # other; the axes tests turn it back on with override_settings(AXES_ENABLED=True).
    "ANJU_AXES_ENABLED": "0",
    # Templates render without `collectstatic` having run; live_server serves the files
    # straight from the finders.
    "ANJU_STATIC_MANIFEST": "0",
    # WhiteNoise would index every static file for each new test client (about 0.25 s);
    # live_server serves static files itself for the browser tests.
    "ANJU_WHITENOISE_FINDERS": "0",
    # Playwright's sync API runs an event loop in the test thread; the ORM calls the
    # tests make next to it are still synchronous.
    "DJANGO_ALLOW_ASYNC_UNSAFE": "1",
}.items():
    os.environ.setdefault(name, value)


def pytest_configure(config):
    # Argon2 is slow on purpose (about 0.1 s and 100 MB per hash), and the test cast logs
    # in a dozen users per test. Django's own advice for tests: a fast hasher.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
