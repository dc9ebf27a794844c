"""The site opened as the bot's Mini App (the sandbox plays Telegram's client: the page's URL with
signed initData in its fragment): one tap, "Continue as <first name>", signs in; forged, stale
and replayed data is refused in words above the ordinary widget; the same Telegram id reaches one
account by all three ways in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .pages import (
    CONNECTIONS_PATH,
    DEVICES,
    RUN,
    SignInPage,
    TelegramApp,
    TelegramUser,
    screenshot,
)
from .test_oidc import TelegramLoginPage, home_shows, sign_out

pytestmark = pytest.mark.sign_in


@pytest.fixture
def webview(new_context: Callable[..., BrowserContext]) -> Page:
    """Telegram's webview on a phone: the Mini App's page."""
    return new_context(**DEVICES["phone"]).new_page()


def continue_button(page: Page):
    return page.get_by_test_id("telegram-mini-app-continue")


@pytest.mark.smoke
def test_opened_as_the_bots_mini_app_one_tap_signs_in(
    webview: Page, server_url: str, telegram_user: Callable[..., TelegramUser]
) -> None:
    user = telegram_user(first_name="Mira", username=f"mira_{RUN}")
    phone = TelegramApp(webview, server_url).open().be(user)

    phone.open_mini_app(f"/accounts/login/?next={CONNECTIONS_PATH}")

    expect(continue_button(webview)).to_have_text("Continue as Mira")
    # The ordinary widget stays below, a step back.
    expect(webview.get_by_test_id("telegram-start")).to_be_visible()
    screenshot(webview, "mini-app-01-continue-as")
    continue_button(webview).click()
    expect(webview).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    expect(webview.locator(".site-header")).to_contain_text("Mira")
    screenshot(webview, "mini-app-02-signed-in")
    assert home_shows(webview, server_url, user)
    expect(webview.get_by_test_id("telegram-username")).to_have_text(f"@mira_{RUN}")


@pytest.mark.i18n
def test_the_one_tap_speaks_the_telegram_apps_language(
    webview: Page, server_url: str, telegram_user: Callable[..., TelegramUser]
) -> None:
    """An English page, a Telegram app in Russian: the button in Russian; a language the site
    does not speak: the page's."""
    phone = TelegramApp(webview, server_url, language="ru").open()
    phone.be(telegram_user(first_name="Мира", language_code="ru"))
    phone.open_mini_app()
    expect(continue_button(webview)).to_have_text("Продолжить как Мира")

    phone.open().page.get_by_role("button", name="Be someone else").click()
    phone.be(telegram_user(first_name="Greta", language_code="de"))
    phone.open_mini_app()
    expect(continue_button(webview)).to_have_text("Continue as Greta")


@pytest.mark.security
@pytest.mark.parametrize(
    ("data", "said"),
    [
        ("forged", "did not come from Telegram for this site's bot"),
        ("stale", "too old"),
    ],
)
def test_forged_or_stale_data_is_refused_in_words_above_the_ordinary_widget(
    webview: Page,
    server_url: str,
    telegram_user: Callable[..., TelegramUser],
    data: str,
    said: str,
) -> None:
    phone = TelegramApp(webview, server_url).open().be(telegram_user(first_name="Eve"))
    phone.open_mini_app(data=data)
    continue_button(webview).click()

    expect(webview.get_by_text(said)).to_be_visible()
    # Not offered the same data again; the deep link's widget is there.
    expect(continue_button(webview)).to_be_hidden()
    expect(webview.get_by_test_id("telegram-start")).to_be_visible()
    screenshot(webview, f"mini-app-03-refused-{data}")
    webview.goto(f"{server_url}/")
    expect(webview.get_by_test_id("profile")).to_have_count(0)


@pytest.mark.security
def test_the_same_data_signs_in_once(
    webview: Page,
    new_context: Callable[..., BrowserContext],
    server_url: str,
    telegram_user: Callable[..., TelegramUser],
) -> None:
    phone = TelegramApp(webview, server_url).open().be(telegram_user(first_name="Rex"))
    phone.open_mini_app()
    captured = webview.url
    continue_button(webview).click()
    expect(webview.get_by_test_id("logout")).to_be_visible()

    # The captured URL (fragment and all) opened again, in another browser.
    thief = new_context().new_page()
    thief.goto(captured)
    continue_button(thief).click()
    expect(thief.get_by_text("already used")).to_be_visible()
    thief.goto(f"{server_url}/")
    expect(thief.get_by_test_id("profile")).to_have_count(0)


def test_one_telegram_id_reaches_one_account_by_all_three_ways_in(
    webview: Page,
    sign_in: Callable[..., None],
    sign_in_page: SignInPage,
    server_url: str,
    telegram_user: Callable[..., TelegramUser],
) -> None:
    user = telegram_user(first_name="Tri", username=f"tri_{RUN}")
    sign_in(user)  # the deep link
    by_deep_link = home_shows(sign_in_page.page, server_url, user)
    sign_out(sign_in_page.page)

    login = TelegramLoginPage(sign_in_page.page, server_url).open_from_sign_in()
    login.be(user).pick_the_code()
    assert home_shows(sign_in_page.page, server_url, user) == by_deep_link

    phone = TelegramApp(webview, server_url).open().be(user)
    phone.open_mini_app("/accounts/login/?next=/")
    continue_button(webview).click()
    assert home_shows(webview, server_url, user) == by_deep_link


def test_in_telegrams_own_browser_the_widget_says_the_person_is_already_in_telegram(
    new_context: Callable[..., BrowserContext], server_url: str
) -> None:
    """A link opened in Telegram's browser, without a Mini App's data: the deep link stays, and
    the widget says what its button does there. Elsewhere the hint is not shown."""
    in_telegram = new_context(**DEVICES["phone"])
    # What Telegram's clients put in the pages they open.
    in_telegram.add_init_script("window.TelegramWebviewProxy = {postEvent: function () {}};")
    page = in_telegram.new_page()
    SignInPage(page, server_url).open().start()
    expect(page.get_by_test_id("in-telegram-hint")).to_be_visible()
    expect(page.get_by_test_id("deep-link")).to_be_visible()
    expect(continue_button(page)).to_have_count(0)

    elsewhere = new_context(**DEVICES["phone"]).new_page()
    SignInPage(elsewhere, server_url).open().start()
    expect(elsewhere.get_by_test_id("in-telegram-hint")).to_be_hidden()
