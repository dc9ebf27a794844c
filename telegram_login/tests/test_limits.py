"""Abuse limits: starting a sign-in per browser session, and the bot per Telegram user."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape as html_unescape
from http import HTTPStatus
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from telegram_login import upkeep
from telegram_login.conf import get_settings
from telegram_login.messaging.callbacks import ACTION_CANCEL, ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.signin.tokens import new_token
from telegram_login.tests.helpers import BROWSER_UA, START_URL, bot_reply, start_sign_in

pytestmark = pytest.mark.django_db

Status = LoginRequest.Status
HTMX = {"HX-Request": "true"}


def _browser_with_a_session() -> Client:
    """A browser that already holds a session, so every start counts against that session.

    (A browser's very first start has no session yet and is counted under its IP instead.)
    """
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    browser.session  # noqa: B018  creates and saves a session and sets its cookie
    return browser


def _press_start(browser: Client, **headers: str) -> Any:
    return browser.post(START_URL, {"process": "login"}, headers=headers)


# -- starting a sign-in, per browser session ---------------------------------------------------


def test_one_browser_session_is_limited_while_another_on_the_same_ip_is_not(settings):
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"start": "50/m/ip,2/m/key"}
    greedy, other = _browser_with_a_session(), _browser_with_a_session()
    for _ in range(2):
        assert 'data-state="pending"' in _press_start(greedy, **HTMX).content.decode()
    refused = _press_start(greedy, **HTMX)
    assert 'data-state="rate_limited"' in refused.content.decode()
    # Same IP (the test client's 127.0.0.1), another session: its own allowance.
    assert 'data-state="pending"' in _press_start(other, **HTMX).content.decode()
    assert LoginRequest.objects.count() == 3


def test_new_sessions_from_one_ip_still_hit_the_ip_limit(settings):
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"start": "3/m/ip,50/m/key"}
    browsers = [_browser_with_a_session() for _ in range(4)]
    states = [_press_start(b, **HTMX).content.decode() for b in browsers]
    assert ['data-state="pending"' in s for s in states] == [True, True, True, False]
    assert 'data-state="rate_limited"' in states[-1]
    assert LoginRequest.objects.count() == 3


def test_rate_limited_htmx_start_says_to_wait_with_200_and_does_not_poll(settings):
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"start": "50/m/ip,1/m/key"}
    browser = _browser_with_a_session()
    _press_start(browser, **HTMX)
    refused = _press_start(browser, **HTMX)
    html = refused.content.decode()
    # htmx swaps only 2xx answers, so the fragment that says "wait" comes with a 200.
    assert refused.status_code == HTTPStatus.OK
    assert "<html" not in html
    assert 'id="telegram-login"' in html
    assert "You can try again in a minute; the button comes back by itself." in html
    # It does not poll, and it offers no "Start again" at once: the button comes back (a GET,
    # with no side effects) after the limit's minute.
    assert "data-telegram-poll" not in html
    assert 'data-testid="telegram-start"' not in html
    assert 'hx-trigger="load delay:60s"' in html
    comes_back = re.search(r'hx-get="([^"]+)" hx-trigger="load delay:60s"', html).group(1)
    button = browser.get(html_unescape(comes_back), headers=HTMX)
    assert 'data-testid="telegram-start"' in button.content.decode()
    assert LoginRequest.objects.count() == 1


def test_rate_limited_plain_start_is_a_429_page_that_does_not_poll(settings):
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"start": "50/m/ip,1/m/key"}
    browser = _browser_with_a_session()
    _press_start(browser)
    refused = _press_start(browser)
    html = refused.content.decode()
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "<html" in html
    assert "You can try again in a minute" in html
    assert "data-telegram-poll" not in html
    assert LoginRequest.objects.count() == 1


# -- "/start <token>" and pasted tokens, per Telegram user --------------------------------------


@pytest.mark.parametrize("text", ["/start {token}", "here it is: {token}"])
def test_telegram_user_over_the_limit_is_told_to_wait_and_claims_nothing(
    text, settings, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"bot": "2/m/key"}
    login_request, token, _ = start_sign_in(browser_client)
    guesser, other = telegram_user(), telegram_user()
    for _ in range(2):
        guess = new_token()
        reply = bot_reply(post_update(telegram_update(message=(guesser, f"/start {guess}"))))
        assert "not valid" in reply["text"]

    reply = bot_reply(post_update(telegram_update(message=(guesser, text.format(token=token)))))
    assert reply["method"] == "sendMessage"
    assert reply["text"].startswith("Too many attempts.")
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING
    assert login_request.telegram_user_id is None

    # The limit is the guesser's alone: another Telegram user claims the same token.
    reply = bot_reply(post_update(telegram_update(message=(other, text.format(token=token)))))
    assert reply["text"].startswith("Sign in to")
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED
    assert login_request.telegram_user_id == other["id"]


def test_messages_without_a_token_do_not_count_against_the_limit(
    settings, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"bot": "1/m/key"}
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    for text in ["/start", "hello", "/help"]:
        post_update(telegram_update(message=(user, text)))
    reply = bot_reply(post_update(telegram_update(message=(user, f"/start {token}"))))
    assert reply["text"].startswith("Sign in to")
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED


# -- button presses, per Telegram user ---------------------------------------------------------


@pytest.fixture
def two_claimed(browser_client, telegram_user, telegram_update, post_update, bot_api):
    """Two sign-ins, each claimed by its own Telegram user."""
    claimed = []
    for browser in [browser_client, Client(HTTP_USER_AGENT=BROWSER_UA)]:
        login_request, token, _ = start_sign_in(browser)
        owner = telegram_user()
        post_update(telegram_update(message=(owner, f"/start {token}")))
        login_request.refresh_from_db()
        assert login_request.status == Status.CLAIMED
        claimed.append((login_request, owner))
    return claimed


def _press(post_update, telegram_update, owner, login_request, *, cancel: bool = False) -> Any:
    if cancel:
        data = callback_data(login_request, ACTION_CANCEL)
    else:
        data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    return post_update(telegram_update(callback=(owner, data)))


@pytest.mark.parametrize("cancel", [False, True], ids=["right_code", "cancel"])
def test_limited_button_press_gets_an_alert_and_changes_nothing(
    cancel, settings, two_claimed, telegram_update, post_update, bot_api
):
    (login_request, owner), (other_request, other_owner) = two_claimed
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"bot": "1/m/key"}
    stranger = LoginRequest(id=other_request.id)  # a press on someone else's request counts too
    post_update(telegram_update(callback=(owner, callback_data(stranger, ACTION_CANCEL))))
    calls_before = len(bot_api.calls)

    reply = bot_reply(_press(post_update, telegram_update, owner, login_request, cancel=cancel))
    assert reply["method"] == "answerCallbackQuery"
    assert reply["show_alert"] is True
    assert reply["text"].startswith("Too many attempts.")
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED
    assert login_request.decided_at is None
    # Only the answer went to Telegram; the prompt was not edited.
    assert [c.method for c in bot_api.calls[calls_before:]] == ["answerCallbackQuery"]

    # Another Telegram user is not limited by it.
    _press(post_update, telegram_update, other_owner, other_request, cancel=cancel)
    other_request.refresh_from_db()
    assert other_request.status == (Status.DENIED if cancel else Status.APPROVED)


def test_a_limited_press_can_be_made_again_once_the_minute_has_passed(
    settings, two_claimed, telegram_update, post_update
):
    (login_request, owner), _ = two_claimed
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"bot": "1/m/key"}
    _press(post_update, telegram_update, owner, LoginRequest(id=uuid.uuid4()), cancel=True)
    limited = bot_reply(_press(post_update, telegram_update, owner, login_request))
    assert limited["text"].startswith("Too many attempts.")
    cache.clear()  # the counters live in the cache and expire after the minute
    reply = bot_reply(_press(post_update, telegram_update, owner, login_request))
    assert reply["text"] == "Confirmed. Return to your browser."
    login_request.refresh_from_db()
    assert login_request.status == Status.APPROVED


# -- live requests per address and in all, and the sessions they leave ---------------------------


def test_live_requests_per_address_are_capped(settings):
    settings.TELEGRAM_LOGIN_MAX_PENDING_PER_IP = 3
    for _ in range(3):
        start_sign_in(Client())
    refused = Client().post(START_URL, {"process": "login"}, headers=HTMX)
    assert 'data-state="rate_limited"' in refused.content.decode()
    assert LoginRequest.objects.count() == 3
    # Finished or expired requests do not count.
    LoginRequest.objects.update(status=Status.EXPIRED)
    start_sign_in(Client())


def test_live_requests_in_all_are_capped(settings):
    settings.TELEGRAM_LOGIN_MAX_PENDING = 2
    start_sign_in(Client(REMOTE_ADDR="198.51.100.1"))
    start_sign_in(Client(REMOTE_ADDR="198.51.100.2"))
    refused = Client(REMOTE_ADDR="198.51.100.3").post(START_URL, {"process": "login"}, headers=HTMX)
    assert 'data-state="rate_limited"' in refused.content.decode()
    assert LoginRequest.objects.count() == 2


def test_a_cookieless_start_leaves_a_session_that_ends_with_the_sign_in(
    settings, bot_api, telegram_user, telegram_update, post_update
):
    from telegram_login.tests.flows import confirm_in_telegram

    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    start_sign_in(browser)
    lifetime = browser.session.get_expiry_age()
    # The TTL's default: a site need not set TELEGRAM_LOGIN_TTL.
    assert lifetime == get_settings().login_ttl + 600
    assert browser.cookies["sessionid"]["max-age"] == lifetime

    confirm_in_telegram(browser, telegram_user(), telegram_update, post_update)
    # Signed in: an ordinary session again.
    assert browser.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_expired_sessions_are_pruned_with_the_rest():
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(seconds=1)
    )
    Session.objects.create(
        session_key="y" * 32, session_data="", expire_date=timezone.now() + timedelta(days=1)
    )
    upkeep.prune_old_records()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]
