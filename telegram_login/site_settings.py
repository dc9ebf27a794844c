"""What a site's settings.py needs for the app, added where missing and in the right place:
`INSTALLED_APPS = installed_apps(INSTALLED_APPS)` works on a list or a tuple, on a bare
startproject site and on one that already has allauth. Imports nothing of Django's that needs
settings, so settings.py can use it."""

from __future__ import annotations

from collections.abc import Iterable

import django

APPS = (
    "django.contrib.humanize",  # allauth's sessions page (Settings > Sessions) uses it
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.usersessions",
    "telegram_login",
)
# Django 5.2: template partials from django-template-partials (6.x has its own).
PARTIALS_APP = "template_partials"

SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
WAITING_POLL_MIDDLEWARE = "telegram_login.poll.middleware.WaitingPollMiddleware"
HTMX_MIDDLEWARE = "django_htmx.middleware.HtmxMiddleware"
ACCOUNT_MIDDLEWARE = "allauth.account.middleware.AccountMiddleware"
SESSION_ACTIVITY_MIDDLEWARE = "telegram_login.security.middleware.SessionActivityMiddleware"

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ALLAUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def installed_apps(apps: Iterable[str]) -> list[str]:
    """`apps` with the app and what it needs appended, each only if it is not there yet."""
    wanted = [*APPS, PARTIALS_APP] if django.VERSION < (6, 0) else list(APPS)
    have = list(apps)
    return have + [app for app in wanted if app not in have]


def middleware(stack: Iterable[str]) -> list[str]:
    """`stack` with the app's middleware, each only if missing, where each must be: the waiting
    poll's quick answer right after SecurityMiddleware (or first), "Not me"'s right after
    allauth's AccountMiddleware, htmx's and allauth's at the end."""
    stack = list(stack)
    for name in (HTMX_MIDDLEWARE, ACCOUNT_MIDDLEWARE):
        if name not in stack:
            stack.append(name)
    if SESSION_ACTIVITY_MIDDLEWARE not in stack:
        stack.insert(stack.index(ACCOUNT_MIDDLEWARE) + 1, SESSION_ACTIVITY_MIDDLEWARE)
    if WAITING_POLL_MIDDLEWARE not in stack:
        first = stack.index(SECURITY_MIDDLEWARE) + 1 if SECURITY_MIDDLEWARE in stack else 0
        stack.insert(first, WAITING_POLL_MIDDLEWARE)
    return stack


def authentication_backends(backends: Iterable[str] | None = None) -> list[str]:
    """`backends` (None: Django's default, where the site sets none) with allauth's, if missing."""
    backends = [MODEL_BACKEND] if backends is None else list(backends)
    return backends if ALLAUTH_BACKEND in backends else [*backends, ALLAUTH_BACKEND]
