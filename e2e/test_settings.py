"""Settings in the browser: link Telegram to an email account, conflicts, disconnect, Russian."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from accounts.tests.flows import PASSWORD, email_user

from .conftest import LOGIN_PATH, SignInPage, TelegramApp, TelegramUser, screenshot

CONNECTIONS_PATH = "/accounts/3rdparty/"
REAUTHENTICATE_PATH = "/accounts/reauthenticate/"
PHONE = {"width": 390, "height": 844}


def sign_in_with_email(page: Page, server_url: str, email: str) -> None:
    page.goto(f"{server_url}{LOGIN_PATH}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).to_have_url(f"{server_url}/")


def confirm_password(page: Page) -> None:
    """allauth's "Confirm Access" page, in our layout."""
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def connect_telegram(
    page: Page, server_url: str, telegram_app: TelegramApp, user: TelegramUser
) -> None:
    """Press "Connect Telegram" in settings and confirm it in the sandbox as `user`."""
    page.goto(f"{server_url}{CONNECTIONS_PATH}")
    widget = SignInPage(page, server_url)
    expect(page.get_by_test_id("telegram-start")).to_contain_text("Connect Telegram")
    widget.start()
    expect(widget.widget).to_contain_text("Connect your Telegram account")
    code = widget.match_code
    telegram_app.open(widget.deep_link)
    if telegram_app.page.get_by_test_id("sandbox-identity").count():
        telegram_app.be(user)
    telegram_app.press_start()
    widget.expect_state("claimed")
    telegram_app.press_code(code)


def test_email_user_connects_telegram_in_settings_then_signs_in_with_telegram_alone(
    page: Page,
    sign_in: Callable[..., None],
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    owner = email_user("irina@example.test", first_name="Irina", last_name="Volkova")
    tg = telegram_user(first_name="Ira", last_name="V", username="ira_tg")
    sign_in_with_email(page, server_url, "irina@example.test")
    page.goto(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.get_by_test_id("settings-nav")).to_be_visible()
    screenshot(page, "settings-01-connections-empty")

    connect_telegram(page, server_url, telegram_app, tg)
    # A password sign-in is not a recent password check: allauth asks for it before linking.
    expect(page).to_have_url(f"{server_url}{REAUTHENTICATE_PATH}")
    screenshot(page, "settings-02-reauthenticate")
    confirm_password(page)

    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.get_by_role("status")).to_contain_text(
        "The third-party account has been connected."
    )
    expect(page.get_by_test_id("connected-name")).to_have_text("Ira V")
    expect(page.get_by_test_id("connected-username")).to_have_text("@ira_tg")
    expect(page.get_by_test_id("connected-id")).to_have_text(f"id {tg.id}")
    screenshot(page, "settings-03-connected")
    assert SocialAccount.objects.get(provider="telegram", uid=str(tg.id)).user == owner

    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("logout")).to_have_count(0)
    sign_in(tg, next_url=CONNECTIONS_PATH)
    expect(page.get_by_test_id("nav-profile")).to_have_text("Irina Volkova")
    page.goto(f"{server_url}/accounts/profile/")
    expect(page.get_by_test_id("profile-email")).to_contain_text("irina@example.test")
    expect(page.get_by_test_id("telegram-username")).to_have_text("@ira_tg")
    assert get_user_model().objects.count() == 1


def test_telegram_linked_to_someone_else_is_refused_and_stays_theirs(
    page: Page,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    tg = telegram_user(first_name="Oleg", username="oleg_tg")
    first_owner = get_user_model().objects.create_user(username="oleg")
    SocialAccount.objects.create(
        user=first_owner, provider="telegram", uid=str(tg.id), extra_data={"id": tg.id}
    )
    other = email_user("petr@example.test")
    sign_in_with_email(page, server_url, "petr@example.test")
    page.goto(f"{server_url}{REAUTHENTICATE_PATH}?next={CONNECTIONS_PATH}")
    confirm_password(page)
    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")

    connect_telegram(page, server_url, telegram_app, tg)

    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.locator(".message-error")).to_contain_text(
        "This Telegram account is already linked to another account on this site"
    )
    expect(page.get_by_test_id("connected-account")).to_have_count(0)
    screenshot(page, "settings-04-linked-elsewhere")
    assert SocialAccount.objects.get(uid=str(tg.id)).user == first_owner
    assert not SocialAccount.objects.filter(user=other).exists()


def test_telegram_only_user_is_told_to_set_a_password_before_disconnecting(
    page: Page,
    sign_in: Callable[..., None],
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    tg = telegram_user(first_name="Vera")
    sign_in(tg, next_url=CONNECTIONS_PATH)
    page.set_viewport_size(PHONE)
    expect(page.get_by_test_id("connected-name")).to_have_text("Vera")

    page.get_by_test_id("disconnect").click()

    alert = page.get_by_test_id("disconnect-error")
    expect(alert).to_contain_text("This is your only way to sign in here. Set a password first")
    expect(alert.get_by_role("link", name="Set a password")).to_be_visible()
    expect(page.get_by_test_id("connected-name")).to_have_text("Vera")
    screenshot(page, "settings-05-disconnect-refused-phone")
    assert SocialAccount.objects.filter(uid=str(tg.id)).exists()


def test_user_with_a_password_disconnects_telegram_after_confirming_it(
    page: Page, server_url: str
) -> None:
    user = email_user("sofia@example.test")
    SocialAccount.objects.create(
        user=user, provider="telegram", uid="987654", extra_data={"first_name": "Sofia"}
    )
    sign_in_with_email(page, server_url, "sofia@example.test")
    page.goto(f"{server_url}{CONNECTIONS_PATH}")

    page.get_by_test_id("disconnect").click()
    confirm_password(page)

    expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    expect(page.get_by_role("status")).to_contain_text(
        "The third-party account has been disconnected."
    )
    expect(page.get_by_test_id("connected-account")).to_have_count(0)
    expect(page.get_by_test_id("telegram-start")).to_contain_text("Connect Telegram")
    assert not SocialAccount.objects.filter(user=user).exists()


@pytest.fixture
def russian_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    """A browser whose language is Russian (the suite's contexts are English otherwise)."""
    context = browser.new_context(**{**browser_context_args, "locale": "ru-RU"})
    yield context.new_page()
    context.close()


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
    expect(widget.widget).to_contain_text("Выберите этот код в Telegram:")
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
    expect(page.get_by_test_id("disconnect")).to_have_text("Отвязать")
    expect(page.get_by_test_id("password-state")).to_contain_text("Задать пароль")
