"""The example site's Settings > Sessions: the account's browsers in the settings layout, and the
switch for sign-in alerts in Telegram (the alerts themselves are the app's: telegram_login's
tests)."""

from __future__ import annotations

import pytest
from django.test import Client

from telegram_login.tests.flows import sign_in_with_password
from telegram_login.tests.helpers import BROWSER_UA, FIREFOX_UA, OWNER_EMAIL

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
