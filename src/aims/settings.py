"""Django settings for AIMS.

Everything that differs between a laptop demo and a production cluster comes from the environment.
A variable NAME may also be given as NAME_FILE pointing at a file that holds the value (Docker/Kubernetes
secrets), so secrets never have to sit in the process environment.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the content of the file named by NAME_FILE."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(env("AIMS_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use AIMS_SECRET_KEY, else a random key generated once and kept in the data directory."""
    configured = env("AIMS_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        from django.utils.crypto import get_random_string

        key_file.write_text(get_random_string(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
SECRET_KEY_GENERATED = not env("AIMS_SECRET_KEY")  # one node only: several need one shared key (aims check --deploy)
# How many machines run AIMS processes: `aims check --deploy` then requires what several nodes must share.
AIMS_NODES = int(env("AIMS_NODES", "1") or "1")
DEBUG = env_bool("AIMS_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in (env("AIMS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver") or "").split(",") if h.strip()]
# A refused CSRF token gets the product's own page (what happened, what to do), not Django's technical one.
CSRF_FAILURE_VIEW = "aims.core.views_errors.csrf_failure"
CSRF_TRUSTED_ORIGINS = [o.strip() for o in (env("AIMS_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()]
SITE_URL = env("AIMS_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "ninja",
    "huey.contrib.djhuey",
    "aims.core",
    "aims.inventory",
    "aims.risks",
    "aims.compliance",
    "aims.evidence",
    "aims.monitoring",
    "aims.suppliers",
    "aims.incidents",
]

MIDDLEWARE = [
    # /healthz and /readyz for load balancers: answered first, whatever the Host header, with no session or login.
    "aims.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "aims.core.staticfiles.StaticFilesMiddleware",  # WhiteNoise: static files answered here, compressed and cached
    # HTML and JSON compressed when the client accepts gzip. Django pads each gzip stream with random bytes (a BREACH
    # mitigation, as is the CSRF token's per-response mask); below WhiteNoise, which serves pre-compressed files.
    "django.middleware.gzip.GZipMiddleware",
    "aims.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aims.core.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Under /api/, any error that is not already JSON (unknown route, wrong method, 500 page) becomes JSON.
    "aims.core.api_errors.ApiJsonErrorMiddleware",
    "aims.core.uploads.RequestSizeMiddleware",  # before anything reads the body (CSRF reads the form)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aims.core.middleware.ActorMiddleware",
    # API POSTs with an Idempotency-Key run in one transaction with the record of their answer (safe retries).
    "aims.core.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "aims.core.middleware.MfaEnforcementMiddleware",
    "aims.core.middleware.SecurityHeadersMiddleware",
    # Cuts oversized evidence uploads to the API while they stream in (pages use aims.evidence.uploads too).
    "aims.evidence.uploads.ApiUploadLimitMiddleware",
]

ROOT_URLCONF = "aims.urls"
WSGI_APPLICATION = "aims.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aims.core.context_processors.shell",
            ],
        },
    },
]

# --- Database: SQLite (WAL) in the data directory by default, PostgreSQL through DATABASE_URL.
DATABASE_URL = env("DATABASE_URL")
# Production on PostgreSQL: the schema belongs to a migration role, used only by `aims migrate` (which sets
# AIMS_DATABASE_ROLE=migrate); every other process runs as DATABASE_URL's role, which then owns nothing and holds only
# INSERT and SELECT on the ledger (granted after each migration, see aims.core.db_roles).
MIGRATE_DATABASE_URL = env("AIMS_MIGRATE_DATABASE_URL")
RUNTIME_DATABASE_USER = None
if DATABASE_URL and MIGRATE_DATABASE_URL and env("AIMS_DATABASE_ROLE") == "migrate":
    RUNTIME_DATABASE_USER = dj_database_url.parse(DATABASE_URL)["USER"]
    DATABASE_URL = MIGRATE_DATABASE_URL
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "aims.sqlite3",
            "OPTIONS": {
                # IMMEDIATE makes every write transaction take the write lock up front, so two writers can never
                # both read the same ledger head and fork the hash chain.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                # temp_store=MEMORY: the statement journal SQLite opens for each row a trigger may abort (the ledger's
                # append-only checks) and the sorts that spill stay in memory instead of temporary files: a 12,000-row
                # ledger append went from 1.6 s to 1.1 s.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                                "PRAGMA temp_store=MEMORY;",
            },
            "TEST": {"NAME": env("AIMS_TEST_SQLITE_NAME")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# --- django-allauth: e-mail login, no open sign-up (accounts are created by administrators), TOTP MFA,
# lockout after repeated failures, OIDC single sign-on when configured.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "aims.core.auth.AccountAdapter"
# Lockout (aims.core.lockout): AIMS_LOGIN_LOCKOUT_ATTEMPTS failed sign-ins for one account (its login e-mail, whatever
# node, host name or address they come through) within AIMS_LOGIN_LOCKOUT_MINUTES lock it for as many minutes; counted
# in the shared cache. allauth's own limit stays, per client address only (password spraying from one address).
LOGIN_LOCKOUT_ATTEMPTS = int(env("AIMS_LOGIN_LOCKOUT_ATTEMPTS", "5") or "5")
LOGIN_LOCKOUT_MINUTES = int(env("AIMS_LOGIN_LOCKOUT_MINUTES", "15") or "15")
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("AIMS_LOGIN_FAILED_LIMIT", "20/15m/ip"),
}
# The client address (ledger, sign-in history, allauth's per-address limit) is read from X-Forwarded-For through this
# many reverse proxies AIMS trusts; 0 ignores the header, which anyone can write (aims.core.client_address).
TRUSTED_PROXY_COUNT = int(env("AIMS_TRUSTED_PROXY_COUNT", "0") or "0")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "AIMS"
MFA_ADAPTER = "aims.core.auth.MFAAdapter"
# Organisation-wide switch: every person must set up an authenticator app (an administrator can also require it per
# person with User.mfa_required). Enforced by aims.core.middleware.MfaEnforcementMiddleware.
REQUIRE_MFA = env_bool("AIMS_REQUIRE_MFA", False)
# Naming someone owner or assignee who lacks the access it needs: refused (off), or the access is granted, ledgered (on).
ASSIGNMENT_GRANTS_ACCESS = env_bool("AIMS_ASSIGNMENT_GRANTS_ACCESS", False)
SOCIALACCOUNT_ADAPTER = "aims.core.auth.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
OIDC_AUTO_CREATE = env_bool("AIMS_OIDC_AUTO_CREATE", False)
SOCIALACCOUNT_PROVIDERS: dict = {}
if env("AIMS_OIDC_SERVER_URL"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env("AIMS_OIDC_PROVIDER_ID", "sso"),
                "name": env("AIMS_OIDC_NAME", "Single sign-on"),
                "client_id": env("AIMS_OIDC_CLIENT_ID", ""),
                "secret": env("AIMS_OIDC_CLIENT_SECRET", ""),
                "settings": {"server_url": env("AIMS_OIDC_SERVER_URL")},
            }
        ]
    }

# --- Sessions and cookies.
SECURE_COOKIES = env_bool("AIMS_SECURE_COOKIES", not DEBUG and (SITE_URL or "").startswith("https"))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(env("AIMS_SESSION_AGE_SECONDS", str(8 * 3600)))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = int(env("AIMS_HSTS_SECONDS", "0"))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("AIMS_BEHIND_PROXY") else None
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)

# --- Request size limits, enforced before the body is read (aims.core.uploads): form fields and API bodies up to
# AIMS_MAX_BODY_BYTES, uploaded files up to AIMS_MAX_UPLOAD_BYTES (the imports' own limit).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("AIMS_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
MAX_UPLOAD_BYTES = int(env("AIMS_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "aims.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Largest evidence file accepted (checked while the upload streams in, and again on the stored size).
EVIDENCE_MAX_UPLOAD_BYTES = int(env("AIMS_EVIDENCE_MAX_BYTES", str(1024 ** 3)))
# Pages that take larger files than MAX_UPLOAD_BYTES: path prefix -> the setting holding their limit.
UPLOAD_LIMITS = {"/evidence/": "EVIDENCE_MAX_UPLOAD_BYTES", "/api/v1/evidence": "EVIDENCE_MAX_UPLOAD_BYTES"}

# Coordinated vulnerability disclosure (incidents/services/disclosure.py, incidents/security_txt.py): extra contacts
# for /.well-known/security.txt (comma-separated mailto: or https: URIs; the public report form is always listed), the
# policy's address (the report form by default), how long the file holds, the unit reports are filed under (a unit
# code; the top of the organisation by default) and the reports accepted per client address in ten minutes.
CVD_CONTACT = env("AIMS_CVD_CONTACT", "")
CVD_POLICY_URL = env("AIMS_CVD_POLICY_URL", "")
CVD_SECURITY_TXT_DAYS = int(env("AIMS_CVD_SECURITY_TXT_DAYS", "180"))
CVD_UNIT = env("AIMS_CVD_UNIT", "")
CVD_REPORTS_PER_ADDRESS = int(env("AIMS_CVD_REPORTS_PER_ADDRESS", "5"))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Internationalisation: English and French, chosen per user.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["aims.formats"]
USE_I18N = True
TIME_ZONE = env("AIMS_TIME_ZONE", "Europe/Paris")
USE_TZ = True

# --- Static and uploaded files.
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it, even when serving from the finders
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "aims.core.staticfiles.StaticFilesStorage"},
}
if env("AIMS_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AIMS_S3_BUCKET"),
            "endpoint_url": env("AIMS_S3_ENDPOINT_URL"),
            "access_key": env("AIMS_S3_ACCESS_KEY"),
            "secret_key": env("AIMS_S3_SECRET_KEY"),
            "region_name": env("AIMS_S3_REGION"),
        },
    }
# `aims serve` collects the static files (hashed, gzipped) into STATIC_ROOT; the finders also serve the plain files
# so that an install nobody collected for (tests, runserver) still has its styles (see aims.core.staticfiles).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Collecting runs at every node's start, so it must be cheap (it took 48 CPU-seconds with the defaults): compress the
# hashed copies only (pages link those; the finders still answer the plain names), and not the source maps (5.7 of the
# 9.3 MB, fetched only by a browser's developer tools).
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# --- E-mail: printed on the console unless an SMTP server is configured.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if env("AIMS_SMTP_HOST") else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("AIMS_SMTP_HOST", "localhost")
EMAIL_PORT = int(env("AIMS_SMTP_PORT", "587"))
EMAIL_HOST_USER = env("AIMS_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env("AIMS_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("AIMS_SMTP_TLS", True)
DEFAULT_FROM_EMAIL = env("AIMS_FROM_EMAIL", "aims@localhost")

# --- Background work: Huey on SQLite in the data directory, or Redis when REDIS_URL is set.
REDIS_URL = env("REDIS_URL")
HUEY_IMMEDIATE = env_bool("AIMS_TASKS_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "aims",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "aims",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- Cache: holds the login-failure counters (lockout) and used TOTP codes. Every web process (gunicorn workers,
# nodes) must share them, or each would count failures on its own: Redis when REDIS_URL is set, else the database
# (its table `aims_cache` is created by a migration).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "aims",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "aims_cache"}}

# --- Ledger checkpoints (aims.core.ledger_checkpoints): the chain head signed with an Ed25519 key kept outside the
# database, every N events or after some seconds, from every process that appends; pushed to external sinks.
LEDGER_SIGNING_KEY = env("AIMS_LEDGER_SIGNING_KEY")  # PEM; default: generated into DATA_DIR/ledger-signing-key.pem
LEDGER_TRUSTED_KEYS = env("AIMS_LEDGER_TRUSTED_KEYS")  # PEM public keys also accepted (earlier keys after rotation)
LEDGER_CHECKPOINT_FILE = env("AIMS_LEDGER_CHECKPOINT_FILE")  # default: DATA_DIR/ledger-checkpoints.jsonl
LEDGER_CHECKPOINT_EVERY = int(env("AIMS_LEDGER_CHECKPOINT_EVERY", "1000"))
LEDGER_CHECKPOINT_SECONDS = int(env("AIMS_LEDGER_CHECKPOINT_SECONDS", "60"))
LEDGER_CHECKPOINT_S3_BUCKET = env("AIMS_LEDGER_CHECKPOINT_S3_BUCKET")
LEDGER_CHECKPOINT_S3_PREFIX = env("AIMS_LEDGER_CHECKPOINT_S3_PREFIX", "aims-ledger-checkpoints/")
LEDGER_CHECKPOINT_S3_RETENTION_DAYS = int(env("AIMS_LEDGER_CHECKPOINT_S3_RETENTION_DAYS", "3650"))
LEDGER_CHECKPOINT_S3_LOCK_MODE = env("AIMS_LEDGER_CHECKPOINT_S3_LOCK_MODE", "COMPLIANCE")
LEDGER_CHECKPOINT_S3_ENDPOINT_URL = env("AIMS_LEDGER_CHECKPOINT_S3_ENDPOINT_URL", env("AIMS_S3_ENDPOINT_URL"))
LEDGER_CHECKPOINT_S3_ACCESS_KEY = env("AIMS_LEDGER_CHECKPOINT_S3_ACCESS_KEY", env("AIMS_S3_ACCESS_KEY"))
LEDGER_CHECKPOINT_S3_SECRET_KEY = env("AIMS_LEDGER_CHECKPOINT_S3_SECRET_KEY", env("AIMS_S3_SECRET_KEY"))
LEDGER_CHECKPOINT_S3_REGION = env("AIMS_LEDGER_CHECKPOINT_S3_REGION", env("AIMS_S3_REGION"))
LEDGER_CHECKPOINT_WEBHOOK_URL = env("AIMS_LEDGER_CHECKPOINT_WEBHOOK_URL")
LEDGER_TSA_URL = env("AIMS_LEDGER_TSA_URL")  # optional RFC 3161 time-stamp authority

# --- API.
IDEMPOTENCY_HOURS = int(env("AIMS_IDEMPOTENCY_HOURS", "24"))  # how long a POST's answer is kept for its retries
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
API_TOKEN_DEFAULT_DAYS = 90

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Each line carries the request id that error pages show as their reference.
    "filters": {"request_id": {"()": "aims.core.log.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("AIMS_LOG_LEVEL", "WARNING")},
}
