"""Anju's one settings file. Everything that differs between machines comes from
the environment (ANJU_*); the defaults give a safe production posture, and the
demo turns the HTTPS-only parts off explicitly with ANJU_INSECURE_HTTP=1."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()

DEBUG = env.bool("ANJU_DEBUG", default=False)
SECRET_KEY = env.str("ANJU_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and not env.bool("ANJU_INSECURE_HTTP", default=False):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set ANJU_SECRET_KEY (or ANJU_DEBUG=1 for development).")
    SECRET_KEY = "insecure-development-key-" + "x" * 40
SECRET_KEY_FALLBACKS = env.list("ANJU_SECRET_KEY_FALLBACKS", default=[])

# Personal data (ID and phone numbers) is encrypted with a key of its own, so that a
# leaked SECRET_KEY does not expose it. Old keys stay readable through the fallbacks.
DATA_KEY = env.str("ANJU_DATA_KEY", default="") or SECRET_KEY
DATA_KEY_FALLBACKS = env.list("ANJU_DATA_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ANJU_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("ANJU_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "anju.core.apps.AnjuAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "ninja",  # serves its Swagger UI from our own static files, not a CDN
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "huey.contrib.djhuey",
    "anju.core",
    "anju.housing",
    "anju.households",
    "anju.admission",
    "anju.tenancy",
    "anju.supervision",
    "anju.exits",
    "anju.helpdesk",
    "anju.outreach",
    "anju.evaluation",
    "anju.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "anju.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "anju.urls"
WSGI_APPLICATION = "anju.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "anju" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "anju.core.context_processors.navigation",
            ],
        },
    },
]

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -----------------------------------------------------------------
DATA_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("ANJU_DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'anju.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background tasks -----------------------------------------------
REDIS_URL = env.str("ANJU_REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "anju",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "anju",
        "filename": str(env.str("ANJU_HUEY_FILE", default=str(DATA_DIR / "huey.sqlite3"))),
        "immediate": env.bool("ANJU_TASKS_IMMEDIATE", default=False),
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- Authentication -----------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env.int("ANJU_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The same notion of the client's address as the audit log (see core.middleware).
AXES_CLIENT_IP_CALLABLE = "anju.core.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "anju.core.views.auth.locked_out"
AXES_ENABLED = env.bool("ANJU_AXES_ENABLED", default=True)
OTP_TOTP_ISSUER = "Anju"

# Sessions end after 30 minutes without a request (the clock restarts on each one).
SESSION_COOKIE_AGE = env.int("ANJU_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security posture -----------------------------------------------------------
INSECURE_HTTP = env.bool("ANJU_INSECURE_HTTP", default=DEBUG)
SECURE_SSL_REDIRECT = not INSECURE_HTTP
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 0 if INSECURE_HTTP else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not INSECURE_HTTP
SECURE_HSTS_PRELOAD = not INSECURE_HTTP
SESSION_COOKIE_SECURE = not INSECURE_HTTP
CSRF_COOKIE_SECURE = not INSECURE_HTTP
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = env.bool("ANJU_BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
}

# --- Languages ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "anju" / "locale"]
USE_I18N = True
TIME_ZONE = env.str("ANJU_TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.str("ANJU_STATIC_ROOT", default=str(DATA_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "anju" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("ANJU_MEDIA_ROOT", default=str(DATA_DIR / "media"))
# Hashed, compressed file names in production; plain names when collectstatic has not
# run (development and tests): ANJU_STATIC_MANIFEST=0.
STATIC_MANIFEST = env.bool("ANJU_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env.bool("ANJU_WHITENOISE_FINDERS", default=not STATIC_MANIFEST)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# --- Anju policy settings -------------------------------------------------------
# Audit entries are never deleted by the application; this is the minimum period the
# retention job must keep (Cybersecurity Law art. 21 asks for at least six months).
AUDIT_RETENTION_DAYS = env.int("ANJU_AUDIT_RETENTION_DAYS", default=365 * 3)
# Shown in page headers; empty means the translated "L District, Changzhi".
DISTRICT_NAME = env.str("ANJU_DISTRICT_NAME", default="")
PAGE_SIZE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("ANJU_LOG_LEVEL", default="WARNING")},
}

# Working-day calendar: public holidays, and the weekend days worked in their place
# (调休), as ISO dates. Review, answer and repair deadlines count working days.
ANJU_HOLIDAYS = frozenset(env.list("ANJU_HOLIDAYS", default=[]))
ANJU_WORKDAYS = frozenset(env.list("ANJU_WORKDAYS", default=[]))
ANJU_MAX_UPLOAD_MB = env.int("ANJU_MAX_UPLOAD_MB", default=20)
# The largest body one ingest request (a gateway's batch of door or meter records) may send.
ANJU_INGEST_MAX_BYTES = env.int("ANJU_INGEST_MAX_BYTES", default=20 * 1024 * 1024)
# Days a tenant has to pay a fine or back rent decided in a violation case.
ANJU_PENALTY_PAYMENT_DAYS = env.int("ANJU_PENALTY_PAYMENT_DAYS", default=30)
# Good-conduct credit for twelve months of rent paid on time (the evaluation scores it).
ANJU_ON_TIME_CREDIT = env.str("ANJU_ON_TIME_CREDIT", default="12.0")
# The authority's practice for an exit case, in days: to decide a case once opened, to
# issue the vacate notice once decided, to file in court once an overstay goes there,
# and to settle the deposit once the keys are back. The law's numbers (the moving
# period, the deadline of a recovery) are in the yearly rule set.
ANJU_EXIT_DECIDE_DAYS = env.int("ANJU_EXIT_DECIDE_DAYS", default=10)
ANJU_EXIT_NOTICE_DAYS = env.int("ANJU_EXIT_NOTICE_DAYS", default=5)
ANJU_EXIT_FILE_DAYS = env.int("ANJU_EXIT_FILE_DAYS", default=30)
ANJU_EXIT_SETTLE_DAYS = env.int("ANJU_EXIT_SETTLE_DAYS", default=15)
# Repairs (报修): a tenant may reopen a finished order within this many days, at most
# this many times; a finished order nobody rates closes by itself after the quiet days.
# An overdue order goes to the property company's managers, and when it is still
# overdue this many hours later, to the operator. The deadlines themselves are the
# authority's table (Repairs → Deadlines).
ANJU_REPAIR_REOPEN_DAYS = env.int("ANJU_REPAIR_REOPEN_DAYS", default=7)
ANJU_REPAIR_REOPEN_MAX = env.int("ANJU_REPAIR_REOPEN_MAX", default=2)
ANJU_REPAIR_AUTOCLOSE_DAYS = env.int("ANJU_REPAIR_AUTOCLOSE_DAYS", default=7)
ANJU_REPAIR_ESCALATE_HOURS = env.int("ANJU_REPAIR_ESCALATE_HOURS", default=24)
# Feedback (诉求): working days to acknowledge and to answer; an answered feedback
# nobody rates closes after the quiet days; a rating at or below the threshold may
# reopen it once. The public page takes so many per address and hour.
ANJU_FEEDBACK_ACK_DAYS = env.int("ANJU_FEEDBACK_ACK_DAYS", default=1)
ANJU_FEEDBACK_ANSWER_DAYS = env.int("ANJU_FEEDBACK_ANSWER_DAYS", default=5)
ANJU_FEEDBACK_AUTOCLOSE_DAYS = env.int("ANJU_FEEDBACK_AUTOCLOSE_DAYS", default=7)
ANJU_FEEDBACK_REOPEN_RATING = env.int("ANJU_FEEDBACK_REOPEN_RATING", default=2)
ANJU_PUBLIC_FEEDBACK_PER_HOUR = env.int("ANJU_PUBLIC_FEEDBACK_PER_HOUR", default=5)
# Who delivers messages, per channel (dotted paths). SMS and letters stay in the outbox
# until a gateway is configured; portal and in-app messages are delivered by being
# stored; email goes through Django's default mailer (MAILERS).
ANJU_MESSAGE_SENDERS = {
    "sms": env.str("ANJU_SMS_SENDER", default="anju.core.notify.OutboxSender"),
    "letter": "anju.core.notify.OutboxSender",
    "portal": "anju.core.notify.StoredSender",
    "in_app": "anju.core.notify.StoredSender",
    "email": env.str("ANJU_EMAIL_SENDER", default="anju.core.notify.EmailSender"),
}
# Email goes to an SMTP server (ANJU_EMAIL_HOST, ANJU_EMAIL_PORT) in production; in
# development it is written to files under .data/mail.
_MAIL_BACKEND = env.str(
    "ANJU_EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKEND,
        "OPTIONS": {"file_path": env.str("ANJU_EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))}
        if _MAIL_BACKEND.endswith("filebased.EmailBackend")
        else {
            "host": env.str("ANJU_EMAIL_HOST", default="localhost"),
            "port": env.int("ANJU_EMAIL_PORT", default=25),
        },
    }
}
DEFAULT_FROM_EMAIL = env.str("ANJU_FROM_EMAIL", default="anju@localhost")
# Days a tenant has to pay for a repair they are charged for.
ANJU_REPAIR_PAYMENT_DAYS = env.int("ANJU_REPAIR_PAYMENT_DAYS", default=15)
