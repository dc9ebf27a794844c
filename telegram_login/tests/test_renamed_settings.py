"""Settings renamed to the one prefix TELEGRAM_LOGIN_: a site that still sets an old name keeps
working, and `manage.py check` says which name to use instead."""

from __future__ import annotations

from operator import attrgetter

import pytest
from django.core import checks

from telegram_login.checks import check_telegram_settings
from telegram_login.conf import RENAMED, get_settings, setting_names

# A value for each old name, other than what the tests' site sets and than the default.
OLD_VALUES: dict[str, object] = {
    "TELEGRAM_BOT_TOKEN": "777:OLD-name-token",
    "TELEGRAM_BOT_USERNAME": "old_name_bot",
    "TELEGRAM_WEBHOOK_SECRET": "old-name-secret-" + "o" * 32,
    "TELEGRAM_API_BASE_URL": "https://bot-api.old-name.test",
    "TELEGRAM_API_TIMEOUT": 7.5,
    "TELEGRAM_API_RETRY_BACKOFF": 0.25,
    "SITE_NAME": "Old Name Shop",
    "TELEGRAM_OIDC_CLIENT_ID": "777",
    "TELEGRAM_OIDC_CLIENT_SECRET": "old-name-client-secret",
    "TELEGRAM_OIDC_ISSUER": "https://oidc.old-name.test",
    "TELEGRAM_OIDC_SIGNING_ALGORITHM": "ES256",
    "TELEGRAM_OIDC_REQUEST_PHONE": True,
    "TELEGRAM_OIDC_REQUEST_BOT_ACCESS": False,
    "TELEGRAM_OIDC_TIMEOUT": 7.5,
}


def _renamed_warnings() -> list[checks.CheckMessage]:
    return [m for m in check_telegram_settings() if m.id == "telegram_login.W025"]


def test_every_renamed_setting_is_a_field_under_its_new_name():
    assert set(OLD_VALUES) == set(RENAMED)
    assert set(RENAMED.values()) <= set(setting_names())


def test_the_tests_site_sets_no_old_name():
    assert _renamed_warnings() == []


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED.items()))
def test_an_old_name_still_works_and_is_warned_of(settings, old, new):
    if hasattr(settings, new):
        delattr(settings, new)
    setattr(settings, old, OLD_VALUES[old])

    assert attrgetter(setting_names()[new])(get_settings()) == OLD_VALUES[old]
    [warning] = _renamed_warnings()
    assert warning.level == checks.WARNING
    assert warning.msg == f"{old} is now named {new}; the old name still works, for now."
    assert warning.hint == f"Rename {old} to {new}."


def test_the_new_name_wins_where_both_are_set(settings):
    settings.TELEGRAM_LOGIN_OIDC_TIMEOUT = 3.0
    settings.TELEGRAM_OIDC_TIMEOUT = 9.0

    assert get_settings().oidc.timeout == 3.0
    [warning] = _renamed_warnings()
    assert warning.msg == (
        "TELEGRAM_OIDC_TIMEOUT is now named TELEGRAM_LOGIN_OIDC_TIMEOUT; TELEGRAM_OIDC_TIMEOUT "
        "is not read, as TELEGRAM_LOGIN_OIDC_TIMEOUT is set."
    )
    assert warning.hint == "Remove TELEGRAM_OIDC_TIMEOUT."


def test_both_names_set_alike_say_nothing(settings):
    # A site may keep a SITE_NAME of its own beside the app's.
    settings.TELEGRAM_LOGIN_SITE_NAME = "Shop"
    settings.SITE_NAME = "Shop"

    assert get_settings().site_name == "Shop"
    assert _renamed_warnings() == []
