"""Settings: read with defaults, and unsafe or unworkable combinations refused at start-up (a
system check error each, telegram_login/checks.py)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.core import checks

from telegram_login.checks import settings_problems
from telegram_login.conf import TelegramLoginSettings, get_settings
from telegram_login.hooks import PlayedTelegram
from telegram_login.messaging import callbacks
from telegram_login.messaging import texts as messages
from telegram_login.models import LoginRequest
from telegram_login.sandbox import stand_in
from telegram_login.sandbox.checks import check_sandbox
from telegram_login.signin import machine, services
from telegram_login.tests.helpers import WEBHOOK_SECRET

GOOD_CHANGES: dict[str, object] = {
    "bot_token": "4242:TOKEN",
    "bot_username": "good_login_bot",
    "webhook_secret": "s3cret_-" * 4,
    "api_base_url": "https://api.telegram.org",
    "login_ttl": 300,
    "played": None,
    "confirm_mode": "match_code",
}

# What the sandbox plays on a staging site (TELEGRAM_SANDBOX=true, DEBUG off).
PLAYED = PlayedTelegram(
    bot_token=stand_in.BOT_TOKEN,
    bot_username=stand_in.BOT_USERNAME,
    webhook_secret="s" * 64,
    api_base_url=stand_in.API_BASE_URL,
    oidc_client_id="123456",
    oidc_client_secret="o" * 64,
)


def _with(**changes: object) -> TelegramLoginSettings:
    """A good configuration (the one tests run with, made explicit) with `changes` applied."""
    return dataclasses.replace(get_settings(), **{**GOOD_CHANGES, **changes})


def validate(conf: TelegramLoginSettings, *, debug: bool) -> None:
    """`conf` passes: the system checks find no error in it."""
    assert [m for m in settings_problems(conf, debug=debug) if m.is_serious()] == []


def refused(conf: TelegramLoginSettings, *, debug: bool) -> checks.CheckMessage:
    """The one error the system checks find in `conf` (it stops the site at start-up)."""
    [error] = [m for m in settings_problems(conf, debug=debug) if m.is_serious()]
    assert isinstance(error, checks.Error)
    return error


@pytest.mark.parametrize("debug", [False, True])
def test_good_configuration_passes(debug):
    validate(_with(), debug=debug)


def test_site_without_a_bot_passes_with_debug_off():
    validate(_with(bot_token="", bot_username="", webhook_secret=""), debug=False)


@pytest.mark.parametrize("ttl", [1, 600])
def test_ttl_at_the_limits_passes(ttl):
    validate(_with(login_ttl=ttl), debug=False)


@pytest.mark.parametrize("ttl", [0, -5, 601, 3600])
def test_ttl_outside_one_to_600_seconds_is_refused(ttl):
    error = refused(_with(login_ttl=ttl), debug=True)
    assert error.id == "telegram_login.E011"
    assert re.search(rf"TELEGRAM_LOGIN_TTL is {ttl}; .*1 and 600", error.msg)


def test_token_without_webhook_secret_is_refused_with_debug_off():
    error = refused(_with(webhook_secret=""), debug=False)
    assert error.id == "telegram_login.E015"
    assert "TELEGRAM_LOGIN_WEBHOOK_SECRET is not" in error.msg
    assert "A-Z, a-z, 0-9, _ and -" in error.hint


def test_token_without_webhook_secret_is_allowed_with_debug_on():
    validate(_with(webhook_secret=""), debug=True)


@pytest.mark.parametrize(
    "secret",
    ["has space", "slash/es", "plus+", "ünïcode", "x" * 257],
    ids=["space", "slash", "plus", "non-ascii", "257-chars"],
)
def test_webhook_secret_with_characters_telegram_refuses_is_refused(secret):
    error = refused(_with(webhook_secret=secret), debug=False)
    assert error.id == "telegram_login.E016"
    assert "TELEGRAM_LOGIN_WEBHOOK_SECRET may only hold" in error.msg


@pytest.mark.parametrize(
    "username", ["", "bot", "1starts_with_digit", "has-dash", "@at_sign_bot", "x" * 33]
)
def test_token_without_a_valid_bot_username_is_refused(username):
    error = refused(_with(bot_username=username), debug=True)
    assert error.id == "telegram_login.E018"
    assert "TELEGRAM_LOGIN_BOT_USERNAME must be set" in error.msg
    assert "https://t.me/<username>?start=<token>" in error.msg


def test_bot_username_is_read_without_its_at_sign(settings):
    settings.TELEGRAM_LOGIN_BOT_USERNAME = "@good_login_bot"
    conf = get_settings()
    assert conf.bot_username == "good_login_bot"
    validate(conf, debug=False)


@pytest.mark.parametrize("debug", [False, True])
def test_sandbox_next_to_a_real_bot_token_is_refused(settings, debug):
    settings.DEBUG = debug
    settings.TELEGRAM_SANDBOX = True
    assert not get_settings().played
    [error] = check_sandbox()
    assert error.id == "telegram_login.E101"
    assert "never runs next to a real bot" in error.msg


def test_sandbox_switched_on_for_staging_with_debug_off_passes():
    validate(_with(played=PLAYED), debug=False)


def test_sandbox_with_debug_on_passes():
    validate(_with(played=PLAYED), debug=True)


@pytest.mark.parametrize("mode", ["", "start", "Button", "none"])
def test_unknown_confirm_mode_is_refused(mode):
    error = refused(_with(confirm_mode=mode), debug=True)
    assert error.id == "telegram_login.E014"
    assert "match_code, browser_code, button" in error.msg


def test_settings_are_read_again_when_they_change(settings):
    assert get_settings().login_ttl == 300
    settings.TELEGRAM_LOGIN_TTL = 120
    assert get_settings().login_ttl == 120
    assert get_settings().webhook_secret == WEBHOOK_SECRET


# -- confirm mode "button" --------------------------------------------------------------------


def _buttons(call: messages.BotCall) -> list[list[dict[str, str]]]:
    return call.params["reply_markup"]["inline_keyboard"]


def test_button_mode_shows_one_confirm_button_and_cancel(settings, login_request):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "button"
    prompt = messages.confirm_prompt(chat_id=1, login_request=login_request)
    [confirm], [cancel] = _buttons(prompt)
    assert confirm["text"] == "✔ Confirm"
    assert confirm["callback_data"] == callbacks.callback_data(
        login_request, callbacks.ACTION_CODE, login_request.match_code
    )
    assert cancel["callback_data"] == callbacks.callback_data(
        login_request, callbacks.ACTION_CANCEL
    )
    assert "press Confirm" in prompt.params["text"]


def test_button_mode_still_shows_who_asked(settings, login_request):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "button"
    text = messages.confirm_prompt(chat_id=1, login_request=login_request).params["text"]
    assert "Sign in to telegram-login with this Telegram account?" in text
    assert "Browser: Chrome 120 on Windows 10" in text
    assert "IP address: 198.51.100.4" in text
    assert "Requested: " in text


def test_match_code_mode_shows_the_three_codes_and_cancel(login_request):
    assert get_settings().confirm_mode == "match_code"
    codes, [cancel] = _buttons(messages.confirm_prompt(chat_id=1, login_request=login_request))
    assert [b["text"] for b in codes] == login_request.code_choices
    assert cancel["text"].startswith("✖ Cancel")


def test_confirm_in_button_mode_approves(settings, login_request):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "button"
    user = services.TelegramUser(id=99, first_name="B")
    LoginRequest.objects.filter(pk=login_request.pk).update(
        status=LoginRequest.Status.CLAIMED, telegram_user_id=99
    )
    [confirm], _ = _buttons(messages.confirm_prompt(chat_id=99, login_request=login_request))
    press = callbacks.decode(confirm["callback_data"])
    assert isinstance(press, callbacks.Decide)
    result = services.login_request_decide(
        request_id=press.request_id, telegram_user_id=user.id, code=press.code
    )
    assert result.outcome == machine.DecisionOutcome.APPROVED


@pytest.mark.parametrize(
    ("length", "debug", "is_refused"), [(31, False, True), (32, False, False), (8, True, False)]
)
def test_short_webhook_secret_is_refused_with_debug_off(length, debug, is_refused):
    conf = _with(webhook_secret="s" * length)
    if is_refused:
        error = refused(conf, debug=debug)
        assert error.id == "telegram_login.E017"
        assert "at least 32" in error.msg
    else:
        validate(conf, debug=debug)


def test_readmes_adapter_lines_give_the_telegram_rules(settings):
    from allauth.account.adapter import get_adapter
    from allauth.socialaccount.adapter import get_adapter as get_social_adapter

    from telegram_login.adapter import AccountAdapter, SocialAccountAdapter

    assert isinstance(get_adapter(), AccountAdapter)
    assert isinstance(get_social_adapter(), SocialAccountAdapter)


def test_a_site_naming_no_adapter_is_stopped_and_told_which_to_name(settings):
    from django.core import checks

    del settings.SOCIALACCOUNT_ADAPTER
    [error] = [m for m in checks.run_checks() if m.id == "telegram_login.E005"]
    assert "SOCIALACCOUNT_ADAPTER (allauth.socialaccount.adapter.DefaultSocialAccountAdapter)" in (
        error.msg
    )
    assert 'Set SOCIALACCOUNT_ADAPTER = "telegram_login.adapter.SocialAccountAdapter"' in error.hint


def test_the_app_writes_nothing_into_the_sites_settings(settings):
    from django.apps import apps

    del settings.SOCIALACCOUNT_ADAPTER
    apps.get_app_config("telegram_login").ready()

    assert not hasattr(settings, "SOCIALACCOUNT_ADAPTER")


def test_an_adapter_that_does_not_extend_the_telegram_rules_stops_the_site(settings):
    from django.core import checks

    settings.ACCOUNT_ADAPTER = "allauth.account.adapter.DefaultAccountAdapter"
    errors = [m for m in checks.run_checks() if m.id == "telegram_login.E005"]
    assert len(errors) == 1
    assert errors[0].level == checks.ERROR
    assert "ACCOUNT_ADAPTER" in errors[0].msg
    assert "the password alone would disconnect the linked Telegram" in errors[0].msg


def test_a_mini_app_url_that_is_not_https_is_refused():
    error = refused(_with(mini_app_url="http://example.com/accounts/login/"), debug=True)
    assert error.id == "telegram_login.E034"
    assert "https://" in error.msg
    validate(_with(mini_app_url="https://example.com/accounts/login/"), debug=False)


@pytest.mark.parametrize("age", [0, -1, 24 * 3600 + 1])
def test_a_mini_app_window_outside_one_second_to_a_day_is_refused(age):
    error = refused(_with(mini_app_max_age=age), debug=False)
    assert error.id == "telegram_login.E035"
    assert "TELEGRAM_LOGIN_MINI_APP_MAX_AGE" in error.msg
