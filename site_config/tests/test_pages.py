"""The example site's pages around the widget: its sign-in page with the widget in it (picked up
again after a reload), and the sandbox banner on every page."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.core import checks

from telegram_login.tests.helpers import DEEP_LINK_RE, start_sign_in

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def test_login_page_offers_telegram_and_email(client):
    page = client.get("/accounts/login/?next=/accounts/email/")
    content = page.content.decode()
    assert 'hx-post="/accounts/telegram-login/login/"' in content
    assert 'name="next" value="/accounts/email/"' in content
    assert 'name="password"' in content


def test_reloading_the_login_page_shows_the_same_link_and_code(browser_client):
    login_request, token, _ = start_sign_in(browser_client)

    page = browser_client.get(LOGIN_URL).content.decode()

    assert 'data-state="pending"' in page
    assert DEEP_LINK_RE.search(page).group(1) == token
    assert f'data-testid="match-code">{login_request.match_code}<' in page
    # It polls at once, so an approval given while the page was away completes straight away.
    assert re.search(r'hx-trigger="load, every 2s', page)


def test_staging_sandbox_with_debug_off_is_a_warning_and_a_banner_on_every_page(settings, client):
    settings.TELEGRAM_SANDBOX = True
    settings.DEBUG = False
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    settings.TELEGRAM_LOGIN_BOT_USERNAME = ""
    settings.TELEGRAM_LOGIN_WEBHOOK_SECRET = ""
    assert [m for m in checks.run_checks() if m.is_serious()] == []
    warnings = [m for m in checks.run_checks() if m.id == "telegram_login.W004"]
    assert len(warnings) == 1
    assert "play any Telegram user" in warnings[0].msg
    for url in ["/", "/accounts/login/", "/accounts/signup/"]:
        assert 'data-testid="sandbox-banner"' in client.get(url).content.decode()
    assert client.get("/telegram/sandbox/").status_code == HTTPStatus.OK


def test_sandbox_page_is_marked_as_sandbox_and_wears_no_site_header(sandbox, client):
    page = client.get("/telegram/sandbox/").content.decode()
    assert "Telegram (sandbox)" in page
    assert 'class="site-header"' not in page
    assert "/accounts/login/" not in page
    assert "Sandbox: Telegram is simulated" in client.get("/accounts/login/").content.decode()
