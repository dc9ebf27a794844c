"""The settings of Telegram's OpenID Connect login: off while unset, start-up checks that say
what to change, the sandbox playing the issuer only where no real client is configured."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.socialaccount.adapter import get_adapter
from django.core import checks
from django.test import Client, RequestFactory

from telegram_login.checks import check_telegram_settings, settings_problems
from telegram_login.conf import OIDCSettings, get_settings
from telegram_login.sandbox.checks import check_sandbox
from telegram_login.tests.oidc_support import *  # noqa: F403  the fixtures
from telegram_login.tests.oidc_support import (
    CALLBACK_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    ISSUER,
    LOGIN_URL,
)

pytestmark = pytest.mark.django_db


def get_oidc_settings() -> OIDCSettings:
    return get_settings().oidc


def test_nothing_of_telegrams_login_shows_while_its_settings_are_unset():
    conf = get_oidc_settings()
    assert not conf.enabled
    request = RequestFactory().get("/")
    assert "telegram_oidc" not in [p.id for p in get_adapter().list_providers(request)]
    browser = Client()
    assert browser.post(LOGIN_URL, {"process": "login"}).status_code == HTTPStatus.NOT_FOUND
    assert browser.get(CALLBACK_URL, {"state": "x", "code": "y"}).status_code == 404
    assert "telegram-oidc-start" not in browser.get("/accounts/login/").content.decode()


def test_once_configured_allauth_lists_it_beside_the_deep_link(oidc_issuer):
    request = RequestFactory().get("/")
    providers = [p.id for p in get_adapter().list_providers(request)]
    assert providers[:2] == ["telegram_login", "telegram_oidc"]
    assert get_oidc_settings().issuer == ISSUER


def _validate(settings, *, debug: bool = False, **values) -> list[checks.CheckMessage]:
    """The start-up errors the system checks find once `values` are set."""
    for name, value in values.items():
        setattr(settings, name, value)
    return [m for m in settings_problems(get_settings(), debug=debug) if m.is_serious()]


def test_a_configured_client_passes_the_start_up_checks(settings):
    errors = _validate(
        settings,
        TELEGRAM_LOGIN_OIDC_CLIENT_ID=CLIENT_ID,
        TELEGRAM_LOGIN_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        TELEGRAM_LOGIN_OIDC_ISSUER="https://oauth.telegram.org",
    )
    assert errors == []


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"TELEGRAM_LOGIN_OIDC_CLIENT_ID": CLIENT_ID}, "TELEGRAM_LOGIN_OIDC_CLIENT_SECRET is not"),
        ({"TELEGRAM_LOGIN_OIDC_CLIENT_SECRET": "s"}, "TELEGRAM_LOGIN_OIDC_CLIENT_ID is not"),
        (
            {"TELEGRAM_LOGIN_OIDC_CLIENT_ID": "@my_bot", "TELEGRAM_LOGIN_OIDC_CLIENT_SECRET": "s"},
            "numeric id",
        ),
        (
            {
                "TELEGRAM_LOGIN_OIDC_CLIENT_ID": CLIENT_ID,
                "TELEGRAM_LOGIN_OIDC_CLIENT_SECRET": "s",
                "TELEGRAM_LOGIN_OIDC_SIGNING_ALGORITHM": "HS256",
            },
            "RS256, ES256, EdDSA",
        ),
        (
            {
                "TELEGRAM_LOGIN_OIDC_CLIENT_ID": CLIENT_ID,
                "TELEGRAM_LOGIN_OIDC_CLIENT_SECRET": "s",
                "TELEGRAM_LOGIN_OIDC_ISSUER": "http://oauth.example",
            },
            "https:// URL with DEBUG off",
        ),
    ],
)
def test_an_unusable_configuration_stops_the_start_and_says_what_to_change(settings, values, says):
    [error] = _validate(settings, **values)
    assert isinstance(error, checks.Error)
    assert says in error.msg
    assert error.hint


def test_an_http_issuer_is_allowed_only_with_debug_on(settings):
    errors = _validate(
        settings,
        debug=True,
        TELEGRAM_LOGIN_OIDC_CLIENT_ID=CLIENT_ID,
        TELEGRAM_LOGIN_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        TELEGRAM_LOGIN_OIDC_ISSUER="http://127.0.0.1:9000",
    )
    assert errors == []


def test_the_sandbox_never_runs_next_to_a_real_telegram_login(settings):
    settings.TELEGRAM_SANDBOX = True
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_ID = CLIENT_ID
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_SECRET = CLIENT_SECRET
    assert not get_oidc_settings().played
    [error] = check_sandbox()
    assert error.id == "telegram_login.E102"
    assert "never runs next to a real Telegram login" in error.msg


def test_the_sandbox_plays_the_issuer_where_no_client_is_configured(settings):
    settings.DEBUG = True
    settings.TELEGRAM_SANDBOX = True
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    conf = get_oidc_settings()
    assert conf.played
    assert conf.enabled
    assert conf.issuer == ""  # this very site's, at the request's origin
    assert conf.client_id == "123456"  # the sandbox bot's id


def test_a_client_of_another_bot_than_the_deep_links_is_warned_about(settings):
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_ID = "99999"
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_SECRET = CLIENT_SECRET
    [warning] = [m for m in check_telegram_settings() if m.id == "telegram_login.W010"]
    assert "(99999) is not the id of the bot" in warning.msg
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_ID = CLIENT_ID
    assert [m for m in check_telegram_settings() if "OIDC" in m.msg] == []


def test_bot_access_is_asked_for_where_the_bot_can_then_tell_of_links(settings):
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_ID = CLIENT_ID
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_SECRET = CLIENT_SECRET
    assert "telegram:bot_access" in get_oidc_settings().scopes
    settings.TELEGRAM_LOGIN_OIDC_REQUEST_BOT_ACCESS = False
    assert get_oidc_settings().scopes == ["openid", "profile"]
