"""Every page on a phone 320 and 390 px wide, in English and Russian, signed out and signed in as
people whose names and addresses run past 40 characters: nothing scrolls sideways, the settings
start in the top third of the screen, and axe finds nothing to fix on the settings pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .pages import (
    CONNECTIONS_PATH,
    DEVICES,
    LOCALES,
    LOGIN_PATH,
    PHONE_SIZES,
    RUN,
    SandboxQA,
    SignInPage,
    TelegramApp,
    TelegramUser,
    assert_fits_both_phones,
    connect_telegram,
    phone_context_args,
    sign_in_with_email,
    unique_email,
)

AXE = Axe()
LANGUAGES = ["en", pytest.param("ru", marks=pytest.mark.i18n)]
# Names and addresses as long as real ones get: a double-barrelled name, a 60-character address
# (whose part before the @ becomes the site's username), Telegram's longest usernames (32).
FIRST_NAME, LAST_NAME = "Alexandra-Konstantina", "Konstantinopolskaya-Vanderbilt"
LONG_EMAIL_NAME = "alexandra.konstantinopolskaya-vanderbilt"

SIGNED_OUT_PAGES = [
    "/",
    LOGIN_PATH,
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/1-not-a-key/",
    "/accounts/confirm-email/not-a-key/",
    "/accounts/inactive/",
    "/accounts/3rdparty/login/cancelled/",
    "/accounts/3rdparty/login/error/",
    "/accounts/telegram-login/login/",
    "/accounts/telegram/oidc/callback/",
    "/telegram/sandbox/",
]
# Settings pages (the settings navigation beside or above them) and the rest, per person.
EMAIL_USER_SETTINGS = [
    "/accounts/profile/",
    "/accounts/email/",
    "/accounts/password/change/",
    CONNECTIONS_PATH,
    "/accounts/sessions/",
    "/accounts/telegram-login/lost/",
]
EMAIL_USER_OTHERS = ["/", "/accounts/reauthenticate/", "/accounts/telegram-login/reauthenticate/"]
TELEGRAM_USER_SETTINGS = [
    "/accounts/profile/",
    "/accounts/email/",
    CONNECTIONS_PATH,
    "/accounts/sessions/",
]
# Setting a password asks for a confirmation in Telegram first.
TELEGRAM_USER_OTHERS = ["/", "/accounts/password/set/"]


@dataclass
class People:
    """Two signed-in browsers' cookies, to open them again at any size and in any language: an
    email account with a password and a linked Telegram (signed in twice), and a Telegram-only
    account, all with long names; where the email account confirms a disconnect."""

    email_user: dict[str, Any]
    telegram_user: dict[str, Any]
    confirm_disconnect_path: str


def long_telegram_user(
    first_name: str, last_name: str, username: str, *, language_code: str = "en"
) -> TelegramUser:
    """Telegram's usernames are at most 32 characters: the run's suffix fills them up."""
    return TelegramUser(
        first_name=first_name,
        last_name=last_name,
        username=f"{username}_{RUN}"[:32],
        language_code=language_code,
    )


@pytest.fixture
def people(
    page: Page,
    new_context: Callable[..., BrowserContext],
    telegram_app: TelegramApp,
    open_telegram: Callable[..., TelegramApp],
    sandbox_qa: SandboxQA,
    server_url: str,
) -> People:
    email = unique_email(LONG_EMAIL_NAME)
    sandbox_qa.email_account(email, first_name=FIRST_NAME, last_name=LAST_NAME)
    sign_in_with_email(page, server_url, email)
    linked = long_telegram_user(
        "Maximilian-Alexander", "Konstantinopolsky-Rimsky", "maximilian_konstantinopol"
    )
    connect_telegram(page, server_url, telegram_app, linked)
    expect(page.get_by_test_id("connected-name")).to_be_visible()
    disconnect = page.get_by_test_id("disconnect").get_attribute("href")
    # A second browser of the same account: the sessions page lists two.
    sign_in_with_email(new_context().new_page(), server_url, email)

    only_telegram = SignInPage(new_context().new_page(), server_url).open("/").start()
    code = only_telegram.match_code
    telegram = open_telegram(only_telegram.deep_link)
    telegram.be(
        long_telegram_user(
            "Bartholomew-Christopher", "Wolfeschlegelsteinhausen", "bartholomew_wolfeschlegel"
        )
    )
    telegram.press_start()
    only_telegram.expect_state("claimed")
    telegram.press_code(code)
    expect(only_telegram.page).to_have_url(f"{server_url}/")
    return People(
        email_user=page.context.storage_state(),
        telegram_user=only_telegram.page.context.storage_state(),
        confirm_disconnect_path=f"{CONNECTIONS_PATH}{disconnect}",
    )


@pytest.fixture
def phone(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Callable[..., Page]]:
    """A page on a phone 320 px wide in this language, signed in or not:
    `phone("ru", storage_state=...)`; `assert_fits_both_phones` turns it to 390 px and back."""
    made: list[BrowserContext] = []

    def make(language: str, **extra: Any) -> Page:
        size = phone_context_args(min(PHONE_SIZES), LOCALES[language])
        context = browser.new_context(**{**browser_context_args, **size, **extra})
        made.append(context)
        return context.new_page()

    yield make
    for context in made:
        context.close()


def visit(page: Page, server_url: str, path: str, *, settings: bool = False) -> None:
    """The page fits both phones; a settings page starts in the top third of their screens."""
    page.goto(f"{server_url}{path}")
    where = f"{path} ({page.evaluate('document.documentElement.lang')})"
    if settings:
        expect(page.get_by_test_id("settings-nav")).to_be_visible()
    assert_fits_both_phones(
        page, where, main=page.get_by_test_id("settings-main") if settings else None
    )


@pytest.mark.phone
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_a_phone_and_the_settings_start_in_the_top_third(
    people: People,
    phone: Callable[..., Page],
    server_url: str,
    language: str,
) -> None:
    page = phone(language)
    for path in SIGNED_OUT_PAGES:
        visit(page, server_url, path)
    # The widget waiting for Telegram, then for the code, and the sandbox's chat beside it.
    sign_in_page = SignInPage(page, server_url).open("/").start()
    assert_fits_both_phones(page, f"the widget, pending ({language})")
    telegram = TelegramApp(phone(language), server_url, language=language)
    telegram.open(sign_in_page.deep_link).be(
        long_telegram_user(
            "Konstantin-Maximilian",
            "Rimsky-Korsakov-Vanderbilt",
            "konstantin_maximilian_r",
            language_code=language,
        )
    )
    assert_fits_both_phones(telegram.page, f"the sandbox, who are you ({language})")
    telegram.press_start()
    sign_in_page.expect_state("claimed")
    assert_fits_both_phones(page, f"the widget, claimed ({language})")
    assert_fits_both_phones(telegram.page, f"the sandbox's prompt ({language})")

    page = phone(language, storage_state=people.email_user)
    for path in [*EMAIL_USER_SETTINGS, people.confirm_disconnect_path]:
        visit(page, server_url, path, settings=True)
    for path in EMAIL_USER_OTHERS:
        visit(page, server_url, path)

    page = phone(language, storage_state=people.telegram_user)
    for path in TELEGRAM_USER_SETTINGS:
        visit(page, server_url, path, settings=True)
    for path in TELEGRAM_USER_OTHERS:
        visit(page, server_url, path)


def assert_no_axe_violations(page: Page, where: str) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


@pytest.mark.accessibility
@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_nothing_on_the_settings_pages_on_a_phone_and_a_computer(
    people: People,
    phone: Callable[..., Page],
    server_url: str,
    language: str,
) -> None:
    for state, paths in [
        (people.email_user, [*EMAIL_USER_SETTINGS, people.confirm_disconnect_path]),
        (people.telegram_user, TELEGRAM_USER_SETTINGS),
    ]:
        page = phone(language, storage_state=state)
        for path in paths:
            page.goto(f"{server_url}{path}")
            # The phone's layout (tabs in a strip, stacked rows), then the computer's.
            for size in [PHONE_SIZES[390], DEVICES["desktop"]["viewport"]]:
                page.set_viewport_size(size)
                assert_no_axe_violations(page, f"{path} at {size['width']} px ({language})")
