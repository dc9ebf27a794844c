"""Telegram as the account's security key: the bot tells of each sign-in, and "Not me" pressed in
Telegram signs exactly that browser out."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .pages import (
    LOGIN_PATH,
    PASSWORD,
    SandboxQA,
    SignInPage,
    TelegramApp,
    TelegramUser,
    connect_telegram,
    screenshot,
    sign_in_with_email,
    unique_email,
)

pytestmark = [pytest.mark.sign_in, pytest.mark.security]

NOT_ME = "Not me: sign this session out"
UNDO = "Not me: sign that browser out and undo"
INTRUDER_PASSWORD = "the-intruders-own-Passw0rd-now"


def test_not_me_pressed_in_telegram_signs_that_browser_out_and_leaves_the_other(
    sign_in: Callable[..., None],
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    new_context: Callable[..., BrowserContext],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    person = telegram_user(first_name="Sasha")
    # Signed in on this browser...
    sign_in(person, next_url="/accounts/email/")
    # ...and, the same person, on a second one.
    second = SignInPage(new_context().new_page(), server_url)
    second.open("/accounts/email/").start()
    code = second.match_code
    telegram_app.open(second.deep_link).press_start()
    second.expect_state("claimed")
    telegram_app.press_code(code)
    expect(second.page).to_have_url(f"{server_url}/accounts/email/")

    # Each sign-in's message in Telegram says where from, with the button that ends it.
    telegram_app.open()
    alerts = telegram_app.page.get_by_test_id("bot-message").filter(has_text="Signed in to")
    expect(alerts).to_have_count(2)
    first_alert = alerts.first
    expect(first_alert).to_contain_text("IP address: 127.0.0.1")
    expect(first_alert.get_by_test_id("bot-button")).to_have_text([NOT_ME, "Sign out everywhere"])
    screenshot(telegram_app.page, "alerts-01-sign-in-alert-in-telegram")

    first_alert.get_by_test_id("bot-button").filter(has_text=NOT_ME).click()
    expect(telegram_app.page.get_by_test_id("bot-answer")).to_contain_text("Signed out:")
    expect(telegram_app.page.get_by_test_id("bot-message").first).to_contain_text(
        "no longer has access"
    )
    screenshot(telegram_app.page, "alerts-02-not-me-pressed")

    # The first browser is signed out on its next request; the second one is not.
    sign_in_page.page.reload()
    expect(sign_in_page.page).to_have_url(re.compile(re.escape(f"{server_url}{LOGIN_PATH}")))
    second.page.reload()
    expect(second.page).to_have_url(f"{server_url}/accounts/email/")
    expect(second.page.get_by_test_id("logout")).to_be_visible()


def test_sessions_in_telegram_lists_the_browsers_and_ends_one(
    sign_in: Callable[..., None],
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    sign_in(telegram_user(first_name="Lev"), next_url="/accounts/sessions/")
    page = sign_in_page.page
    expect(page.get_by_test_id("session")).to_have_count(1)
    expect(page.get_by_test_id("sign-in-alerts-switch")).to_be_checked()
    screenshot(page, "alerts-03-settings-sessions")

    telegram_app.open().send("/sessions")
    listing = telegram_app.page.get_by_test_id("bot-message").last
    expect(listing).to_contain_text("Browsers signed in to")
    expect(listing).to_contain_text("active now")
    screenshot(telegram_app.page, "alerts-04-sessions-in-telegram")
    listing.get_by_test_id("bot-button").filter(has_text="✖ 1.").click()
    expect(telegram_app.page.get_by_test_id("bot-message").last).to_contain_text(
        "No browser is signed in"
    )

    page.reload()
    expect(page).to_have_url(re.compile(re.escape(f"{server_url}{LOGIN_PATH}")))


def test_an_intruder_who_changed_the_password_is_signed_out_by_not_me(
    page: Page,
    telegram_app: TelegramApp,
    new_context: Callable[..., BrowserContext],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
    sandbox_qa: SandboxQA,
) -> None:
    """The stolen password: the intruder signs in with it and changes it at once (which gives
    their session a new key); "Not me" under the sign-in's alert still signs them out."""
    email = unique_email("maria")
    sandbox_qa.email_account(email, first_name="Maria")
    sign_in_with_email(page, server_url, email)
    connect_telegram(page, server_url, telegram_app, telegram_user(first_name="Maria"))
    expect(page.get_by_test_id("connected-name")).to_have_text("Maria")

    intruder = new_context().new_page()
    sign_in_with_email(intruder, server_url, email)
    intruder.goto(f"{server_url}/accounts/password/change/")
    intruder.get_by_label("Current Password").fill(PASSWORD)
    intruder.get_by_label("New Password", exact=True).fill(INTRUDER_PASSWORD)
    intruder.get_by_label("New Password (again)").fill(INTRUDER_PASSWORD)
    intruder.get_by_role("button", name="Change Password").click()
    expect(intruder).not_to_have_url(re.compile(re.escape(f"{server_url}{LOGIN_PATH}")))

    telegram_app.open()
    messages = telegram_app.page.get_by_test_id("bot-message")
    alert = messages.filter(has_text="New sign-in to")
    change = messages.filter(has_text="was changed.")
    expect(alert).to_have_count(1)
    expect(change).to_have_count(1)
    expect(change.get_by_test_id("bot-button")).to_have_text([UNDO, "Sign out everywhere"])
    screenshot(telegram_app.page, "alerts-05-password-changed-in-telegram")

    alert.get_by_test_id("bot-button").filter(has_text=NOT_ME).click()
    expect(telegram_app.page.get_by_test_id("bot-answer")).to_contain_text("Signed out:")
    screenshot(telegram_app.page, "alerts-06-intruder-signed-out")

    intruder.reload()
    expect(intruder).to_have_url(re.compile(re.escape(f"{server_url}{LOGIN_PATH}")))
