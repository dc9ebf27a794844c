"""Sign-ins that stop: cancelled or wrong code in Telegram, or left to expire; each can restart."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from .pages import SandboxQA, SignInPage, TelegramApp, TelegramUser, screenshot

pytestmark = pytest.mark.sign_in


def test_cancel_in_telegram_stops_the_sign_in_and_it_can_start_again(
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
) -> None:
    sign_in_page.open("/").start()
    first_link = sign_in_page.deep_link
    telegram_app.open(first_link).be(telegram_user(first_name="Finn")).press_start()
    sign_in_page.expect_state("claimed")

    telegram_app.cancel()
    sign_in_page.expect_state("denied")
    expect(sign_in_page.page.get_by_test_id("status")).to_have_text(
        "The sign-in was cancelled in Telegram."
    )
    telegram_app.expect_bot_says("Cancelled. Nobody was signed in.")

    sign_in_page.start_again(previous_link=first_link)
    expect(sign_in_page.widget).to_contain_text("Waiting for Telegram")


@pytest.mark.security
@pytest.mark.smoke
def test_wrong_code_in_telegram_denies_the_sign_in_and_it_can_start_again(
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    sign_in_page.open("/").start()
    code, first_link = sign_in_page.match_code, sign_in_page.deep_link
    telegram_app.open(first_link).be(telegram_user(first_name="Gus")).press_start()
    sign_in_page.expect_state("claimed")

    telegram_app.press_wrong_code(code)
    sign_in_page.expect_state("denied")
    expect(sign_in_page.page.get_by_test_id("status")).to_have_text(
        "A different code was picked in Telegram, so nobody was signed in."
    )
    telegram_app.expect_bot_says("Denied: that was not the code the browser showed")
    screenshot(sign_in_page.page, "07-widget-denied")

    sign_in_page.start_again(previous_link=first_link)
    expect(sign_in_page.page.get_by_test_id("match-code")).to_be_visible()
    sign_in_page.page.goto(f"{server_url}/")
    expect(sign_in_page.page.get_by_test_id("profile")).to_have_count(0)


def test_unconfirmed_sign_in_expires_and_can_start_again(
    sign_in_page: SignInPage, sandbox_qa: SandboxQA
) -> None:
    sign_in_page.open("/").start()
    first_link = sign_in_page.deep_link

    # Nobody opens the link; once its time is up, the next poll finds the request expired.
    sandbox_qa.expire(first_link)
    sign_in_page.expect_state("expired")
    expect(sign_in_page.page.get_by_test_id("status")).to_have_text(
        "This sign-in request expired before it was confirmed."
    )
    screenshot(sign_in_page.page, "08-widget-expired")

    sign_in_page.start_again(previous_link=first_link)
    expect(sign_in_page.widget).to_contain_text("Waiting for Telegram")
