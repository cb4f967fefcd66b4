"""Settings for Supportdesk, driven by environment variables (12-factor).

With nothing set, Supportdesk runs on SQLite with mail printed to the console,
which is what ``make run`` needs. Every integration a deployment sets is a
``SUPPORTDESK_*`` variable or ``DATABASE_URL``; nothing is production-only
except what ``SUPPORTDESK_PRODUCTION=1`` hardens (cookies, HSTS, CSP reports).
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SUPPORTDESK_DATA_DIR", BASE_DIR.parent / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("SUPPORTDESK_PRODUCTION")
DEBUG = env_bool("SUPPORTDESK_DEBUG", default=not PRODUCTION)

# A development key is fine for `make run`; production refuses to start without one.
SECRET_KEY = os.environ.get("SUPPORTDESK_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SUPPORTDESK_SECRET_KEY must be set when SUPPORTDESK_PRODUCTION=1")
    SECRET_KEY = "dev-only-insecure-key-" + "x" * 40

ALLOWED_HOSTS = env_list("SUPPORTDESK_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("SUPPORTDESK_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SUPPORTDESK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "supportdesk.core",
    "supportdesk.accounts",
    "supportdesk.notifications",
    "supportdesk.roster",
    "supportdesk.tickets",
    "supportdesk.mailbox",
    "supportdesk.escalation",
    "supportdesk.handover",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "supportdesk.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"
WSGI_APPLICATION = "supportdesk.wsgi.application"
ASGI_APPLICATION = "supportdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["supportdesk.core.templatetags.sd"],
        },
    }
]

# --- Database ---------------------------------------------------------------
# SQLite in WAL mode with IMMEDIATE transactions: the web process and the task
# worker write at once without "database is locked" (see CALIBRATION.md).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "supportdesk.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    # A file (not memory) so that tests can start a real worker process against it;
    # one per test run, so that two runs in one tree do not share it.
    DATABASES["default"].setdefault("TEST", {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security -------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "roster:today"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling: five failures per user name and address lock for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("SUPPORTDESK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token comes from hx-headers
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SUPPORTDESK_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SUPPORTDESK_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation and time -----------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["supportdesk.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("SUPPORTDESK_TIME_ZONE", "Europe/Berlin")
# German state whose public holidays close the support window (holidays package code).
SUPPORTDESK_HOLIDAY_STATE = os.environ.get("SUPPORTDESK_HOLIDAY_STATE", "BY")

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
STATIC_ROOT = DATA_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"


def env_count(name: str, default: int) -> int:
    """A whole number, 0 or more, from the environment; a clear error at start-up otherwise."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number, 0 or more (got {raw!r}).")
    return int(raw)


# --- Outgoing mail (Django 6.1 MAILERS) -------------------------------------


def mailer_from_url(url: str) -> dict[str, object]:
    """Turn ``smtp://user:password@host:port?tls=starttls|ssl`` into a MAILERS entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise RuntimeError(f"SUPPORTDESK_SMTP_URL must start with smtp:// (got {parts.scheme!r})")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    tls = query.get("tls", "ssl" if parts.scheme == "smtps" else "")
    options: dict[str, object] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or (465 if tls == "ssl" else 25),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": tls == "starttls",
        "use_ssl": tls == "ssl",
        "timeout": int(query.get("timeout", "10")),
    }
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


SMTP_URL = os.environ.get("SUPPORTDESK_SMTP_URL", "")
MAILERS = {
    "default": mailer_from_url(SMTP_URL) if SMTP_URL else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
}
DEFAULT_FROM_EMAIL = os.environ.get("SUPPORTDESK_FROM_EMAIL", "Supportdesk <support@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# A coordinator hears that a person cannot be reached (every channel of a notice failed) at most
# once per person within this many minutes; later failures only go to the delivery log, linked to
# that notice. 0 tells of every failure. Prio 1 cases are not affected: the coordinator is always told.
SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES = env_count("SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES", 60)

# --- Incoming mail (IMAP) -----------------------------------------------------


def imap_mailbox_from_url(url: str) -> dict[str, object]:
    """Turn ``imap[s]://user:password@host:port/INBOX?tls=starttls&name=…&processed=…&quarantine=…``
    into the fields of the first ``mailbox.Mailbox`` (the listener creates or updates it at start-up)."""
    parts = urlsplit(url)
    if parts.scheme not in {"imap", "imaps"}:
        raise RuntimeError(f"SUPPORTDESK_IMAP_URL must start with imap:// or imaps:// (got {parts.scheme!r})")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    security = "tls" if parts.scheme == "imaps" else ("starttls" if query.get("tls") == "starttls" else "plain")
    fields: dict[str, object] = {
        "name": query.get("name", "support"),
        "host": parts.hostname or "localhost",
        "port": parts.port or (993 if security == "tls" else 143),
        "security": security,
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "inbox_folder": unquote(parts.path.lstrip("/")) or "INBOX",
    }
    for key in ("processed", "quarantine"):
        if query.get(key):
            fields[f"{key}_folder"] = query[key]
    return fields


IMAP_URL = os.environ.get("SUPPORTDESK_IMAP_URL", "")
SUPPORTDESK_IMAP_MAILBOX = imap_mailbox_from_url(IMAP_URL) if IMAP_URL else None
# A PEM file of certificates (a company CA, a self-signed server) trusted for IMAPS/STARTTLS.
SUPPORTDESK_IMAP_CA_FILE = os.environ.get("SUPPORTDESK_IMAP_CA_FILE", "")
# A follow-up to a resolved or closed ticket: "reopen" it or start a linked "new_ticket".
SUPPORTDESK_MAIL_CLOSED_FOLLOWUP = os.environ.get("SUPPORTDESK_MAIL_CLOSED_FOLLOWUP", "reopen")
if SUPPORTDESK_MAIL_CLOSED_FOLLOWUP not in {"reopen", "new_ticket"}:
    raise ImproperlyConfigured(
        f"SUPPORTDESK_MAIL_CLOSED_FOLLOWUP must be reopen or new_ticket (got {SUPPORTDESK_MAIL_CLOSED_FOLLOWUP!r})."
    )
# More mails than this from one sender within 10 minutes are held in triage as a flood.
SUPPORTDESK_MAIL_FLOOD_LIMIT = env_count("SUPPORTDESK_MAIL_FLOOD_LIMIT", 20)
# A larger raw mail is kept as it is and held in triage unparsed.
SUPPORTDESK_MAIL_MAX_BYTES = env_count("SUPPORTDESK_MAIL_MAX_BYTES", 25 * 1024 * 1024)
# Only mail written this recently triggers a Prio 1 keyword rule or the after-hours answer.
SUPPORTDESK_MAIL_AUTOMATION_MAX_AGE_MINUTES = env_count("SUPPORTDESK_MAIL_AUTOMATION_MAX_AGE_MINUTES", 120)
# How long a triage action can be undone; replies and forwards leave after it.
SUPPORTDESK_TRIAGE_UNDO_SECONDS = env_count("SUPPORTDESK_TRIAGE_UNDO_SECONDS", 10)

# --- Background work --------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- REST API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "supportdesk.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "30/minute"},
    "EXCEPTION_HANDLER": "supportdesk.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Supportdesk API",
    "DESCRIPTION": "Roster, on-call lookup and more. Authenticate with `Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# --- Logging -----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SUPPORTDESK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
