"""Signing in with Telegram end to end: the login page, the sandbox as Telegram, the landing page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from .pages import CONNECTIONS_PATH, RUN, SignInPage, TelegramApp, TelegramUser, screenshot

pytestmark = pytest.mark.sign_in


def expect_home_shows(page: Any, server_url: str, user: TelegramUser) -> str:
    """The home page shows the signed-in Telegram user; returns which account it is."""
    page.goto(f"{server_url}/")
    expect(page.get_by_test_id("profile")).to_be_visible()
    expect(page.get_by_test_id("telegram-name")).to_have_text(
        f"{user.first_name} {user.last_name}".strip()
    )
    expect(page.get_by_test_id("profile")).to_contain_text(f"id {user.id}")
    return str(page.get_by_test_id("profile").get_attribute("data-account"))


@pytest.mark.smoke
def test_new_telegram_user_signs_in_and_lands_on_next(
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    # A username nobody on the site has yet (sites under --base-url outlive a run).
    username = f"alice_{RUN}"
    user = telegram_user(first_name="Alice", last_name="Liddell", username=username)
    page = sign_in_page.page

    sign_in_page.open(CONNECTIONS_PATH)
    expect(page.get_by_test_id("telegram-start")).to_have_text(re.compile("Sign in with Telegram"))
    screenshot(page, "01-login-page")

    sign_in_page.start()
    code = sign_in_page.match_code
    assert re.fullmatch(r"\d{2}", code), code
    expect(sign_in_page.widget).to_contain_text("Waiting for Telegram")
    screenshot(page, "02-widget-pending")

    # The person follows the widget's own link: it opens beside the login page.
    with page.context.expect_page() as opened:
        page.get_by_test_id("deep-link").click()
    telegram = TelegramApp(opened.value, server_url)
    telegram.be(user).press_start()
    assert code in telegram.codes()
    telegram.expect_bot_says("Sign in to telegram-login with this Telegram account?")
    telegram.expect_bot_says("If someone sent you this link or told you which button to press")
    screenshot(telegram.page, "03-bot-asks-for-the-code")

    sign_in_page.expect_state("claimed")
    expect(page.get_by_test_id("status")).to_contain_text("Someone opened the link in Telegram")
    expect(page.get_by_test_id("match-code")).to_have_text(code)
    screenshot(page, "04-widget-claimed")

    telegram.press_code(code)
    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.locator(".site-header")).to_contain_text("Alice Liddell")
    expect(page.get_by_test_id("logout")).to_be_visible()
    screenshot(page, "05-signed-in-landing")
    # Its prompt now says where it signed in, with the button that would sign that browser out.
    telegram.expect_bot_says("✔ Signed in to")

    assert expect_home_shows(page, server_url, user)
    expect(page.get_by_test_id("telegram-username")).to_have_text(f"@{username}")
    screenshot(page, "06-home-signed-in")


def test_returning_telegram_user_gets_the_same_account_back(
    sign_in: Callable[..., None],
    sign_in_page: SignInPage,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    user = telegram_user(first_name="Bob", username=f"bob_{RUN}")
    sign_in(user)
    first_account = expect_home_shows(sign_in_page.page, server_url, user)

    sign_in_page.page.get_by_test_id("logout").click()
    expect(sign_in_page.page.get_by_test_id("profile")).to_have_count(0)

    sign_in(user)
    # The same account comes back.
    assert expect_home_shows(sign_in_page.page, server_url, user) == first_account


def test_telegram_user_without_a_username_signs_in_by_name(
    sign_in: Callable[..., None],
    sign_in_page: SignInPage,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    user = telegram_user(first_name="Greta", last_name="Lind", username="")
    sign_in(user)

    assert expect_home_shows(sign_in_page.page, server_url, user)
    expect(sign_in_page.page.get_by_test_id("telegram-username")).to_have_count(0)
    # People read their name, never a username the site made up for them.
    expect(sign_in_page.page.get_by_test_id("profile").get_by_role("heading")).to_have_text(
        "Signed in as Greta Lind"
    )


def test_telegram_that_skips_start_accepts_the_command_typed_by_hand(
    sign_in_page: SignInPage,
    open_telegram: Callable[..., TelegramApp],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    sign_in_page.open("/").start()
    command = sign_in_page.start_command
    assert command.startswith("/start ")
    code = sign_in_page.match_code

    # Telegram opened the chat without the start parameter: no START button to press.
    telegram = open_telegram("/telegram/sandbox/").be(telegram_user(first_name="Carol"))
    expect(telegram.page.get_by_test_id("sandbox-start")).to_have_count(0)
    telegram.send(command).expect_codes()

    sign_in_page.expect_state("claimed")
    telegram.press_code(code)
    expect(sign_in_page.page).to_have_url(f"{server_url}/")
    expect(sign_in_page.page.get_by_test_id("telegram-name")).to_have_text("Carol")


def test_sign_out_leaves_the_home_page_anonymous(
    sign_in: Callable[..., None],
    sign_in_page: SignInPage,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    sign_in(telegram_user(first_name="Dora"))
    page = sign_in_page.page
    expect(page.get_by_test_id("profile")).to_be_visible()

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(f"{server_url}/")
    expect(page.get_by_test_id("profile")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("profile")).to_have_count(0)
    expect(page.get_by_test_id("logout")).to_have_count(0)
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()


def test_sign_in_works_without_javascript(
    new_context: Callable[..., BrowserContext],
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in_page = SignInPage(page, server_url)
    sign_in_page.open("/")

    # A plain form POST: the server answers with the whole page holding the widget.
    with page.expect_navigation():
        page.get_by_test_id("telegram-start").click()
    sign_in_page.expect_state("pending")
    # (Playwright's text selectors skip <noscript>, so find the paragraph by its place.)
    explanation = sign_in_page.widget.locator("noscript p").first
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("This page cannot update by itself without JavaScript")
    continue_link = page.get_by_role("link", name="Continue")
    expect(continue_link).to_be_visible()
    code = sign_in_page.match_code

    telegram_app.open(sign_in_page.deep_link).be(telegram_user(first_name="Emil")).press_start()
    telegram_app.press_code(code)
    telegram_app.expect_bot_says("Done")

    continue_link.click()
    expect(page).to_have_url(f"{server_url}/")
    expect(page.get_by_test_id("telegram-name")).to_have_text("Emil")


def test_without_javascript_a_running_sign_in_hides_the_other_ways_until_cancel(
    new_context: Callable[..., BrowserContext], server_url: str
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in_page = SignInPage(page, server_url)
    sign_in_page.open("/accounts/email/")
    with page.expect_navigation():
        page.get_by_test_id("telegram-start").click()
    sign_in_page.expect_state("pending")

    # Back on the sign-in page, the sign-in this browser started is there, alone.
    sign_in_page.open("/accounts/email/")
    sign_in_page.expect_state("pending")
    expect(page.get_by_test_id("telegram-oidc-start")).to_be_hidden()
    expect(page.locator("main").get_by_label("Email")).to_be_hidden()

    with page.expect_navigation():
        page.get_by_test_id("telegram-cancel").click()
    expect(page).to_have_url(f"{server_url}/accounts/login/?next=%2Faccounts%2Femail%2F")
    sign_in_page.expect_state("start")
    expect(page.get_by_test_id("telegram-oidc-start")).to_be_visible()
    expect(page.locator("main").get_by_label("Email")).to_be_visible()
