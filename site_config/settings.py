"""Django settings, read from environment variables with defaults that run a newcomer's copy."""

import os
import tempfile
from pathlib import Path

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

INSECURE_DEFAULT_SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_optional_bool(name: str) -> bool | None:
    """True or False if the variable is set, None if it is not."""
    value = os.environ.get(name, "").strip()
    return env_bool(name, False) if value else None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "") or INSECURE_DEFAULT_SECRET_KEY
if not DEBUG and SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off, set the SECRET_KEY environment variable to a long "
        "random value, e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.usersessions",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "telegram_login",
]
# The Telegram sandbox (plays Telegram users; docs/qa.md) is installed where it may run: with
# DEBUG, or when switched on for a staging site. It is never on next to a real bot.
if DEBUG or env_bool("TELEGRAM_SANDBOX", False):
    INSTALLED_APPS.append("telegram_login.sandbox")

# The Content-Security-Policy: scripts from this site and, inline, only those carrying the page's
# nonce; no inline styles, plugins or framing. Sent by Django's own middleware on Django 6 and by
# django-csp on 5.2; site_config/middleware.py adds the origin of Telegram's login page to
# form-action.
if django.VERSION >= (6, 0):
    from django.utils.csp import CSP

    csp_nonce: object = CSP.NONCE
    csp_middleware = "django.middleware.csp.ContentSecurityPolicyMiddleware"
    csp_context_processor = "django.template.context_processors.csp"
else:
    from csp.constants import NONCE as csp_nonce

    csp_middleware = "csp.middleware.CSPMiddleware"
    csp_context_processor = "site_config.middleware.csp_nonce"
csp_directives = {
    "default-src": ["'self'"],
    "script-src": ["'self'", csp_nonce],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if django.VERSION >= (6, 0):
    SECURE_CSP = csp_directives
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": csp_directives}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The waiting poll's "nothing changed" (204) before the middleware a page needs, the CSP's
    # included: a 204 to htmx is no document for a policy to govern, and every poll would pay for
    # building one.
    "telegram_login.poll.middleware.WaitingPollMiddleware",
    csp_middleware,
    "site_config.middleware.SiteHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # "Last seen" of each signed-in session, for Settings > Sessions and /sessions in the bot.
    "telegram_login.security.middleware.SessionActivityMiddleware",
]

ROOT_URLCONF = "site_config.urls"
WSGI_APPLICATION = "site_config.wsgi.application"

context_processors = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    # The nonce as `csp_nonce`, which django-htmx's {% htmx_script %} reads.
    csp_context_processor,
]
if "telegram_login.sandbox" in INSTALLED_APPS:
    # The sandbox banner on every page (templates/base.html).
    context_processors.append("telegram_login.sandbox.context_processors.sandbox")
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": context_processors},
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads and workers write the same file: wait on the lock instead of failing with
    # "database is locked", take the write lock up front, and let readers (the polls) read while
    # a writer writes (WAL). Connections persist like PostgreSQL's: opening one costs a poll.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
    # Tests get a file, not Django's shared in-memory database, so that live-server threads race
    # on real separate connections, as on PostgreSQL; one file per test process.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"telegram-login-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, answering as an empty one while Redis is away: sessions
            # (cached_db) then read the database, rate limits let everyone through (docs/deploy.md).
            "BACKEND": "telegram_login.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The bot's messages that do not travel in the webhook's answer (consent prompts, their edits,
# sign-in alerts, link notices) are Django tasks (telegram_login/messaging/tasks.py). They wait in the
# database until sent: by the site at once, or by the worker (manage.py telegram_worker) after a
# restart or while Telegram is down (docs/deploy.md). With DEBUG or the sandbox they are sent at
# once by the site alone, in whose process the sandbox's fake Telegram lives.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if DEBUG or env_bool("TELEGRAM_SANDBOX", False)
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# The Telegram account rules (telegram_login/adapter.py).
ACCOUNT_ADAPTER = "telegram_login.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "telegram_login.adapter.SocialAccountAdapter"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# allauth: email + password accounts; Telegram users sign up without an email.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGOUT_ON_GET = False
# Links, unlinks, password and email changes are mailed to the account's verified address.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_USER_DISPLAY = "accounts.models.user_display"
# allauth's sign-in form in the site's sentence case ("Remember me").
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# Connecting or removing a sign-in method, and changing email addresses, asks for a fresh proof
# (the password, or a confirmation in the linked Telegram) after 5 minutes.
SOCIALACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# The Telegram sign-in's own limits (defaults in telegram_login/conf.py), from the environment.
TELEGRAM_LOGIN_RATE_LIMITS = {
    action: os.environ[variable]
    for action, variable in (
        ("start", "TELEGRAM_LOGIN_START_RATE"),
        ("bot", "TELEGRAM_LOGIN_BOT_RATE"),
    )
    if os.environ.get(variable)
}
# The client IP (rate limits, the bot's "IP address" line) behind a load balancer: how many
# proxies append to X-Forwarded-For, or one header the proxy sets (see docs/deploy.md).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER") or None
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# `make bench` only: mounts a bare 204 view at /bench/reference/ as its yardstick
# (docs/performance.md). Never set in production.
BENCH_REFERENCE_VIEW = env_bool("BENCH_REFERENCE_VIEW", False)

# Telegram: the environment variables of docs/design.md's contract, under the app's setting
# names (TELEGRAM_LOGIN_...; telegram_login/conf.py has the defaults, checks.py the checks).
TELEGRAM_LOGIN_SITE_NAME = os.environ.get("SITE_NAME", "telegram-login")
TELEGRAM_LOGIN_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_LOGIN_BOT_USERNAME = os.environ.get("TELEGRAM_BOT_USERNAME", "")
TELEGRAM_LOGIN_WEBHOOK_SECRET = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")
TELEGRAM_LOGIN_API_BASE_URL = os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org")
TELEGRAM_LOGIN_TTL = int(os.environ.get("TELEGRAM_LOGIN_TTL", "300"))
# Telegram's own login page (OpenID Connect), beside the deep link: the bot's id and the secret
# from BotFather's Web Login settings; off while unset.
TELEGRAM_LOGIN_OIDC_CLIENT_ID = os.environ.get("TELEGRAM_OIDC_CLIENT_ID", "")
TELEGRAM_LOGIN_OIDC_CLIENT_SECRET = os.environ.get("TELEGRAM_OIDC_CLIENT_SECRET", "")
TELEGRAM_LOGIN_OIDC_ISSUER = os.environ.get("TELEGRAM_OIDC_ISSUER", "https://oauth.telegram.org")
TELEGRAM_LOGIN_OIDC_SIGNING_ALGORITHM = os.environ.get("TELEGRAM_OIDC_SIGNING_ALGORITHM", "RS256")
TELEGRAM_LOGIN_OIDC_REQUEST_PHONE = env_bool("TELEGRAM_OIDC_REQUEST_PHONE", False)
# The built-in Telegram sandbox: on by itself with DEBUG and no bot token; TELEGRAM_SANDBOX=true
# switches it on with DEBUG off, for a staging site the browser suite runs against (docs/qa.md).
TELEGRAM_SANDBOX = env_optional_bool("TELEGRAM_SANDBOX")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_secrets": {"()": "site_config.logging.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "telegram_login": {"level": os.environ.get("TELEGRAM_LOGIN_LOG_LEVEL", "INFO")},
        "django.request": {"level": "ERROR"},
        # urllib3 logs request lines, and Bot API URLs hold the bot token.
        "urllib3": {"level": "WARNING"},
    },
}

SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (see docs/deploy.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
