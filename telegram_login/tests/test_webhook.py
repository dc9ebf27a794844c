"""The Telegram webhook: who may post, and what it tolerates."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

import pytest

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest, ProcessedUpdate
from telegram_login.signin import services
from telegram_login.tests.helpers import (
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    assert_no_reply,
    bot_reply,
    status_of,
)

pytestmark = pytest.mark.django_db

Status = LoginRequest.Status


# -- who may post ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret", [None, "", "wrong-secret", WEBHOOK_SECRET + "x", WEBHOOK_SECRET.upper()]
)
def test_update_without_the_right_secret_is_refused_and_changes_nothing(
    secret, started, telegram_user, telegram_update, post_update
):
    login_request, token = started
    response = post_update(
        telegram_update(message=(telegram_user(), f"/start {token}")), secret=secret
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert status_of(login_request) == Status.PENDING
    assert not ProcessedUpdate.objects.exists()


def test_webhook_refuses_everything_when_no_secret_is_configured(
    settings, started, telegram_user, telegram_update, post_update
):
    settings.TELEGRAM_LOGIN_WEBHOOK_SECRET = ""
    login_request, token = started
    response = post_update(telegram_update(message=(telegram_user(), f"/start {token}")), secret="")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert status_of(login_request) == Status.PENDING


def test_get_on_the_webhook_is_not_allowed(client):
    response = client.get(WEBHOOK_URL, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


# -- what it tolerates -----------------------------------------------------------------------


def test_body_over_the_size_cap_is_refused(settings, bot_api, post_update, caplog):
    settings.TELEGRAM_LOGIN_MAX_UPDATE_BYTES = 200
    body = json.dumps({"update_id": 1, "message": {"text": "x" * 300}}).encode()
    response = post_update(None, raw=body)
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "refused" in caplog.text
    assert not ProcessedUpdate.objects.exists()


def test_body_at_the_size_cap_is_accepted(settings, bot_api, post_update):
    body = json.dumps({"update_id": 77, "poll": {}}).encode()
    settings.TELEGRAM_LOGIN_MAX_UPDATE_BYTES = len(body)
    assert_no_reply(post_update(None, raw=body))
    assert ProcessedUpdate.objects.filter(update_id=77).exists()


@pytest.mark.parametrize(
    ("raw", "log"),
    [
        (b"not json at all", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b"", "not JSON"),
        (b"[1, 2, 3]", "without a usable update_id"),
        (b'"update"', "without a usable update_id"),
        (b'{"message": {"text": "/start"}}', "without a usable update_id"),
        (b'{"update_id": 9007199254740992}', "without a usable update_id"),
        (b'{"update_id": true}', "without a usable update_id"),
        (b'{"update_id": "5"}', "without a usable update_id"),
        (b'{"update_id": 5.5}', "without a usable update_id"),
        (b'{"update_id": -3, "message": {}}', "malformed"),
    ],
    ids=[
        "text",
        "binary",
        "empty",
        "list",
        "string",
        "no-update-id",
        "huge-update-id",
        "bool-update-id",
        "string-update-id",
        "float-update-id",
        "negative-update-id",
    ],
)
def test_unusable_body_gets_200_and_a_log_line(raw, log, bot_api, post_update, caplog):
    caplog.set_level(logging.INFO, logger="telegram_login")
    assert_no_reply(post_update(None, raw=raw))
    assert log in caplog.text
    assert bot_api.calls == []


def test_update_sent_twice_is_handled_once(
    started, telegram_user, telegram_update, post_update, caplog
):
    caplog.set_level(logging.INFO, logger="telegram_login")
    login_request, token = started
    user = telegram_user()
    update = telegram_update(message=(user, f"/start {token}"))
    first = post_update(update)
    assert bot_reply(first)["method"] == "sendMessage"
    again = post_update(update)
    assert_no_reply(again)
    assert f"update {update['update_id']} already handled" in caplog.text
    assert ProcessedUpdate.objects.filter(update_id=update["update_id"]).count() == 1
    assert status_of(login_request) == Status.CLAIMED


@pytest.mark.parametrize(
    "spoil",
    [
        lambda m: m["from"].update(id=str(m["from"]["id"])),
        lambda m: m.pop("chat"),
        lambda m: m.update(text=12345),
        lambda m: m["from"].update(is_bot="no"),
        lambda m: m["from"].pop("first_name"),
        lambda m: m.update(message_id=None),
        lambda m: m["chat"].update(id=2**60),
    ],
    ids=[
        "from-id-string",
        "no-chat",
        "text-number",
        "is-bot-string",
        "no-first-name",
        "no-message-id",
        "chat-id-huge",
    ],
)
def test_malformed_message_gets_200_and_changes_nothing(
    spoil, started, telegram_user, telegram_update, post_update, bot_api, caplog
):
    login_request, token = started
    update = telegram_update(message=(telegram_user(), f"/start {token}"))
    spoil(update["message"])
    assert_no_reply(post_update(None, raw=json.dumps(update).encode()))
    assert "malformed" in caplog.text
    assert status_of(login_request) == Status.PENDING
    assert bot_api.calls == []


@pytest.mark.parametrize(
    "kind",
    ["edited_message", "my_chat_member", "inline_query", "channel_post", "poll_answer"],
)
def test_update_of_a_kind_the_bot_does_not_handle_gets_an_empty_200(
    kind, started, telegram_user, post_update, bot_api
):
    login_request, token = started
    user = telegram_user()
    update = {
        "update_id": 555001,
        kind: {"id": "1", "from": user, "text": f"/start {token}", "query": token},
    }
    assert_no_reply(post_update(update))
    assert status_of(login_request) == Status.PENDING
    assert bot_api.calls == []


def test_exception_while_dispatching_gets_200_not_500(
    monkeypatch, started, telegram_user, telegram_update, post_update, caplog
):
    def explode(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "login_request_claim", explode)
    _, token = started
    update = telegram_update(message=(telegram_user(), f"/start {token}"))
    assert_no_reply(post_update(update))
    assert f"update {update['update_id']} could not be handled" in caplog.text
    assert "database went away" in caplog.text


def test_exception_while_handling_a_press_still_answers_it(
    monkeypatch, claimed, telegram_update, post_update, caplog
):
    def explode(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "login_request_decide", explode)
    login_request, owner = claimed
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    reply = bot_reply(post_update(telegram_update(callback=(owner, data))))
    assert reply["method"] == "answerCallbackQuery"
    assert reply["text"] == "Something went wrong. Please try again."
    assert "could not be handled" in caplog.text


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_webhook_crash_deeply_nested_json_under_the_cap_gets_200_and_a_log_line(
    opener, bot_api, post_update, caplog
):
    depth = 10_000  # far past Python's recursion limit, within the 64 KiB cap
    closer = "]" if opener == "[" else "}"
    body = (opener * depth + "1" + closer * depth).encode()
    assert len(body) < 64 * 1024
    assert_no_reply(post_update(None, raw=body))
    assert "nested too deeply" in caplog.text
