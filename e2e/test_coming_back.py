"""Coming back to a sign-in: after a reload, after the phone discarded the tab while the person
was in Telegram, and to the sandbox after signing out of the site."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from .pages import LOGIN_PATH, SignInPage, TelegramApp, TelegramUser


@pytest.mark.sign_in
@pytest.mark.smoke
def test_a_reload_resumes_the_same_sign_in_and_it_completes(
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    sign_in_page.open("/").start()
    code, link = sign_in_page.match_code, sign_in_page.deep_link

    sign_in_page.page.reload()

    sign_in_page.expect_state("pending")
    assert sign_in_page.match_code == code
    assert sign_in_page.deep_link == link
    telegram_app.open(link).be(telegram_user(first_name="Rene")).press_start()
    sign_in_page.expect_state("claimed")
    telegram_app.press_code(code)
    expect(sign_in_page.page).to_have_url(f"{server_url}/")
    expect(sign_in_page.page.get_by_test_id("telegram-name")).to_have_text("Rene")


@pytest.mark.sign_in
@pytest.mark.phone
def test_a_discarded_tab_comes_back_and_the_approved_sign_in_completes(
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    sign_in_page.open("/accounts/email/").start()
    code, link = sign_in_page.match_code, sign_in_page.deep_link
    context = sign_in_page.page.context
    # The phone drops the background tab while the person is in Telegram.
    sign_in_page.page.close()

    telegram_app.open(link).be(telegram_user(first_name="Tove")).press_start()
    telegram_app.press_code(code)
    # The bot says how to finish when there may be no page left to finish in.
    telegram_app.expect_bot_says("Go back to the browser where you started")
    telegram_app.expect_bot_says("If you closed that page")

    page = context.new_page()
    page.goto(f"{server_url}{LOGIN_PATH}?next=/accounts/email/")
    expect(page).to_have_url(f"{server_url}/accounts/email/")
    expect(page.get_by_test_id("nav-profile")).to_have_text("Tove")


@pytest.mark.sign_in
def test_the_sandbox_keeps_its_telegram_user_after_signing_out(
    sign_in_page: SignInPage, telegram_user: Callable[..., TelegramUser], server_url: str
) -> None:
    """One computer, two tabs: the site and the sandbox. Signing out of the site does not make
    the sandbox forget who it plays (a new random id would make a second account)."""
    user = telegram_user(first_name="Uma")
    sign_in_page.open("/").start()
    code = sign_in_page.match_code
    telegram = TelegramApp(sign_in_page.page.context.new_page(), server_url)
    telegram.open(sign_in_page.deep_link).be(user).press_start()
    # START was pressed once for that link: it is gone, and the chat shows "/start".
    expect(telegram.page.get_by_test_id("sandbox-start")).to_have_count(0)
    expect(telegram.page.get_by_test_id("user-message").first).to_have_text("/start")
    telegram.press_code(code)
    expect(sign_in_page.page).to_have_url(f"{server_url}/")

    sign_in_page.page.get_by_test_id("logout").click()
    expect(sign_in_page.page.get_by_test_id("logout")).to_have_count(0)
    telegram.open()
    expect(telegram.page.get_by_test_id("sandbox-user")).to_contain_text(f"id {user.id}")
    expect(telegram.page.get_by_test_id("sandbox-identity")).to_have_count(0)
