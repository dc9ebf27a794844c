"""The example site's Settings > Sessions: the account's browsers in the settings layout, and the
switch for sign-in alerts in Telegram (the alerts themselves are the app's: telegram_login's
tests)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from telegram_login.tests.flows import sign_in_with_password, sign_in_with_telegram
from telegram_login.tests.helpers import BROWSER_UA, FIREFOX_UA, OWNER_EMAIL
from telegram_login.tests.test_mini_app import made

pytestmark = pytest.mark.django_db

EMAIL = OWNER_EMAIL


def test_the_sessions_page_lists_the_browsers_in_the_settings_layout(owner):
    chrome = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(chrome, EMAIL)
    sign_in_with_password(Client(HTTP_USER_AGENT=FIREFOX_UA), EMAIL)

    page = chrome.get("/accounts/sessions/").content.decode()

    assert 'data-testid="settings-nav"' in page
    assert page.count('data-testid="session"') == 2
    assert "Chrome 120 on Windows 10" in page
    assert "Firefox 121 on Ubuntu" in page
    assert "This browser" in page
    assert 'data-testid="sign-in-alerts"' in page


def test_the_sessions_page_shows_the_alert_switch_on_by_default(owner):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)

    page = browser.get("/accounts/sessions/").content.decode()

    assert 'data-testid="sign-in-alerts-switch"' in page
    assert "checked" in page


def test_this_browser_signs_out_from_its_own_row_and_no_lone_button_is_left_under_the_table(owner):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)

    page = browser.get("/accounts/sessions/").content.decode()

    assert page.count('data-testid="session-sign-out"') == 1
    assert 'formaction="/accounts/logout/"' in page
    assert "Sign out the other sessions" not in page
    assert 'class="form-actions"' not in page

    sign_in_with_password(Client(HTTP_USER_AGENT=FIREFOX_UA), EMAIL)
    page = browser.get("/accounts/sessions/").content.decode()

    assert page.count('data-testid="session-sign-out"') == 1
    assert "Sign out the other sessions" in page


def test_each_session_says_how_it_signed_in_the_mini_app_too(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    by_password = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(by_password, EMAIL)
    sign_in_with_telegram(
        Client(HTTP_USER_AGENT=FIREFOX_UA), telegram, telegram_update, post_update
    )
    in_telegram = Client(HTTP_USER_AGENT=BROWSER_UA)
    in_telegram.post(
        "/accounts/telegram-login/mini-app/",
        {"init_data": made({k: telegram[k] for k in ("id", "first_name")})},
    )

    page = by_password.get("/accounts/sessions/").content.decode()

    ways = re.findall(r'data-testid="session-method">([^<]*)<', page)
    assert sorted(ways) == sorted(["email and password", "Telegram", "Telegram Mini App"])
