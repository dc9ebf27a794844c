"""The widget on a page that already loads htmx 2, one that loads htmx 4, and one with no htmx
(the widget brings its own): the same sign-in, the same stops, the same words, the same look.

htmx 4 has no stop-polling status and swaps error answers into the page; the widget must stop
polling and keep its own words under it all the same (e2e/pages/htmx.py sets the page up)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Route, expect

from .pages import (
    PAGE_HTMX,
    PHONE,
    POLL_PATH_RE,
    SandboxQA,
    SignInPage,
    TelegramApp,
    TelegramUser,
    count_for,
    expect_htmx,
    load_htmx,
    screenshot,
    watch_polls,
)

pytestmark = pytest.mark.sign_in

DESKTOP = {"width": 1280, "height": 800}
NOT_ANSWERING = "The site is not answering. Trying again…"


@pytest.fixture(params=list(PAGE_HTMX))
def page_htmx(request: pytest.FixtureRequest, sign_in_page: SignInPage) -> Iterator[str]:
    """The htmx the sign-in page loads before the widget: "htmx2", "htmx4" or "none"; the
    page's scripts raise no error under any of them."""
    load_htmx(sign_in_page.page, sign_in_page.server_url, request.param)
    errors: list[str] = []
    sign_in_page.page.on("pageerror", lambda error: errors.append(str(error)))
    yield str(request.param)
    assert errors == []


def open_and_start(sign_in_page: SignInPage, page_htmx: str, next_url: str = "/") -> None:
    sign_in_page.open(next_url)
    expect_htmx(sign_in_page.page, page_htmx)
    sign_in_page.start()


def expect_no_more_polls(sign_in_page: SignInPage, polls: list[str]) -> None:
    assert polls, "the widget never polled"
    polls.clear()
    count_for(sign_in_page, seconds=6)  # three poll intervals
    assert polls == []
    expect(sign_in_page.widget).not_to_have_attribute("hx-get", POLL_PATH_RE)


def test_any_htmx_resumes_after_a_reload_signs_in_and_lands_on_next(
    page_htmx: str,
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
    server_url: str,
) -> None:
    page = sign_in_page.page
    open_and_start(sign_in_page, page_htmx, "/accounts/email/")
    code, link = sign_in_page.match_code, sign_in_page.deep_link
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done)))")
        screenshot(page, f"htmx-{page_htmx}-pending-{size}")
    page.set_viewport_size(DESKTOP)

    page.reload()
    expect_htmx(page, page_htmx)
    sign_in_page.expect_state("pending")
    assert (sign_in_page.match_code, sign_in_page.deep_link) == (code, link)
    telegram_app.open(link).be(telegram_user(first_name="Hana")).press_start()
    sign_in_page.expect_state("claimed")
    screenshot(page, f"htmx-{page_htmx}-claimed-desktop")
    telegram_app.press_code(code)
    expect(page).to_have_url(f"{server_url}/accounts/email/")
    expect(page.get_by_test_id("nav-profile")).to_have_text("Hana")


def test_any_htmx_stops_polling_when_the_sign_in_is_cancelled_in_telegram(
    page_htmx: str,
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
) -> None:
    open_and_start(sign_in_page, page_htmx)
    polls, _ = watch_polls(sign_in_page)
    telegram_app.open(sign_in_page.deep_link).be(telegram_user(first_name="Ines")).press_start()
    sign_in_page.expect_state("claimed")
    telegram_app.cancel()
    sign_in_page.expect_state("denied")
    expect(sign_in_page.page.get_by_test_id("status")).to_have_text(
        "The sign-in was cancelled in Telegram."
    )
    expect_no_more_polls(sign_in_page, polls)
    sign_in_page.page.set_viewport_size(PHONE)
    screenshot(sign_in_page.page, f"htmx-{page_htmx}-denied-phone")
    expect(sign_in_page.page.get_by_test_id("telegram-start")).to_contain_text("Start again")


def test_any_htmx_shows_an_expired_sign_in_in_the_widgets_words_and_stops_polling(
    page_htmx: str, sign_in_page: SignInPage, sandbox_qa: SandboxQA
) -> None:
    open_and_start(sign_in_page, page_htmx)
    polls, _ = watch_polls(sign_in_page)
    sandbox_qa.expire(sign_in_page.deep_link)
    sign_in_page.expect_state("expired")
    expect(sign_in_page.page.get_by_test_id("status")).to_have_text(
        "This sign-in request expired before it was confirmed."
    )
    expect_no_more_polls(sign_in_page, polls)


def test_any_htmx_pauses_polling_while_the_tab_is_hidden(
    page_htmx: str, sign_in_page: SignInPage
) -> None:
    open_and_start(sign_in_page, page_htmx)
    polls, is_poll = watch_polls(sign_in_page)
    sign_in_page.hide()
    count_for(sign_in_page, seconds=0.2)  # a poll sent just before the tab hid
    polls.clear()
    count_for(sign_in_page, seconds=5)  # two and a half poll intervals
    assert polls == []
    with sign_in_page.page.expect_request(is_poll, timeout=1_000):
        sign_in_page.show()
    sign_in_page.expect_state("pending")


def test_any_htmx_keeps_the_widget_and_its_own_words_when_the_site_fails(
    page_htmx: str,
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
) -> None:
    """No connection for the start button, then a server error for the polls: neither error
    page is swapped in, the widget says so itself, and it goes on once the site answers."""
    page = sign_in_page.page
    base = sign_in_page.server_url
    trouble = page.locator("[data-telegram-trouble]")
    sign_in_page.open("/")
    expect_htmx(page, page_htmx)

    start_form = sign_in_page.widget.locator("form[hx-post]")
    start_url = base + str(start_form.get_attribute("action"))
    page.route(start_url, lambda route: route.abort("internetdisconnected"))
    page.get_by_test_id("telegram-start").click()
    expect(trouble).to_have_text("Something went wrong. Please try again.")
    expect(sign_in_page.widget).to_have_attribute("data-state", "start")
    page.unroute(start_url)
    sign_in_page.start()
    expect(trouble).to_be_hidden()

    def server_error(route: Route) -> None:
        route.fulfill(status=500, content_type="text/html", body="<h1>Server Error (500)</h1>")

    def is_poll_url(url: str) -> bool:
        return url.startswith(base) and bool(POLL_PATH_RE.match(url[len(base) :]))

    polls, is_poll = watch_polls(sign_in_page)
    page.route(is_poll_url, server_error)
    expect(trouble).to_have_text(NOT_ANSWERING)
    screenshot(page, f"htmx-{page_htmx}-not-answering-desktop")
    polls.clear()
    with page.expect_request(is_poll, timeout=5_000):
        pass  # the widget goes on polling through the errors
    expect(page.get_by_text("Server Error")).to_have_count(0)
    sign_in_page.expect_state("pending")

    page.unroute(is_poll_url)
    expect(trouble).to_be_hidden()
    telegram_app.open(sign_in_page.deep_link).be(telegram_user(first_name="Joel")).press_start()
    sign_in_page.expect_state("claimed")


@pytest.mark.smoke
def test_any_htmx_nothing_else_competes_with_a_running_sign_in_and_cancel_brings_it_back(
    page_htmx: str,
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
) -> None:
    page = sign_in_page.page
    others = [
        page.get_by_test_id("telegram-oidc-start"),
        page.locator("main").get_by_label("Email"),
        page.locator("main").get_by_role("link", name="Sign up"),
    ]
    sign_in_page.open()
    expect_htmx(page, page_htmx)
    for other in others:
        expect(other).to_be_visible()

    sign_in_page.start()
    for other in others:
        expect(other).to_be_hidden()
    telegram_app.open(sign_in_page.deep_link).be(telegram_user(first_name="Cato")).press_start()
    sign_in_page.expect_state("claimed")
    for other in others:
        expect(other).to_be_hidden()
    expect(sign_in_page.widget).to_contain_text("Not you? Press Cancel here or in Telegram.")

    page.get_by_test_id("telegram-cancel").click()
    sign_in_page.expect_state("start")
    for other in others:
        expect(other).to_be_visible()
    telegram_app.expect_bot_says("✖ Cancelled. Nobody was signed in.")
    page.reload()
    sign_in_page.expect_state("start")
