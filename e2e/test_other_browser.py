"""Someone else holding the poll URL or the deep link cannot get into the browser's sign-in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from .pages import SignInPage, TelegramApp, TelegramUser

pytestmark = pytest.mark.security

STOP_POLLING = 286


@pytest.mark.smoke
def test_poll_url_opened_in_another_browser_signs_nobody_in(
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    new_context: Callable[..., BrowserContext],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    sign_in_page.open("/").start()
    poll_url = f"{server_url}{sign_in_page.poll_url}"
    code = sign_in_page.match_code
    other = new_context()

    telegram_app.open(sign_in_page.deep_link).be(telegram_user(first_name="Hana")).press_start()
    sign_in_page.expect_state("claimed")
    # The owner's tab goes to the background (no polls), so the request stays approved and
    # untaken while the other browser asks for it.
    sign_in_page.hide()
    telegram_app.press_code(code)
    telegram_app.expect_bot_says("Done")

    stolen = other.request.get(poll_url, headers={"HX-Request": "true"})
    assert stolen.status == STOP_POLLING
    assert 'data-state="unknown"' in stolen.text()
    assert "HX-Redirect" not in {name.title() for name in stolen.headers}

    other_page = other.new_page()
    other_page.goto(poll_url)
    expect(other_page.locator("#telegram-login")).to_have_attribute("data-state", "unknown")
    expect(other_page.get_by_test_id("status")).to_have_text(
        "This sign-in was not started in this browser."
    )

    # Back in the owner's tab the sign-in completes, for that browser only.
    sign_in_page.show()
    expect(sign_in_page.page).to_have_url(f"{server_url}/")
    expect(sign_in_page.page.get_by_test_id("telegram-name")).to_have_text("Hana")

    other_page.goto(f"{server_url}/")
    expect(other_page.get_by_test_id("profile")).to_have_count(0)
    expect(other_page.get_by_role("heading", name="Welcome")).to_be_visible()


def test_another_telegram_user_with_the_link_cannot_finish_without_the_code(
    sign_in_page: SignInPage,
    open_telegram: Callable[..., TelegramApp],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    sign_in_page.open("/").start()
    code, deep_link = sign_in_page.match_code, sign_in_page.deep_link

    # The link leaked: someone else opens it first, on their own phone, and presses START.
    intruder = open_telegram(deep_link).be(telegram_user(first_name="Mallory"))
    intruder.press_start()
    sign_in_page.expect_state("claimed")
    # The browser learns only that someone opened it, never who, before a confirmation.
    status = sign_in_page.page.get_by_test_id("status")
    expect(status).to_contain_text("Someone opened the link in Telegram.")
    expect(sign_in_page.widget).not_to_contain_text("Mallory")

    # The owner cannot take it over any more, and the intruder does not know the code.
    owner = open_telegram(deep_link).be(telegram_user(first_name="Ivan"))
    owner.page.get_by_test_id("sandbox-start").click()
    owner.expect_bot_says("already been used")

    intruder.press_wrong_code(code)
    sign_in_page.expect_state("denied")
    intruder.expect_bot_says("Denied")

    sign_in_page.page.goto(f"{server_url}/")
    expect(sign_in_page.page.get_by_test_id("profile")).to_have_count(0)
