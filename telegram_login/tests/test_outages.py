"""The database or Redis away for a moment: an update nothing was done for is left for Telegram to
send again (503), a rate limit whose store is away lets the action through, and nothing pressed
is lost. (Redis really stopped and started: test_redis_outage.py.)"""

from __future__ import annotations

import logging
from http import HTTPStatus
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from redis.exceptions import ConnectionError as RedisConnectionError

from telegram_login import limits
from telegram_login.bot import webhook
from telegram_login.management.commands import telegram_poll
from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest, ProcessedUpdate
from telegram_login.signin import services
from telegram_login.tests.helpers import bot_reply, poll, start_sign_in, status_of

pytestmark = pytest.mark.django_db

Status = LoginRequest.Status


def _failing_once(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, exc: Exception) -> None:
    """`target.name` raises `exc` on its first call and works from the second on."""
    original = getattr(target, name)
    calls = []

    def once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise exc
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, once)


def _press_the_right_code(
    claimed: tuple[LoginRequest, dict[str, Any]], telegram_update: Any
) -> dict[str, Any]:
    login_request, owner = claimed
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    return telegram_update(callback=(owner, data))


def test_a_press_that_meets_the_database_away_is_asked_for_again_and_then_signs_in(
    monkeypatch, claimed, browser_client, telegram_update, post_update, caplog
):
    login_request, _ = claimed
    _failing_once(
        monkeypatch,
        services,
        "login_request_decide",
        OperationalError("server closed the connection unexpectedly"),
    )
    press = _press_the_right_code(claimed, telegram_update)

    first = post_update(press)
    # Nothing was done, and Telegram is asked to send the press again; the person is not told
    # to try again.
    assert first.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert first.content == b""
    assert status_of(login_request) == Status.CLAIMED
    assert not ProcessedUpdate.objects.filter(update_id=press["update_id"]).exists()
    assert f"update {press['update_id']} not handled (OperationalError" in caplog.text

    # Telegram sends it again.
    reply = bot_reply(post_update(press))
    assert reply["method"] == "answerCallbackQuery"
    assert reply["text"] == "Confirmed. Return to your browser."
    done = poll(browser_client, login_request, shown="claimed")
    assert done["HX-Redirect"] == "/"
    assert status_of(login_request) == Status.COMPLETED


def test_a_start_whose_prompt_cannot_be_queued_leaves_nothing_half_done(
    monkeypatch, started, telegram_user, telegram_update, post_update, bot_api
):
    """The claim and the prompt that follows it commit together: a claimed request without its
    prompt would leave the person with no buttons to press."""
    login_request, token = started
    _failing_once(monkeypatch, webhook, "send_later", OperationalError("the queue is away"))
    start = telegram_update(message=(telegram_user(), f"/start {token}"))

    assert post_update(start).status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert status_of(login_request) == Status.PENDING
    assert not [call for call in bot_api.calls if call.method == "sendMessage"]

    again = post_update(start)
    assert again.status_code == HTTPStatus.OK
    assert status_of(login_request) == Status.CLAIMED
    [prompt] = [call for call in again.sent if call.method == "sendMessage"]
    assert prompt.params["reply_markup"]["inline_keyboard"]


def test_a_redis_error_while_handling_an_update_asks_for_it_again(
    monkeypatch, started, telegram_user, telegram_update, post_update
):
    login_request, token = started
    _failing_once(
        monkeypatch,
        services,
        "login_request_claim",
        RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    )
    start = telegram_update(message=(telegram_user(), f"/start {token}"))
    assert post_update(start).status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert post_update(start).status_code == HTTPStatus.OK
    assert status_of(login_request) == Status.CLAIMED


def test_a_bug_is_not_asked_for_again(monkeypatch, claimed, telegram_update, post_update, caplog):
    """Only a failure that may pass is worth Telegram's resending; a bug would fail again."""
    _failing_once(monkeypatch, services, "login_request_decide", KeyError("bug"))
    reply = bot_reply(post_update(_press_the_right_code(claimed, telegram_update)))
    assert reply["text"] == "Something went wrong. Please try again."
    assert "could not be handled" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_tried_again_in_the_same_request(
    monkeypatch, claimed, browser_client, telegram_update, post_update
):
    login_request, _ = claimed
    _failing_once(
        monkeypatch,
        services,
        "login_request_decide",
        OperationalError("terminating connection due to administrator command"),
    )
    reply = bot_reply(post_update(_press_the_right_code(claimed, telegram_update)))
    assert reply["text"] == "Confirmed. Return to your browser."
    assert poll(browser_client, login_request, shown="claimed")["HX-Redirect"] == "/"


@pytest.mark.django_db(transaction=True)
def test_a_database_connection_terminated_mid_press_is_opened_again_and_the_press_counts(
    monkeypatch, claimed, browser_client, telegram_update, post_update
):
    """PostgreSQL ends the webhook's backend half-way through a press (a restart, a failover,
    pg_terminate_backend): the press is handled on a new connection in the same request."""
    if connection.vendor != "postgresql":
        pytest.skip("terminates a PostgreSQL backend (make test-pg)")
    login_request, _ = claimed
    original = services.login_request_decide
    terminated = []

    def decide_after_the_backend_is_gone(**kwargs: Any) -> Any:
        if not terminated:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                [pid] = cursor.fetchone()
            other = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                    terminated.append(cursor.fetchone()[0])
            finally:
                other.close()
        return original(**kwargs)

    monkeypatch.setattr(services, "login_request_decide", decide_after_the_backend_is_gone)
    reply = bot_reply(post_update(_press_the_right_code(claimed, telegram_update)))
    assert terminated == [True]
    assert reply["text"] == "Confirmed. Return to your browser."
    assert poll(browser_client, login_request, shown="claimed")["HX-Redirect"] == "/"
    assert status_of(login_request) == Status.COMPLETED


def test_long_polling_asks_again_for_an_update_it_could_not_handle(
    monkeypatch, bot_api, browser_client, telegram_user, telegram_update
):
    monkeypatch.setattr(telegram_poll, "RETRY_PAUSE", 0)
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    bot_api.users[user["id"]] = user
    update = telegram_update(message=(user, f"/start {token}"))
    bot_api.pending_updates = [update]
    _failing_once(monkeypatch, services, "login_request_claim", OperationalError("away"))
    out = StringIO()
    call_command("telegram_poll", "--max-rounds", "3", "--timeout", "0", stdout=out, stderr=out)
    assert "Stopped after 1 update(s)." in out.getvalue()
    assert status_of(login_request) == Status.CLAIMED
    offsets = [c.params["offset"] for c in bot_api.calls if c.method == "getUpdates"]
    assert offsets == [0, 0, update["update_id"] + 1]


class _AwayCache:
    """A cache whose store cannot be reached, as Django's Redis cache is while Redis is down."""

    def __init__(self) -> None:
        self.calls = 0

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    set = get


def test_a_rate_limit_whose_store_is_away_lets_the_press_through_and_says_so_once(
    monkeypatch, claimed, browser_client, telegram_update, post_update, caplog
):
    login_request, owner = claimed
    away = _AwayCache()
    monkeypatch.setattr(limits, "cache", away)
    caplog.set_level(logging.INFO, logger="telegram_login")

    reply = bot_reply(post_update(_press_the_right_code(claimed, telegram_update)))
    assert reply["text"] == "Confirmed. Return to your browser."
    for _ in range(3):
        assert limits.consume(limits.BOT, key=str(owner["id"]))
    assert away.calls == 4
    assert poll(browser_client, login_request, shown="claimed")["HX-Redirect"] == "/"
    assert status_of(login_request) == Status.COMPLETED
    warnings = [r for r in caplog.records if "rate limits' cache unreachable" in r.message]
    assert len(warnings) == 1
    assert "(ConnectionError: Error 111 connecting to" in warnings[0].message

    monkeypatch.undo()
    assert limits.consume(limits.BOT, key=str(owner["id"]))
    assert "the rate limits' cache reachable again" in caplog.text
