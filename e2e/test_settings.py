"""Settings in the browser: link Telegram to an email account, conflicts, disconnect, Russian."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .pages import (
    CONNECTIONS_PATH,
    DEVICES,
    LOGIN_PATH,
    PASSWORD,
    PHONE,
    SandboxQA,
    SignInPage,
    TelegramApp,
    TelegramUser,
    confirm_password,
    connect_telegram,
    screenshot,
    sign_in_with_email,
    unique_email,
)

pytestmark = pytest.mark.linking

REAUTHENTICATE_PATH = "/accounts/reauthenticate/"


def expect_ira_linked_on_both_sides(
    page: Page, server_url: str, telegram: TelegramApp, tg: TelegramUser, email: str
) -> None:
    """Settings show Ira's Telegram account linked; the bot tells her, with a way to undo it."""
    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.get_by_role("status")).to_contain_text(
        "Telegram account Ira is connected: you can sign in with it from now on."
    )
    expect(page.get_by_test_id("connected-name")).to_have_text("Ira V")
    expect(page.get_by_test_id("connected-username")).to_have_text("@ira_tg")
    expect(page.get_by_test_id("connected-id")).to_have_text(f"id {tg.id}")
    screenshot(page, "settings-03-connected")
    telegram.page.reload()
    telegram.expect_bot_says(f"now connected to the account {email} on telegram-login")
    expect(telegram.buttons()).to_have_text(["Disconnect"])


def test_email_user_connects_telegram_in_settings_then_signs_in_with_telegram_alone(
    page: Page,
    sign_in: Callable[..., None],
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
    sandbox_qa: SandboxQA,
) -> None:
    email = unique_email("irina")
    sandbox_qa.email_account(email, first_name="Irina", last_name="Volkova")
    tg = telegram_user(first_name="Ira", last_name="V", username="ira_tg")
    sign_in_with_email(page, server_url, email)
    page.goto(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.get_by_test_id("settings-nav")).to_be_visible()
    screenshot(page, "settings-01-connections-empty")

    # Signed in with the password a moment ago: that was the proof, Connect asks for no other.
    # The bot names the account being linked and what confirming does, before the choice.
    telegram = connect_telegram(
        page,
        server_url,
        telegram_app,
        tg,
        asks_for_the_password=False,
        prompt_says=(
            f"Connect this Telegram account to the account {email} on telegram-login?",
            "it signs in to that account from now on",
        ),
    )

    expect_ira_linked_on_both_sides(page, server_url, telegram, tg, email)

    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("logout")).to_have_count(0)
    sign_in(tg, next_url=CONNECTIONS_PATH)
    expect(page.get_by_test_id("nav-profile")).to_have_text("Irina Volkova")
    page.goto(f"{server_url}/accounts/profile/")
    # The email account, reached with Telegram alone: one account, not a new one.
    expect(page.get_by_test_id("profile-email")).to_contain_text(email)
    expect(page.get_by_test_id("telegram-username")).to_have_text("@ira_tg")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_connect_in_one_press_after_the_password(
    size: str,
    new_context: Callable[..., BrowserContext],
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
    sandbox_qa: SandboxQA,
) -> None:
    """An hour after signing in, "Connect Telegram" asks for the password on a page that says
    what it unlocks; after the password the connect is under way, its code on the settings page,
    without pressing Connect again."""
    page = new_context(**DEVICES[size]).new_page()
    email = unique_email(f"olga-{size}")
    sandbox_qa.email_account(email, first_name="Olga")
    sign_in_with_email(page, server_url, email)
    sandbox_qa.age_sign_in(page)
    page.goto(f"{server_url}{CONNECTIONS_PATH}")
    page.get_by_test_id("telegram-start").click()

    expect(page).to_have_url(f"{server_url}{REAUTHENTICATE_PATH}?next=%2Faccounts%2F3rdparty%2F")
    expect(page.get_by_test_id("proof-purpose")).to_contain_text(
        "To connect Telegram to your account, first confirm that it is you."
    )
    expect(page.get_by_test_id("proof-window")).to_have_text(
        "Once you confirm, you are not asked again for 5 minutes."
    )
    expect(page.locator("#telegram-login")).to_have_count(0)
    screenshot(page, f"settings-02-proof-page-{size}")
    confirm_password(page)

    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    widget = SignInPage(page, server_url)
    widget.expect_state("pending")
    expect(widget.widget).to_contain_text("Connect your Telegram account")
    expect(page.get_by_test_id("match-code")).to_be_visible()
    screenshot(page, f"settings-02-connect-after-the-password-{size}")
    code = widget.match_code
    tg = telegram_user(first_name="Olga", username=f"olga_{size}")
    telegram_app.open(widget.deep_link).be(tg).press_start()
    telegram_app.press_code(code)
    expect(page.get_by_test_id("connected-name")).to_have_text("Olga")


@pytest.mark.security
def test_telegram_linked_to_someone_else_is_refused_and_stays_theirs(
    page: Page,
    new_context: Callable[..., BrowserContext],
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
    sandbox_qa: SandboxQA,
) -> None:
    # Oleg's Telegram already has an account here: he signed up with it, elsewhere.
    tg = telegram_user(first_name="Oleg", username="oleg_tg")
    olegs_browser = SignInPage(new_context().new_page(), server_url)
    olegs_browser.open("/").start()
    code = olegs_browser.match_code
    telegram_app.open(olegs_browser.deep_link).be(tg).press_start()
    telegram_app.press_code(code)
    expect(olegs_browser.page.get_by_test_id("nav-profile")).to_have_text("Oleg")

    email = unique_email("petr")
    sandbox_qa.email_account(email, first_name="Petr")
    sign_in_with_email(page, server_url, email)
    page.goto(f"{server_url}{REAUTHENTICATE_PATH}?next={CONNECTIONS_PATH}")
    confirm_password(page)
    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")

    connect_telegram(page, server_url, telegram_app, tg)

    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.locator(".message-error")).to_contain_text(
        "This Telegram account already signs in to another account on this site"
    )
    expect(page.get_by_test_id("connected-account")).to_have_count(0)
    screenshot(page, "settings-04-linked-elsewhere")
    # Still Oleg's: signing in with it anywhere reaches his account, not Petr's.
    another = SignInPage(new_context().new_page(), server_url).open("/")
    another.start()
    code = another.match_code
    telegram_app.open(another.deep_link).press_start()
    telegram_app.press_code(code)
    expect(another.page.get_by_test_id("nav-profile")).to_have_text("Oleg")


@pytest.mark.security
@pytest.mark.phone
def test_lockout_telegram_only_user_cannot_disconnect_even_after_setting_a_password(
    page: Page,
    sign_in: Callable[..., None],
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    tg = telegram_user(first_name="Vera")
    sign_in(tg, next_url=CONNECTIONS_PATH)
    page.set_viewport_size(PHONE)
    expect(page.get_by_test_id("connected-name")).to_have_text("Vera")
    # Telegram is the only way in: no Disconnect, and the page says what would make one.
    expect(page.get_by_test_id("disconnect")).to_have_count(0)
    expect(page.get_by_test_id("disconnect-unavailable")).to_contain_text(
        "Telegram is your only way to sign in"
    )
    expect(page.get_by_test_id("password-promise")).not_to_contain_text("sign in with your email")
    screenshot(page, "settings-05-disconnect-refused-phone")

    # A password is a new way in: it is confirmed in the linked Telegram first, one press away
    # (allauth asks for the proof before its password page).
    page.get_by_test_id("password-state").get_by_role("link", name="Set a password").click()
    widget = SignInPage(page, server_url)
    page.get_by_test_id("telegram-start").click()
    widget.expect_state("pending")
    code = widget.match_code
    telegram_app.open(widget.deep_link).press_start()
    telegram_app.expect_bot_says("Confirming lets that browser set a password for the account")
    telegram_app.press_code(code)
    expect(page).to_have_url(f"{server_url}/accounts/password/set/")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Set Password").click()

    # Still no email: the password alone is no way in, so Telegram still cannot be disconnected.
    page.goto(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.get_by_test_id("password-state")).to_contain_text("Set")
    expect(page.get_by_test_id("disconnect")).to_have_count(0)
    expect(page.get_by_test_id("disconnect-unavailable")).to_be_visible()
    expect(page.get_by_test_id("connected-name")).to_have_text("Vera")


def test_user_with_a_password_disconnects_telegram_after_confirming_it_in_telegram(
    page: Page,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
    sandbox_qa: SandboxQA,
) -> None:
    email = unique_email("sofia")
    sandbox_qa.email_account(email, first_name="Sofia")
    sign_in_with_email(page, server_url, email)
    connect_telegram(page, server_url, telegram_app, telegram_user(first_name="Sofia"))
    expect(page.get_by_test_id("connected-name")).to_have_text("Sofia")

    page.get_by_test_id("disconnect").click()
    expect(page.get_by_test_id("confirm-disconnect")).to_contain_text(
        "Disconnect this Telegram account?"
    )
    page.get_by_test_id("disconnect-confirm").click()
    # Only the linked Telegram can let itself go: the password (confirmed for the connect a
    # moment ago) does not, and the page offers none.
    expect(page.get_by_test_id("key-change")).to_be_visible()
    expect(page.get_by_test_id("lost-telegram")).to_be_visible()
    screenshot(page, "settings-08-disconnect-confirm-in-telegram")
    widget = SignInPage(page, server_url)
    page.get_by_test_id("telegram-start").click()
    widget.expect_state("pending")
    code = widget.match_code
    telegram_app.open(widget.deep_link).press_start()
    telegram_app.expect_bot_says("disconnect this Telegram from the account")
    telegram_app.press_code(code)

    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.get_by_role("status")).to_contain_text(
        "Telegram is disconnected: it no longer signs in to this account."
    )
    expect(page.get_by_test_id("connected-account")).to_have_count(0)
    expect(page.get_by_test_id("telegram-start")).to_contain_text("Connect Telegram")
    # The Telegram side hears of it.
    telegram_app.page.reload()
    telegram_app.expect_bot_says("was disconnected from the account")


@pytest.fixture
def russian_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    """A browser whose language is Russian (the suite's contexts are English otherwise)."""
    context = browser.new_context(**{**browser_context_args, "locale": "ru-RU"})
    yield context.new_page()
    context.close()


@pytest.mark.i18n
def test_russian_browser_gets_the_login_page_widget_and_settings_in_russian(
    russian_page: Page,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    page = russian_page
    page.goto(f"{server_url}{LOGIN_PATH}")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Войти")
    expect(page.get_by_test_id("telegram-start")).to_contain_text("Войти через Telegram")
    screenshot(page, "settings-06-login-ru")

    widget = SignInPage(page, server_url).start()
    expect(widget.widget).to_contain_text("Ждём Telegram…")
    expect(widget.widget).to_contain_text("В Telegram вы выберете")
    screenshot(page, "settings-07-widget-ru")

    code = widget.match_code
    telegram_app.open(widget.deep_link).be(telegram_user(first_name="Дарья")).press_start()
    widget.expect_state("claimed")
    telegram_app.press_code(code)
    expect(page).to_have_url(f"{server_url}/")

    page.goto(f"{server_url}{CONNECTIONS_PATH}")
    nav = page.get_by_test_id("settings-nav")
    expect(nav).to_contain_text("Профиль")
    expect(nav).to_contain_text("Привязанные аккаунты")
    expect(page.get_by_test_id("disconnect-unavailable")).to_contain_text("единственный способ")
    expect(page.get_by_test_id("password-state")).to_contain_text("Задать пароль")
