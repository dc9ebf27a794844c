"""Telegram misbehaving: rate limits, outages, slow answers, a blocked bot."""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from typing import Any

import pytest
import requests
import responses
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.messaging.client import BotClient, TelegramError
from telegram_login.models import LoginRequest
from telegram_login.security import alerts
from telegram_login.tests.flows import email_user, telegram_user_of
from telegram_login.tests.helpers import API_BASE_URL, BOT_TOKEN, poll, start_sign_in

URL = f"{API_BASE_URL}/bot{BOT_TOKEN}/"


def _client(sleeps: list[float]) -> BotClient:
    return BotClient(token=BOT_TOKEN, base_url=API_BASE_URL, sleep=sleeps.append)


@responses.activate
def test_429_is_retried_after_the_time_telegram_asks_for():
    too_many = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    responses.post(URL + "sendMessage", json=too_many, status=429)
    responses.post(URL + "sendMessage", json={"ok": True, "result": {"message_id": 5}})
    sleeps: list[float] = []
    assert _client(sleeps).call("sendMessage", chat_id=1, text="hi") == {"message_id": 5}
    assert sleeps == [3.0]


@responses.activate
def test_429_asking_for_a_long_wait_is_not_waited_on():
    too_many = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests",
        "parameters": {"retry_after": 600},
    }
    responses.post(URL + "sendMessage", json=too_many, status=429)
    sleeps: list[float] = []
    with pytest.raises(TelegramError) as caught:
        _client(sleeps).call("sendMessage", chat_id=1, text="hi")
    assert caught.value.rate_limited
    assert caught.value.retry_after == 600
    assert sleeps == []


@responses.activate
def test_5xx_on_a_repeatable_method_is_retried_with_backoff_a_bounded_number_of_times():
    responses.post(
        URL + "editMessageText",
        json={"ok": False, "error_code": 502, "description": "Bad Gateway"},
        status=502,
    )
    sleeps: list[float] = []
    with pytest.raises(TelegramError) as caught:
        _client(sleeps).call("editMessageText", chat_id=1, message_id=2, text="x")
    assert caught.value.error_code == 502
    assert sleeps == [0.5, 1.0]
    assert len(responses.calls) == 3


@responses.activate
def test_5xx_on_send_message_is_not_repeated_so_nobody_gets_it_twice():
    responses.post(URL + "sendMessage", body="<html>502</html>", status=502)
    sleeps: list[float] = []
    with pytest.raises(TelegramError):
        _client(sleeps).call("sendMessage", chat_id=1, text="hi")
    assert len(responses.calls) == 1
    assert sleeps == []


@responses.activate
def test_a_timeout_on_a_repeatable_method_is_retried():
    responses.post(URL + "answerCallbackQuery", body=requests.ReadTimeout("read timed out"))
    responses.post(URL + "answerCallbackQuery", json={"ok": True, "result": True})
    sleeps: list[float] = []
    assert _client(sleeps).call("answerCallbackQuery", callback_query_id="q") is True
    assert sleeps == [0.5]


def test_an_unreachable_telegram_is_retried_for_any_method_since_nothing_was_sent():
    sleeps: list[float] = []
    client = BotClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9", sleep=sleeps.append)
    with pytest.raises(TelegramError) as caught:
        client.call("sendMessage", chat_id=1, text="hi")
    assert caught.value.error_code is None
    assert not caught.value.reached
    assert len(sleeps) == 2
    assert BOT_TOKEN not in str(caught.value)


@pytest.mark.django_db
def test_the_webhook_does_not_wait_for_telegram_to_answer_the_edit(
    browser_client, bot_api, telegram_user, telegram_update, post_update, settings
):
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    post_update(telegram_update(message=(user, f"/start {token}")))
    login_request.refresh_from_db()

    settings.TELEGRAM_LOGIN_SEND_INLINE = False
    release, entered = threading.Event(), threading.Event()
    original = bot_api.handle

    def slow_telegram(method, params):
        if method == "editMessageText":
            entered.set()
            release.wait(10)
        return original(method, params)

    bot_api.handle = slow_telegram
    try:
        response = post_update(
            telegram_update(
                callback=(user, callback_data(login_request, ACTION_CODE, login_request.match_code))
            )
        )
        # The webhook has answered while Telegram is still busy with the edit.
        assert response.status_code == HTTPStatus.OK
        assert response.json()["method"] == "answerCallbackQuery"
        assert entered.wait(10)
        assert not release.is_set()
        done = poll(browser_client, login_request, shown="claimed")
        assert done["HX-Redirect"] == "/"
    finally:
        release.set()


@pytest.mark.django_db
def test_sign_in_completes_when_telegram_is_unreachable_for_the_edit(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    post_update(telegram_update(message=(user, f"/start {token}")))
    login_request.refresh_from_db()
    original = bot_api.handle

    def unreachable(method, params):
        if method == "editMessageText":
            raise requests.ConnectionError("Telegram is unreachable")
        return original(method, params)

    bot_api.handle = unreachable
    post_update(
        telegram_update(
            callback=(user, callback_data(login_request, ACTION_CODE, login_request.match_code))
        )
    )
    done = poll(browser_client, login_request, shown="claimed")
    assert done["HX-Redirect"] == "/"


@pytest.mark.django_db
def test_user_who_blocked_the_bot_sees_how_to_fix_it_in_the_browser(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    post_update(telegram_update(message=(user, f"/start {token}")))
    kicked = {
        "update_id": 555001,
        "my_chat_member": {
            "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
            "from": user,
            "date": 1700000000,
            "old_chat_member": {"status": "member", "user": bot_api.bot},
            "new_chat_member": {"status": "kicked", "user": bot_api.bot, "until_date": 0},
        },
    }
    assert post_update(kicked).status_code == HTTPStatus.OK
    final = poll(browser_client, login_request, shown="claimed")
    assert final.status_code == 286
    assert b"blocked @test_login_bot" in final.content
    assert b"press Restart" in final.content
    login_request.refresh_from_db()
    assert login_request.deny_reason == LoginRequest.DenyReason.BOT_BLOCKED


@pytest.mark.django_db
def test_a_403_from_telegram_on_the_edit_ends_the_users_waiting_requests(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    post_update(telegram_update(message=(user, f"/start {token}")))
    second, second_token, _ = start_sign_in(browser_client)
    post_update(telegram_update(message=(user, f"/start {second_token}")))
    original = bot_api.handle

    def blocked(method, params):
        if method == "editMessageText":
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        return original(method, params)

    bot_api.handle = blocked
    login_request.refresh_from_db()
    post_update(telegram_update(callback=(user, callback_data(login_request, "x"))))
    second.refresh_from_db()
    assert second.status == LoginRequest.Status.DENIED
    assert second.deny_reason == LoginRequest.DenyReason.BOT_BLOCKED
    assert json.loads(json.dumps(second.telegram_user))["id"] == user["id"]


def _approved_in_telegram(
    browser: Client, telegram: dict[str, Any], telegram_update: Any, post_update: Any
) -> LoginRequest:
    """A sign-in started in `browser` and approved in Telegram (Start, then the code)."""
    login_request, token, _ = start_sign_in(browser, next_url="/accounts/email/")
    post_update(telegram_update(message=(telegram, f"/start {token}")))
    login_request.refresh_from_db()
    post_update(
        telegram_update(
            callback=(telegram, callback_data(login_request, ACTION_CODE, login_request.match_code))
        )
    )
    return login_request


def _sign_in_alert_fails(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The sign-in alert fails; the list gets the id of each user allauth had signed in by then."""
    signed_in: list[Any] = []

    def failing(**kwargs):
        signed_in.append(kwargs["user"].pk)
        raise RuntimeError("the sign-in alert failed")

    monkeypatch.setattr(alerts, "sign_in_alert", failing)
    return signed_in


@pytest.mark.django_db
@pytest.mark.parametrize("returning", [False, True], ids=["new account", "linked account"])
def test_a_sign_in_that_fails_half_way_keeps_nothing_and_signs_nobody_in(
    returning, browser_client, bot_api, telegram_user, telegram_update, post_update, monkeypatch
):
    """allauth has made the account and signed the session in when the alert fails: the
    sign-in commits as one, so none of it stays, and the browser is not left signed in."""
    alice = telegram_user()
    existing = None
    if returning:
        existing = email_user("alice@example.com")
        telegram_user_of(existing, uid=alice["id"])
    login_request = _approved_in_telegram(browser_client, alice, telegram_update, post_update)
    users = get_user_model().objects.count()
    signed_in = _sign_in_alert_fails(monkeypatch)

    done = poll(browser_client, login_request, shown="claimed")

    # allauth got as far as signing the user in (an assert in `failing` would be swallowed by
    # the view, as the failure is).
    assert len(signed_in) == 1
    assert signed_in[0] is not None

    # allauth's "third-party login failure" page, shown in full.
    assert done.status_code == HTTPStatus.UNAUTHORIZED
    assert done["HX-Retarget"] == "body"
    assert not done.has_header("HX-Redirect")
    login_request.refresh_from_db()
    assert (login_request.status, login_request.deny_reason) == (
        LoginRequest.Status.DENIED,
        LoginRequest.DenyReason.FAILED,
    )
    assert get_user_model().objects.count() == users
    accounts = SocialAccount.objects.filter(provider="telegram_login", uid=str(alice["id"]))
    assert accounts.count() == (1 if returning else 0)
    assert not UserSession.objects.exists()
    assert "_auth_user_id" not in browser_client.session
    assert browser_client.get("/accounts/email/").status_code == HTTPStatus.FOUND
    if existing is not None:
        existing.refresh_from_db()
        assert existing.last_login is None
