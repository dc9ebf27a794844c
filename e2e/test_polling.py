"""The widget polls only while it can change and only while someone can see it."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from .pages import POLL_PATH_RE, SignInPage, TelegramApp, TelegramUser, count_for, watch_polls

pytestmark = pytest.mark.sign_in


def test_polling_stops_after_the_sign_in_is_denied(
    sign_in_page: SignInPage,
    telegram_app: TelegramApp,
    telegram_user: Callable[..., TelegramUser],
) -> None:
    sign_in_page.open("/").start()
    polls, _ = watch_polls(sign_in_page)
    telegram_app.open(sign_in_page.deep_link).be(telegram_user(first_name="Jon")).press_start()
    sign_in_page.expect_state("claimed")
    telegram_app.cancel()
    sign_in_page.expect_state("denied")
    assert polls, "the widget never polled"

    polls.clear()
    count_for(sign_in_page, seconds=6)  # three poll intervals
    assert polls == []
    expect(sign_in_page.widget).not_to_have_attribute("hx-get", POLL_PATH_RE)


def test_polling_pauses_while_the_tab_is_hidden_and_resumes_at_once(
    sign_in_page: SignInPage,
) -> None:
    sign_in_page.open("/").start()
    polls, is_poll = watch_polls(sign_in_page)
    with sign_in_page.page.expect_request(is_poll, timeout=5_000):
        pass  # polling runs while the tab is visible

    sign_in_page.hide()
    count_for(sign_in_page, seconds=0.2)  # a poll sent just before the tab hid
    polls.clear()
    count_for(sign_in_page, seconds=5)  # two and a half poll intervals
    assert polls == []

    started = time.monotonic()
    with sign_in_page.page.expect_request(is_poll, timeout=1_000):
        sign_in_page.show()
    assert time.monotonic() - started < 1.0
    sign_in_page.expect_state("pending")
