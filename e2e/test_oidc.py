"""Telegram's own login page (OpenID Connect) end to end, against the sandbox's issuer: signing
in, coming back, and one account for one Telegram user whichever way they come."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .pages import (
    CONNECTIONS_PATH,
    DEVICES,
    LOGIN_PATH,
    RUN,
    SignInPage,
    TelegramApp,
    TelegramUser,
    in_view,
    screenshot,
)

pytestmark = pytest.mark.sign_in


class TelegramLoginPage:
    """Telegram's login page as the sandbox plays it: the browser's half (the site and the code)
    and the Telegram app's half (who asks, and the codes to pick from)."""

    def __init__(self, page: Page, server_url: str) -> None:
        self.page = page
        self.server_url = server_url

    def open_from_sign_in(self, next_url: str = "/") -> TelegramLoginPage:
        self.page.goto(f"{self.server_url}{LOGIN_PATH}?next={next_url}")
        self.page.get_by_test_id("telegram-oidc-start").click()
        expect(self.page.get_by_test_id("oidc-browser")).to_be_visible()
        return self

    def be(self, user: TelegramUser) -> TelegramLoginPage:
        """Who the Telegram app is signed in as (asked once; the sandbox remembers it)."""
        if self.page.get_by_test_id("sandbox-identity").count():
            TelegramApp(self.page, self.server_url).be(user)
        expect(self.page.get_by_test_id("sandbox-user")).to_contain_text(f"id {user.id}")
        return self

    @property
    def match_code(self) -> str:
        return self.page.get_by_test_id("oidc-match-code").inner_text().strip()

    def pick_the_code(self) -> None:
        code = self.match_code
        self.page.get_by_test_id("oidc-choice").filter(has_text=code).click()

    def decline(self) -> None:
        self.page.get_by_test_id("oidc-decline").click()


def sign_in_on_telegrams_page(
    page: Page, server_url: str, user: TelegramUser, *, next_url: str = "/"
) -> None:
    TelegramLoginPage(page, server_url).open_from_sign_in(next_url).be(user).pick_the_code()
    expect(page).to_have_url(f"{server_url}{next_url}")


def home_shows(page: Page, server_url: str, user: TelegramUser) -> str:
    """The home page shows the signed-in Telegram user; returns which account it is."""
    page.goto(f"{server_url}/")
    expect(page.get_by_test_id("telegram-name")).to_have_text(
        f"{user.first_name} {user.last_name}".strip()
    )
    expect(page.get_by_test_id("profile")).to_contain_text(f"id {user.id}")
    return str(page.get_by_test_id("profile").get_attribute("data-account"))


def sign_out(page: Page) -> None:
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("profile")).to_have_count(0)


def one_telegram_in_settings(page: Page, server_url: str, user: TelegramUser) -> None:
    page.goto(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.get_by_test_id("connected-account")).to_have_count(1)
    expect(page.get_by_test_id("connected-id")).to_have_text(f"id {user.id}")


@pytest.mark.smoke
def test_new_telegram_user_signs_in_on_telegrams_login_page(
    sign_in_page: SignInPage, telegram_user: Callable[..., TelegramUser], server_url: str
) -> None:
    user = telegram_user(first_name="Olive", last_name="Page", username=f"olive_{RUN}")
    page = sign_in_page.page

    page.goto(f"{server_url}{LOGIN_PATH}?next={CONNECTIONS_PATH}")
    # One main action on the sign-in page; Telegram's login page a link under it.
    expect(page.get_by_test_id("telegram-start")).to_be_visible()
    expect(page.get_by_test_id("telegram-oidc-start")).to_have_text(
        "Or sign in on Telegram's website"
    )
    screenshot(page, "oidc-01-login-page-both-ways")

    page.get_by_test_id("telegram-oidc-start").click()
    telegram = TelegramLoginPage(page, server_url).be(user)
    host = server_url.split("://", 1)[1]
    expect(page.get_by_test_id("oidc-browser")).to_contain_text(f"Log in to {host}")
    expect(page.get_by_test_id("oidc-requester")).to_contain_text("Chrom")
    expect(page.get_by_test_id("oidc-choice")).to_have_count(3)
    screenshot(page, "oidc-02-telegrams-login-page")

    telegram.pick_the_code()
    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    one_telegram_in_settings(page, server_url, user)
    home_shows(page, server_url, user)
    expect(page.get_by_test_id("telegram-username")).to_have_text(f"@olive_{RUN}")
    screenshot(page, "oidc-03-signed-in")


def test_returning_user_on_telegrams_login_page_gets_the_same_account_back(
    sign_in_page: SignInPage, telegram_user: Callable[..., TelegramUser], server_url: str
) -> None:
    user = telegram_user(first_name="Pavel", username=f"pavel_{RUN}")
    page = sign_in_page.page
    sign_in_on_telegrams_page(page, server_url, user)
    first_account = home_shows(page, server_url, user)
    sign_out(page)

    # The Telegram app is still signed in as Pavel: the page asks nothing but the code.
    login = TelegramLoginPage(page, server_url).open_from_sign_in()
    expect(page.get_by_test_id("sandbox-identity")).to_have_count(0)
    login.be(user).pick_the_code()
    expect(page).to_have_url(f"{server_url}/")
    assert home_shows(page, server_url, user) == first_account


def test_the_deep_link_then_telegrams_login_page_reach_one_account(
    sign_in: Callable[..., None],
    sign_in_page: SignInPage,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    user = telegram_user(first_name="Quinn", username=f"quinn_{RUN}")
    page = sign_in_page.page
    sign_in(user)  # the widget and the bot, in the Telegram app on the "phone"
    by_deep_link = home_shows(page, server_url, user)
    sign_out(page)

    sign_in_on_telegrams_page(page, server_url, user)
    assert home_shows(page, server_url, user) == by_deep_link
    one_telegram_in_settings(page, server_url, user)


def test_telegrams_login_page_then_the_deep_link_reach_one_account(
    sign_in: Callable[..., None],
    sign_in_page: SignInPage,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    user = telegram_user(first_name="Rosa", username=f"rosa_{RUN}")
    page = sign_in_page.page
    sign_in_on_telegrams_page(page, server_url, user)
    by_telegrams_page = home_shows(page, server_url, user)
    sign_out(page)

    sign_in(user)
    assert home_shows(page, server_url, user) == by_telegrams_page
    one_telegram_in_settings(page, server_url, user)


@pytest.mark.security
def test_declining_on_telegrams_login_page_signs_nobody_in(
    sign_in_page: SignInPage, telegram_user: Callable[..., TelegramUser], server_url: str
) -> None:
    page = sign_in_page.page
    login = TelegramLoginPage(page, server_url).open_from_sign_in()
    login.be(telegram_user(first_name="Sid")).decline()
    expect(page.get_by_test_id("oidc-stopped")).to_contain_text("You declined in Telegram")
    screenshot(page, "oidc-04-declined")
    page.get_by_test_id("oidc-stopped-back").click()
    expect(page).to_have_url(f"{server_url}{LOGIN_PATH}")
    page.goto(f"{server_url}/")
    expect(page.get_by_test_id("profile")).to_have_count(0)


@pytest.mark.phone
@pytest.mark.parametrize("language", ["en", pytest.param("ru", marks=pytest.mark.i18n)])
def test_on_a_phone_telegrams_login_page_shows_the_code_its_choices_and_decline_on_one_screen(
    device_context: Callable[..., BrowserContext],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
    language: str,
) -> None:
    """390 x 844: the code the browser shows, who asks, the codes to pick from and Decline, with
    no scrolling (the sandbox's own lines go below them)."""
    user = telegram_user(first_name="Nadia", language_code=language)
    page = device_context("phone", language).new_page()
    login = TelegramLoginPage(page, server_url).open_from_sign_in()
    login.be(user)
    page.evaluate("window.scrollTo(0, 0)")
    for shown in (
        page.get_by_test_id("oidc-match-code"),
        page.get_by_test_id("oidc-requester"),
        *page.get_by_test_id("oidc-choice").all(),
        page.get_by_test_id("oidc-decline"),
    ):
        assert in_view(page, shown), f"{shown} is below the first screen ({language})"
    screenshot(page, f"oidc-02-telegrams-login-page-phone-{language}")


@pytest.mark.phone
def test_after_telegrams_login_page_the_bot_writes_and_the_chat_opens_at_the_newest_message(
    new_context: Callable[..., BrowserContext],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    """On a phone: the code stays the one shown after choosing who you are; bot access allowed
    lets the bot write (the sign-in's message in the sandbox's chat), and the chat opens at its
    newest message with its buttons on the screen."""
    user = telegram_user(first_name="Nadia", username=f"nadia_{RUN}")
    page = new_context(**DEVICES["phone"]).new_page()
    login = TelegramLoginPage(page, server_url).open_from_sign_in()
    shown = login.match_code
    login.be(user)
    assert login.match_code == shown
    expect(page.get_by_test_id("oidc-bot-access")).to_be_checked()
    login.pick_the_code()
    expect(page).to_have_url(f"{server_url}/")

    telegram = TelegramApp(page, server_url).open()
    telegram.expect_bot_says("New sign-in")
    for text in ("/sessions", "hello", "/sessions"):
        telegram.send(text)
    page.reload()
    newest = page.get_by_test_id("bot-message").last
    expect(newest).to_contain_text("Browsers signed in")
    chat = page.get_by_test_id("sandbox-chat").bounding_box()
    bubble = newest.bounding_box()
    assert chat
    assert bubble
    assert in_view(page, newest)
    assert chat["y"] <= bubble["y"]
    assert bubble["y"] + bubble["height"] <= chat["y"] + chat["height"] + 1
    assert in_view(page, newest.get_by_test_id("bot-button").last)
    screenshot(page, "oidc-04-sandbox-chat-at-the-newest-message-phone")
