"""The sign-in as people live it: on a phone and a desktop, in English and Russian, by keyboard
and screen reader, and with axe finding nothing to fix (coming back to it: test_coming_back.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from .pages import (
    SandboxQA,
    SignInPage,
    TelegramApp,
    TelegramUser,
    in_view,
    screenshot,
)

AXE = Axe()
# The phone in English is in the quick subset; Russian runs are i18n, phone runs are phone.
LANGUAGES = ["en", pytest.param("ru", marks=pytest.mark.i18n)]
SIZES = ["desktop", pytest.param("phone", marks=pytest.mark.phone)]
# Words allowed on a Russian page: names, the brand, the bot, identifiers and the language menu.
NOT_ENGLISH = {
    "Telegram",
    "telegram",
    "login",
    "sandbox",
    "bot",
    "English",
    "HeadlessChrome",
    "Chrome",
    "Linux",
    "iOS",
    "Safari",
    "Mobile",
    "id",
    "ru",
    "start",
    "IP",
}


def assert_no_axe_violations(page: Page, where: str) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


def assert_no_english(page: Page, *, allowed: set[str] = frozenset()) -> None:
    """Every word a Russian person reads on the page is Russian (or a name, the brand, an id)."""
    text = page.locator("body").inner_text()
    words = set(re.findall(r"[A-Za-z]{2,}", text)) - NOT_ENGLISH - set(allowed)
    assert not words, f"English on {page.url}: {sorted(words)}"


def assert_focus_on_widget_heading(page: Page) -> None:
    expect(page.locator("#telegram-login [data-telegram-heading]")).to_be_focused()


def expect_pending_with_the_code_in_view(sign_in_page: SignInPage, *, size: str) -> str:
    """The widget waits for Telegram with the code in view, focused and announced; the code."""
    page = sign_in_page.page
    sign_in_page.expect_state("pending")
    code = sign_in_page.match_code
    # The code comes with (before) the Open Telegram button, both in view without scrolling.
    assert in_view(page, page.get_by_test_id("match-code"))
    assert in_view(page, page.get_by_test_id("deep-link"))
    # The QR code is for computers: hidden on the phone that would have to scan it.
    if size == "desktop":
        expect(page.locator(".qr")).to_be_visible()
    else:
        expect(page.locator(".qr")).to_be_hidden()
    assert_focus_on_widget_heading(page)
    expect(page.locator("[data-telegram-announcer]")).to_contain_text(code)
    # The next Tab reaches the widget's first control, not the top of the page.
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("deep-link")).to_be_focused()
    return code


def expect_claimed_with_the_code_in_view(sign_in_page: SignInPage, code: str) -> None:
    """Start was pressed: the widget asks for the code, still in view, focused and announced."""
    page = sign_in_page.page
    sign_in_page.expect_state("claimed")
    assert in_view(page, page.get_by_test_id("match-code"))
    assert_focus_on_widget_heading(page)
    expect(page.locator("[data-telegram-announcer]")).to_contain_text(code)


def assert_account_pages_in_russian(page: Page, server_url: str) -> None:
    """The page after the sign-in, the connected accounts and the profile speak Russian."""
    assert_no_english(page, allowed={"Darya", "darya"})
    page.goto(f"{server_url}/accounts/3rdparty/")
    assert_no_english(page, allowed={"Darya"})
    page.goto(f"{server_url}/accounts/profile/")
    assert_no_english(page, allowed={"Darya", "darya"})


@pytest.mark.sign_in
@pytest.mark.accessibility
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", SIZES)
def test_the_whole_sign_in_keeps_the_code_in_view_and_says_each_state(
    device_context: Callable[..., BrowserContext],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
    size: str,
    language: str,
) -> None:
    page = device_context(size, language).new_page()
    telegram = TelegramApp(
        device_context("phone", language).new_page(), server_url, language=language
    )
    name = f"{language}-{size}"
    sign_in_page = SignInPage(page, server_url).open("/")
    start = page.get_by_test_id("telegram-start")
    # Telegram comes first on the sign-in page: its button is in view as the page opens.
    assert in_view(page, start)
    screenshot(page, f"widget-{name}-1-start")
    if language == "ru":
        assert_no_english(page)

    start.click()
    code = expect_pending_with_the_code_in_view(sign_in_page, size=size)
    screenshot(page, f"widget-{name}-2-pending")
    if language == "ru":
        assert_no_english(page)

    telegram.open(sign_in_page.deep_link)
    telegram.be(telegram_user(first_name="Darya", language_code=language)).press_start()
    screenshot(telegram.page, f"widget-{name}-3-bot-prompt")
    if language == "ru":
        telegram.expect_bot_says("Войти на telegram-login с этим аккаунтом Telegram?")
        assert_no_english(telegram.page, allowed={"Darya", "sandbox_login_bot"})

    expect_claimed_with_the_code_in_view(sign_in_page, code)
    screenshot(page, f"widget-{name}-4-claimed")
    if language == "ru":
        assert_no_english(page)

    telegram.press_code(code)
    expect(page).to_have_url(f"{server_url}/")
    screenshot(page, f"widget-{name}-5-signed-in")
    screenshot(telegram.page, f"widget-{name}-6-bot-done")
    if language == "ru":
        assert_account_pages_in_russian(page, server_url)


@pytest.mark.sign_in
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", SIZES)
def test_the_stopped_states_at_both_sizes_and_in_both_languages(
    device_context: Callable[..., BrowserContext],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
    sandbox_qa: SandboxQA,
    size: str,
    language: str,
) -> None:
    page = device_context(size, language).new_page()
    telegram = TelegramApp(
        device_context("phone", language).new_page(), server_url, language=language
    )
    name = f"{language}-{size}"
    sign_in_page = SignInPage(page, server_url).open("/")
    sign_in_page.start()
    code = sign_in_page.match_code
    telegram.open(sign_in_page.deep_link).be(telegram_user(language_code=language)).press_start()
    sign_in_page.expect_state("claimed")
    telegram.press_wrong_code(code)
    sign_in_page.expect_state("denied")
    assert in_view(page, page.get_by_test_id("status"))
    assert_focus_on_widget_heading(page)
    screenshot(page, f"widget-{name}-7-denied")
    screenshot(telegram.page, f"widget-{name}-8-bot-denied")
    if language == "ru":
        assert_no_english(page)

    page.get_by_test_id("telegram-start").click()
    sign_in_page.expect_state("pending")
    telegram.open(sign_in_page.deep_link).press_start()
    sign_in_page.expect_state("claimed")
    telegram.cancel()
    sign_in_page.expect_state("denied")
    screenshot(page, f"widget-{name}-9-cancelled")
    # The earlier prompts were edited to how they ended and lost their buttons.
    expect(
        telegram.page.get_by_test_id("bot-message").last.get_by_test_id("bot-button")
    ).to_have_count(0)

    page.get_by_test_id("telegram-start").click()
    sign_in_page.expect_state("pending")
    sandbox_qa.expire(sign_in_page.deep_link)
    sign_in_page.expect_state("expired")
    screenshot(page, f"widget-{name}-10-expired")
    if language == "ru":
        assert_no_english(page)


@pytest.mark.accessibility
def test_axe_finds_nothing_on_every_page_and_widget_state(
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    page = sign_in_page.page
    sign_in_page.open("/")
    assert_no_axe_violations(page, "sign-in page")
    sign_in_page.start()
    assert_no_axe_violations(page, "widget: pending")
    code = sign_in_page.match_code
    telegram_app.open(sign_in_page.deep_link)
    assert_no_axe_violations(telegram_app.page, "sandbox: who are you")
    telegram_app.be(telegram_user(first_name="Axel")).press_start()
    assert_no_axe_violations(telegram_app.page, "sandbox: the prompt")
    sign_in_page.expect_state("claimed")
    assert_no_axe_violations(page, "widget: claimed")
    telegram_app.press_wrong_code(code)
    sign_in_page.expect_state("denied")
    assert_no_axe_violations(page, "widget: denied")
    assert_no_axe_violations(telegram_app.page, "sandbox: an alert")

    page.get_by_test_id("telegram-start").click()
    sign_in_page.expect_state("pending")
    code = sign_in_page.match_code
    telegram_app.open(sign_in_page.deep_link).press_start()
    sign_in_page.expect_state("claimed")
    telegram_app.press_code(code)
    expect(page).to_have_url(f"{server_url}/")
    assert_no_axe_violations(page, "home, signed in")
    for path in ["/accounts/3rdparty/", "/accounts/profile/", "/accounts/email/"]:
        page.goto(f"{server_url}{path}")
        assert_no_axe_violations(page, path)
    page.goto(f"{server_url}/accounts/signup/")
    page.goto(f"{server_url}/no-such-page/")
    assert_no_axe_violations(page, "404")
