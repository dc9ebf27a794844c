"""README's settings lines (telegram_login/site_settings.py) on a bare startproject site and on
sites that already have allauth, in lists or tuples."""

from __future__ import annotations

import django

from telegram_login import site_settings
from telegram_login.site_settings import authentication_backends, installed_apps, middleware

# What `django-admin startproject` writes.
STARTPROJECT_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
STARTPROJECT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def test_a_startproject_site_gets_every_app_once_after_its_own():
    apps = installed_apps(STARTPROJECT_APPS)

    assert apps[: len(STARTPROJECT_APPS)] == STARTPROJECT_APPS
    assert "telegram_login" in apps
    assert "allauth.usersessions" in apps
    assert len(apps) == len(set(apps))
    assert ("template_partials" in apps) == (django.VERSION < (6, 0))


def test_a_site_with_allauth_in_a_tuple_gets_only_what_it_lacks():
    theirs = (*STARTPROJECT_APPS, "allauth", "allauth.account", "allauth.socialaccount", "users")

    apps = installed_apps(theirs)

    assert apps[: len(theirs)] == list(theirs)
    assert apps.count("allauth.account") == 1
    assert "allauth.usersessions" in apps
    assert "telegram_login" in apps


def test_the_lines_twice_change_nothing_more():
    once = installed_apps(STARTPROJECT_APPS)
    assert installed_apps(once) == once
    stack = middleware(STARTPROJECT_MIDDLEWARE)
    assert middleware(stack) == stack


def test_the_waiting_poll_comes_right_after_security_and_not_me_right_after_allauths():
    stack = middleware(tuple(STARTPROJECT_MIDDLEWARE))

    assert stack[:2] == [site_settings.SECURITY_MIDDLEWARE, site_settings.WAITING_POLL_MIDDLEWARE]
    account = stack.index(site_settings.ACCOUNT_MIDDLEWARE)
    assert stack[account + 1] == site_settings.SESSION_ACTIVITY_MIDDLEWARE
    assert stack.index("django.contrib.auth.middleware.AuthenticationMiddleware") < account
    assert site_settings.HTMX_MIDDLEWARE in stack


def test_a_site_with_allauths_middleware_in_the_middle_keeps_it_there():
    theirs = [
        *STARTPROJECT_MIDDLEWARE[:5],
        site_settings.ACCOUNT_MIDDLEWARE,
        *STARTPROJECT_MIDDLEWARE[5:],
    ]

    stack = middleware(theirs)

    assert stack.count(site_settings.ACCOUNT_MIDDLEWARE) == 1
    assert stack[stack.index(site_settings.ACCOUNT_MIDDLEWARE) + 1] == (
        site_settings.SESSION_ACTIVITY_MIDDLEWARE
    )


def test_a_stack_without_security_middleware_answers_the_poll_first():
    assert middleware(STARTPROJECT_MIDDLEWARE[1:])[0] == site_settings.WAITING_POLL_MIDDLEWARE


def test_authentication_backends_keep_djangos_and_add_allauths_once():
    assert authentication_backends(None) == [
        site_settings.MODEL_BACKEND,
        site_settings.ALLAUTH_BACKEND,
    ]
    theirs = (site_settings.ALLAUTH_BACKEND,)
    assert authentication_backends(theirs) == [site_settings.ALLAUTH_BACKEND]
