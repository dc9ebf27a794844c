"""The widget under the page's htmx 2 or htmx 4: htmx 4 has no stop-polling status and swaps
error answers, so a final state must end the polling by what it is, and the widget carries its
own words for an answer it cannot use (the browser suite runs both: e2e/test_htmx_versions.py)."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CANCEL, callback_data
from telegram_login.tests.helpers import BROWSER_UA, START_URL, poll_url, start_sign_in
from telegram_login.tests.request_states import expire_clock

pytestmark = pytest.mark.django_db

# What htmx 4 sends with every request (htmx 2 sends HX-Trigger and HX-Target as bare ids).
HTMX_4_HEADERS = {
    "HX-Request": "true",
    "HX-Request-Type": "partial",
    "HX-Source": "div#telegram-login",
    "HX-Target": "div#telegram-login",
    "Accept": "text/html",
}
WIDGET_ROOT_RE = re.compile(r'<div id="telegram-login"[^>]*>')


def widget_root(content: bytes) -> str:
    match = WIDGET_ROOT_RE.search(content.decode())
    assert match, content.decode()[:500]
    return match.group(0)


def poll_as_htmx_4(browser: Client, login_request: Any, *, shown: str = "pending") -> Any:
    return browser.get(poll_url(browser, login_request, shown=shown), headers=HTMX_4_HEADERS)


def test_a_waiting_widget_polls_and_htmx_4s_unchanged_poll_costs_a_bare_204(
    browser_client, bot_api
):
    login_request, _, started = start_sign_in(browser_client)
    root = widget_root(started.content)
    assert 'hx-get="/telegram/poll/' in root
    assert "every 2s" in root
    assert "data-telegram-poll" in root
    unchanged = poll_as_htmx_4(browser_client, login_request)
    assert unchanged.status_code == HTTPStatus.NO_CONTENT
    assert unchanged.content == b""


def _cancelled(browser: Client, login_request: Any, token: str, **fixtures: Any) -> str:
    person = fixtures["telegram_user"]()
    post_update, telegram_update = fixtures["post_update"], fixtures["telegram_update"]
    post_update(telegram_update(message=(person, f"/start {token}")))
    post_update(telegram_update(callback=(person, callback_data(login_request, ACTION_CANCEL))))
    return "claimed"


def _expired(browser: Client, login_request: Any, token: str, **fixtures: Any) -> str:
    expire_clock(login_request)
    return "pending"


def _session_gone(browser: Client, login_request: Any, token: str, **fixtures: Any) -> str:
    browser.cookies.clear()
    browser.get("/accounts/login/")  # a new session, which never asked
    return "pending"


@pytest.mark.parametrize(
    ("arrange", "state"),
    [(_cancelled, "denied"), (_expired, "expired"), (_session_gone, "unknown")],
    ids=["cancelled", "expired", "not-started-here"],
)
def test_every_final_state_comes_without_a_poll_so_swapping_it_stops_any_htmx(
    browser_client, bot_api, telegram_user, telegram_update, post_update, arrange, state
):
    login_request, token, _ = start_sign_in(browser_client)
    shown = arrange(
        browser_client,
        login_request,
        token,
        telegram_user=telegram_user,
        telegram_update=telegram_update,
        post_update=post_update,
    )
    final = poll_as_htmx_4(browser_client, login_request, shown=shown)
    # A 2xx that htmx 4 swaps in; 286 is also htmx 2's signal to stop.
    assert final.status_code == 286
    root = widget_root(final.content)
    assert f'data-state="{state}"' in root
    for polling in ("hx-get", "hx-trigger", "data-telegram-poll"):
        assert polling not in root
    # The final fragment's only request is the start button, pressed by the person.
    assert "every " not in final.content.decode()


def test_the_widget_has_its_own_words_for_an_answer_it_cannot_use(browser_client, bot_api):
    start_button = browser_client.get(START_URL, headers=HTMX_4_HEADERS)
    _, _, waiting = start_sign_in(browser_client)
    for fragment in (start_button, waiting):
        content = fragment.content.decode()
        assert re.search(r'<p class="trouble" hidden data-telegram-trouble', content)
        assert 'data-poll-text="The site is not answering. Trying again…"' in content
        assert 'data-press-text="Something went wrong. Please try again."' in content


def test_the_widgets_own_words_for_trouble_are_in_russian_too(bot_api):
    _, _, waiting = start_sign_in(Client(HTTP_ACCEPT_LANGUAGE="ru", HTTP_USER_AGENT=BROWSER_UA))
    content = waiting.content.decode()
    assert 'data-poll-text="Сайт не отвечает. Пробуем ещё раз…"' in content
    assert 'data-press-text="Что-то пошло не так. Попробуйте ещё раз."' in content
