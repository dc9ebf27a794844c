"""The browser's side: starting a sign-in and polling it, as htmx and as a plain page."""

from __future__ import annotations

import hashlib
import re
import uuid
from http import HTTPStatus

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.urls import reverse

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.poll import status_mirror
from telegram_login.poll.browser_session import SESSION_KEY
from telegram_login.tests.flows import email_user, reauthenticate, sign_in_with_password
from telegram_login.tests.helpers import (
    BOT_USERNAME,
    BROWSER_UA,
    START_URL,
    bot_reply,
    poll,
    poll_path,
    set_deadline,
    start_sign_in,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
HTMX = {"HX-Request": "true"}
STOP_POLLING = 286


def _approve(login_request, telegram_user, telegram_update, post_update, token):
    user = telegram_user(first_name="Pat")
    post_update(telegram_update(message=(user, f"/start {token}")))
    login_request.refresh_from_db()
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(user, data)))
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.APPROVED
    return user


# -- start -----------------------------------------------------------------------------------


def test_htmx_get_of_start_shows_the_button_and_changes_nothing(browser_client):
    response = browser_client.get(START_URL, headers=HTMX)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="telegram-login"' in content
    assert 'data-testid="telegram-start"' in content
    assert LoginRequest.objects.count() == 0
    assert SESSION_KEY not in browser_client.session


def test_start_returns_the_waiting_widget_fragment(browser_client):
    login_request, token, response = start_sign_in(browser_client, next_url="/accounts/email/")
    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith('<div id="telegram-login"')
    assert 'data-state="pending"' in content

    poll_url = re.search(r'hx-get="([^"]+)"', content).group(1).replace("&amp;", "&")
    assert poll_url.startswith(reverse("telegram_login_poll", args=[login_request.id]) + "?")
    assert "shown=pending" in poll_url
    assert "next=%2Faccounts%2Femail%2F" in poll_url
    trigger = re.search(r'hx-trigger="([^"]+)"', content).group(1)
    assert "every 2s" in trigger
    assert 'hx-swap="outerHTML"' in content

    assert f'href="https://t.me/{BOT_USERNAME}?start={token}"' in content
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert "<svg" in content
    assert f'data-testid="match-code">{login_request.match_code}<' in content
    assert f'value="/start {token}"' in content


def test_token_is_not_stored_in_plain_text(browser_client):
    login_request, token, _ = start_sign_in(browser_client)
    row = LoginRequest.objects.filter(pk=login_request.pk).values().get()
    assert all(token not in str(value) for value in row.values())
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(dict(browser_client.session))


def test_start_records_the_requester_ip_and_browser(browser_client):
    login_request, _, _ = start_sign_in(browser_client)
    assert login_request.requester_ip == "127.0.0.1"
    assert login_request.requester_browser == "Chrome 120"
    assert login_request.requester_os == "Windows 10"


def test_start_takes_the_ip_from_the_connection_not_a_forged_header(browser_client):
    browser_client.post(
        START_URL,
        {"process": "login"},
        headers={**HTMX, "X-Forwarded-For": "6.6.6.6"},
        REMOTE_ADDR="203.0.113.50",
    )
    assert LoginRequest.objects.get().requester_ip == "203.0.113.50"


def test_start_with_an_unknown_process_signs_in(browser_client):
    browser_client.post(START_URL, {"process": "hijack"}, headers=HTMX)
    assert LoginRequest.objects.get().process == LoginRequest.Process.LOGIN


@pytest.mark.parametrize("process", ["connect", "reauthenticate"])
def test_connect_or_confirm_while_signed_out_goes_to_the_login_page(browser_client, process):
    login = f"{reverse('account_login')}?next=%2Faccounts%2Ftelegram-login%2Flogin%2F"
    response = browser_client.post(START_URL, {"process": process}, headers=HTMX)
    assert response["HX-Redirect"] == login
    plain = browser_client.post(START_URL, {"process": process})
    assert plain.status_code == HTTPStatus.FOUND
    assert plain["Location"] == login
    assert LoginRequest.objects.count() == 0


def test_connect_while_signed_in_starts_a_connect_request_for_that_account(browser_client):
    user = email_user("erin@example.test")
    sign_in_with_password(browser_client, "erin@example.test")
    reauthenticate(browser_client)
    response = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)
    assert response.status_code == HTTPStatus.OK
    login_request = LoginRequest.objects.get()
    assert login_request.process == LoginRequest.Process.CONNECT
    assert login_request.user == user
    assert "Connect your Telegram account" in response.content.decode()


def test_start_without_a_bot_says_telegram_is_not_set_up(settings, browser_client):
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    response = browser_client.post(START_URL, {"process": "login"}, headers=HTMX)
    assert response.status_code == HTTPStatus.OK
    assert "not set up on this site" in response.content.decode()
    assert LoginRequest.objects.count() == 0


def test_too_many_starts_from_one_ip_are_refused(settings, browser_client, client):
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"start": "2/m/ip"}
    for _ in range(2):
        assert browser_client.post(START_URL, {"process": "login"}, headers=HTMX).status_code == (
            HTTPStatus.OK
        )
    third = browser_client.post(START_URL, {"process": "login"}, headers=HTMX)
    assert third.status_code == HTTPStatus.OK  # htmx swaps only 2xx answers
    assert "Too many sign-in attempts" in third.content.decode()
    assert 'data-state="rate_limited"' in third.content.decode()

    plain = client.post(START_URL, {"process": "login"})
    assert plain.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many sign-in attempts" in plain.content.decode()
    assert "<html" in plain.content.decode()
    assert LoginRequest.objects.count() == 2


def test_session_remembers_only_the_five_newest_requests(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    started = [start_sign_in(browser_client) for _ in range(7)]
    remembered = browser_client.session[SESSION_KEY]
    assert list(remembered) == [str(r.id) for r, _, _ in started[-5:]]

    # The oldest one, approved in Telegram, no longer signs this browser in.
    oldest, token, _ = started[0]
    _approve(oldest, telegram_user, telegram_update, post_update, token)
    answer = poll(browser_client, oldest, shown="claimed")
    assert answer.status_code == STOP_POLLING
    assert b'data-state="unknown"' in answer.content
    assert "_auth_user_id" not in browser_client.session
    assert poll(browser_client, started[2][0]).status_code == HTTPStatus.NO_CONTENT


# -- poll ------------------------------------------------------------------------------------


def test_poll_of_an_unchanged_request_is_a_bare_204(browser_client):
    login_request, _, _ = start_sign_in(browser_client)
    response = poll(browser_client, login_request, shown="pending")
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.content == b""


def test_poll_that_shows_an_old_state_gets_the_new_widget(browser_client):
    login_request, _, _ = start_sign_in(browser_client)
    response = poll(browser_client, login_request, shown="start")
    assert response.status_code == HTTPStatus.OK
    assert b'data-state="pending"' in response.content
    assert b"every 2s" in response.content


def test_poll_for_a_request_that_does_not_exist_stops(browser_client):
    start_sign_in(browser_client)
    response = browser_client.get(poll_path(uuid.uuid4()), headers=HTMX)
    assert response.status_code == STOP_POLLING
    assert b'data-state="unknown"' in response.content
    assert b"hx-get" not in response.content


def test_poll_of_a_request_deleted_from_the_database_stops(browser_client):
    login_request, _, _ = start_sign_in(browser_client)
    LoginRequest.objects.all().delete()
    status_mirror.forget(request_ids=[login_request.pk])
    assert poll(browser_client, login_request).status_code == STOP_POLLING


def test_poll_without_htmx_renders_the_full_page(browser_client):
    login_request, _, _ = start_sign_in(browser_client)
    response = browser_client.get(poll_path(login_request.id), {"shown": "pending"})
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "<html" in content
    assert 'id="telegram-login"' in content
    assert 'data-state="pending"' in content
    assert "<noscript>" in content


def test_post_to_the_poll_is_not_allowed(browser_client):
    login_request, _, _ = start_sign_in(browser_client)
    response = browser_client.post(poll_path(login_request.id), headers=HTMX)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_twenty_polls_after_approval_complete_the_sign_in_once(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    telegram = _approve(login_request, telegram_user, telegram_update, post_update, token)

    responses = [poll(browser_client, login_request, shown="claimed") for _ in range(20)]
    redirected = [r for r in responses if r.has_header("HX-Redirect")]
    assert len(redirected) == 1
    assert redirected[0].status_code == HTTPStatus.OK
    assert all(r.status_code != HTTPStatus.INTERNAL_SERVER_ERROR for r in responses)
    assert User.objects.count() == 1
    assert SocialAccount.objects.filter(uid=str(telegram["id"])).count() == 1
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.COMPLETED


def test_poll_after_the_deadline_stops_with_expired(browser_client):
    login_request, _, _ = start_sign_in(browser_client)
    set_deadline(login_request, login_request.created_at)
    response = poll(browser_client, login_request, shown="pending")
    assert response.status_code == STOP_POLLING
    assert b'data-state="expired"' in response.content
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.EXPIRED


def test_browser_ua_summary_is_shown_to_the_telegram_user(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    _, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    reply = bot_reply(post_update(telegram_update(message=(user, f"/start {token}"))))
    assert "Browser: Chrome 120 on Windows 10" in reply["text"]
    assert "IP address: 127.0.0.1" in reply["text"]
    assert BROWSER_UA not in reply["text"]


def test_poll_after_completion_still_names_the_telegram_user(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    _approve(login_request, telegram_user, telegram_update, post_update, token)
    assert poll(browser_client, login_request, shown="claimed").has_header("HX-Redirect")

    later = poll(browser_client, login_request, shown="claimed")
    assert later.status_code == STOP_POLLING
    assert not later.has_header("HX-Redirect")
    assert b'data-state="completed"' in later.content
    assert b"Signed in as Pat." in later.content


def test_start_and_every_poll_forbid_caching_the_token_or_the_state(browser_client):
    login_request, _, response = start_sign_in(browser_client)
    assert "no-store" in response["Cache-Control"]
    assert "no-store" in poll(browser_client, login_request)["Cache-Control"]
    shown = poll(browser_client, login_request, shown="claimed")
    assert "no-store" in shown["Cache-Control"]
