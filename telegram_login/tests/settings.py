"""The package's tests run as the smallest site that uses it, without the example project: a
`startproject` site with README's integration lines, plus what the tests look at (both languages,
email sign-in beside Telegram, allauth asking for a fresh proof before changes)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import django

SECRET_KEY = "telegram-login-package-tests"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Django 5.2 only: Django 6 has template partials of its own (compat.py).
    *([] if django.VERSION >= (6, 0) else ["template_partials"]),
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.usersessions",
    "allauth.mfa",
    # Single-page and mobile apps sign in through allauth's JSON API (telegram_login.headless).
    "allauth.headless",
    "django.contrib.humanize",
    # The queue that keeps the bot's messages (README's lines for `telegram-login[queue]`). TASKS
    # is left unset: the messages go without it except in the queue's tests (test_tasks.py).
    "django_tasks_db",
    "telegram_login",
    "telegram_login.sandbox",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "telegram_login.security.middleware.SessionActivityMiddleware",
]
ROOT_URLCONF = "telegram_login.tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Only the home page the tests land on; every other page is the package's or allauth's.
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# A file, never ":memory:": pytest-django's live server can start before the test database is
# set up, and would then share the tests' in-memory connection across threads (a segfault).
SQLITE_FILE = Path(tempfile.gettempdir()) / f"telegram-login-pkg-{os.getpid()}.sqlite3"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(SQLITE_FILE),
        "TEST": {"NAME": str(SQLITE_FILE)},
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# `make test-pg` runs these tests on PostgreSQL and Redis, as the example site's: the same
# variables, read the same way.
if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    # Its own test database, apart from the example site's.
    DATABASES["default"]["TEST"] = {"NAME": "test_telegram_login_package"}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "telegram_login.cache.TolerantRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
ACCOUNT_ADAPTER = "telegram_login.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "telegram_login.adapter.SocialAccountAdapter"
LOGIN_REDIRECT_URL = "/"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
SOCIALACCOUNT_REAUTHENTICATION_REQUIRED = True
SOCIALACCOUNT_QUERY_EMAIL = False
# Sign-up asks for an email, and Telegram gives none: without this allauth would send a new
# Telegram user to a form asking for one (README, "Add it to your site").
SOCIALACCOUNT_EMAIL_REQUIRED = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

TELEGRAM_LOGIN_SITE_NAME = "telegram-login"
TELEGRAM_LOGIN_BOT_TOKEN = ""
TELEGRAM_LOGIN_BOT_USERNAME = ""
TELEGRAM_LOGIN_WEBHOOK_SECRET = ""
