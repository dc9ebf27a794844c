"""The test kit's browser fixtures as a site's QA uses them (docs/testing.md), on this site:
`sign_in_with_telegram` signs a page in from the login page, `telegram_phone` plays the Telegram
app beside it, `SignInWidget` reads the widget."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from telegram_login.sandbox.testing import TelegramKitError, TelegramUser
from telegram_login.sandbox.testing.browser import SignInWidget, TelegramApp

from .pages import LOGIN_PATH, RUN

pytestmark = pytest.mark.sign_in


def test_sign_in_with_telegram_signs_a_page_in_from_the_login_page(
    page: Page, server_url: str, sign_in_with_telegram: Callable[..., TelegramUser]
) -> None:
    page.goto(f"{server_url}{LOGIN_PATH}?next=/accounts/profile/")

    user = sign_in_with_telegram(page, TelegramUser(first_name="Kit", username=f"kit_{RUN}"))

    expect(page).to_have_url(f"{server_url}/accounts/profile/")
    expect(page.get_by_test_id("telegram-username")).to_have_text(f"@{user.username}")


def test_telegram_phone_cancels_and_the_widget_says_so(
    page: Page, server_url: str, telegram_phone: Callable[..., TelegramApp]
) -> None:
    page.goto(f"{server_url}{LOGIN_PATH}")
    widget = SignInWidget(page).start()
    phone = telegram_phone(TelegramUser(first_name="Bo", language_code="ru"))

    phone.open(widget.deep_link).press_start()
    assert widget.match_code in phone.codes()
    phone.cancel()

    widget.expect_state("denied")
    page.goto(f"{server_url}/")
    expect(page.get_by_role("link", name="Sign in", exact=True).first).to_be_visible()


def test_a_page_without_a_telegram_sign_in_says_so_at_once(page: Page, server_url: str) -> None:
    page.goto(f"{server_url}/accounts/password/reset/")
    with pytest.raises(TelegramKitError, match="No Telegram sign-in on"):
        SignInWidget(page).start()
