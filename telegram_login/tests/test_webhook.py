"""The Telegram webhook: who may post, what it tolerates, and what the bot answers to each update."""

from __future__ import annotations

import json
import logging
import uuid
from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client

from telegram_login import services
from telegram_login.bot.messages import ACTION_CANCEL, ACTION_CODE, callback_data
from telegram_login.models import LoginRequest, ProcessedUpdate
from telegram_login.tokens import new_token

from .helpers import BOT_USERNAME, WEBHOOK_SECRET, WEBHOOK_URL, bot_reply, start_sign_in

pytestmark = pytest.mark.django_db

Status = LoginRequest.Status


def assert_no_reply(response: Any) -> None:
    assert response.status_code == HTTPStatus.OK
    assert response.content == b""


def _status(login_request: LoginRequest) -> str:
    login_request.refresh_from_db()
    return login_request.status


@pytest.fixture
def started(browser_client) -> tuple[LoginRequest, str]:
    login_request, token, _ = start_sign_in(browser_client)
    return login_request, token


@pytest.fixture
def claimed(started, telegram_user, telegram_update, post_update):
    login_request, token = started
    owner = telegram_user()
    bot_reply(post_update(telegram_update(message=(owner, f"/start {token}"))))
    login_request.refresh_from_db()
    return login_request, owner


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
    assert _status(login_request) == Status.PENDING
    assert not ProcessedUpdate.objects.exists()


def test_webhook_refuses_everything_when_no_secret_is_configured(
    settings, started, telegram_user, telegram_update, post_update
):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    login_request, token = started
    response = post_update(telegram_update(message=(telegram_user(), f"/start {token}")), secret="")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert _status(login_request) == Status.PENDING


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
    assert _status(login_request) == Status.CLAIMED


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
    assert _status(login_request) == Status.PENDING
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
    assert _status(login_request) == Status.PENDING
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


# -- messages ----------------------------------------------------------------------------------


def test_message_from_a_bot_is_ignored(started, telegram_user, telegram_update, post_update):
    login_request, token = started
    robot = telegram_user(is_bot=True)
    assert_no_reply(post_update(telegram_update(message=(robot, f"/start {token}"))))
    assert _status(login_request) == Status.PENDING


def test_start_without_a_token_gets_the_welcome(
    bot_api, telegram_user, telegram_update, post_update
):
    user = telegram_user()
    reply = bot_reply(post_update(telegram_update(message=(user, "/start"))))
    assert reply["method"] == "sendMessage"
    assert reply["chat_id"] == user["id"]
    assert reply["text"].startswith("Hi! I sign you in to telegram-login.")


def test_chatting_without_a_token_gets_the_welcome(
    bot_api, telegram_user, telegram_update, post_update
):
    reply = bot_reply(post_update(telegram_update(message=(telegram_user(), "hello bot"))))
    assert "Hi! I sign you in" in reply["text"]


def test_start_addressed_to_the_bot_by_name_claims(
    started, telegram_user, telegram_update, post_update
):
    login_request, token = started
    user = telegram_user()
    reply = bot_reply(
        post_update(telegram_update(message=(user, f"/start@{BOT_USERNAME} {token}")))
    )
    assert "Sign in to telegram-login with this Telegram account?" in reply["text"]
    assert _status(login_request) == Status.CLAIMED
    assert login_request.telegram_user_id == user["id"]


def test_confirm_prompt_shows_the_three_codes_and_cancel(
    started, telegram_user, telegram_update, post_update
):
    login_request, token = started
    reply = bot_reply(post_update(telegram_update(message=(telegram_user(), f"/start {token}"))))
    codes, cancel = reply["reply_markup"]["inline_keyboard"]
    assert sorted(b["text"] for b in codes) == sorted(login_request.code_choices)
    assert [b["callback_data"] for b in cancel] == [callback_data(login_request, ACTION_CANCEL)]
    assert "IP address: 127.0.0.1" in reply["text"]
    assert "Requested: " in reply["text"]


def test_sending_the_token_again_shows_the_prompt_again(
    claimed, telegram_update, post_update, started
):
    login_request, owner = claimed
    _, token = started
    reply = bot_reply(post_update(telegram_update(message=(owner, f"/start {token}"))))
    assert "reply_markup" in reply
    assert _status(login_request) == Status.CLAIMED


def test_well_formed_unknown_token_gets_not_valid(
    bot_api, telegram_user, telegram_update, post_update
):
    token = new_token()
    reply = bot_reply(post_update(telegram_update(message=(telegram_user(), f"/start {token}"))))
    assert reply["text"].startswith("This sign-in link is not valid.")


def test_garbled_start_payload_gets_not_valid(bot_api, telegram_user, telegram_update, post_update):
    reply = bot_reply(post_update(telegram_update(message=(telegram_user(), "/start abc$%"))))
    assert reply["text"].startswith("This sign-in link is not valid.")


def test_token_of_a_cancelled_request_gets_already_used(
    claimed, started, telegram_update, post_update
):
    login_request, owner = claimed
    _, token = started
    post_update(telegram_update(callback=(owner, callback_data(login_request, ACTION_CANCEL))))
    reply = bot_reply(post_update(telegram_update(message=(owner, f"/start {token}"))))
    assert "already been used" in reply["text"]
    assert _status(login_request) == Status.DENIED


def test_token_past_its_deadline_gets_expired_and_expires_the_request(
    started, telegram_user, telegram_update, post_update
):
    login_request, token = started
    LoginRequest.objects.filter(pk=login_request.pk).update(expires_at=login_request.created_at)
    reply = bot_reply(post_update(telegram_update(message=(telegram_user(), f"/start {token}"))))
    assert reply["text"].startswith("This sign-in link has expired.")
    assert _status(login_request) == Status.EXPIRED


@pytest.mark.parametrize(
    "text",
    [
        "{token}",
        "  {token}\n",
        "here it is: {token} thanks",
        "https://t.me/" + BOT_USERNAME + "?start={token}",
        "t.me/" + BOT_USERNAME + "?start={token}",
    ],
    ids=["bare", "whitespace", "in-a-sentence", "t.me-link", "t.me-link-no-scheme"],
)
def test_token_pasted_in_a_private_message_claims(
    text, started, telegram_user, telegram_update, post_update
):
    login_request, token = started
    user = telegram_user()
    reply = bot_reply(post_update(telegram_update(message=(user, text.format(token=token)))))
    assert "reply_markup" in reply
    assert _status(login_request) == Status.CLAIMED
    assert login_request.telegram_user_id == user["id"]


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
@pytest.mark.parametrize("text", ["/start {token}", "{token}"], ids=["start", "pasted"])
def test_token_in_a_group_chat_gets_private_only_and_claims_nothing(
    chat_type, text, started, telegram_user, telegram_update, post_update, bot_api
):
    login_request, token = started
    user = telegram_user()
    group = {"id": -4242, "type": chat_type, "title": "Friends"}
    bot_api.users[-4242] = user
    reply = bot_reply(
        post_update(telegram_update(message=(user, text.format(token=token)), chat=group))
    )
    assert reply["chat_id"] == -4242
    assert "only in a private chat" in reply["text"]
    assert _status(login_request) == Status.PENDING


def test_small_talk_in_a_group_chat_gets_no_answer(telegram_user, telegram_update, post_update):
    group = {"id": -4243, "type": "group", "title": "Friends"}
    assert_no_reply(post_update(telegram_update(message=(telegram_user(), "hi all"), chat=group)))


def test_private_chat_of_someone_else_claims_nothing(
    started, telegram_user, telegram_update, post_update, bot_api
):
    login_request, token = started
    user, other = telegram_user(), telegram_user()
    chat = {"id": other["id"], "type": "private", "first_name": other["first_name"]}
    bot_api.users[other["id"]] = other
    reply = bot_reply(post_update(telegram_update(message=(user, f"/start {token}"), chat=chat)))
    assert "only in a private chat" in reply["text"]
    assert _status(login_request) == Status.PENDING


def test_channel_post_without_a_sender_is_ignored(started, post_update, bot_api):
    login_request, token = started
    update = {
        "update_id": 880001,
        "message": {
            "message_id": 3,
            "date": 1700000000,
            "chat": {"id": -1001, "type": "channel", "title": "News"},
            "text": f"/start {token}",
        },
    }
    assert_no_reply(post_update(None, raw=json.dumps(update).encode()))
    assert _status(login_request) == Status.PENDING


def test_too_many_starts_from_one_telegram_user_are_slowed_down(
    settings, bot_api, telegram_user, telegram_update, post_update
):
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"bot": "2/m/key"}
    user, other = telegram_user(), telegram_user()
    for _ in range(2):
        token = new_token()
        reply = bot_reply(post_update(telegram_update(message=(user, f"/start {token}"))))
        assert "not valid" in reply["text"]
    token = new_token()
    reply = bot_reply(post_update(telegram_update(message=(user, f"/start {token}"))))
    assert reply["text"].startswith("Too many attempts.")
    # The limit is per Telegram user.
    reply = bot_reply(post_update(telegram_update(message=(other, f"/start {token}"))))
    assert "not valid" in reply["text"]


# -- button presses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "hello",
        "",
        "tl:c:nothex:12",
        "tl:z:" + "0" * 32 + ":12",
        "tl:c:" + "0" * 32 + ":ab",
        "tl:c:{" + "0" * 32 + "}:12",
        "tl:c:" + "0" * 32 + ":",
        "tl:u:0:",
        "tl:u:-5:",
        "tl:u:١٢:",
    ],
)
def test_button_with_foreign_data_does_nothing(
    data, claimed, telegram_update, post_update, bot_api
):
    login_request, owner = claimed
    reply = bot_reply(post_update(telegram_update(callback=(owner, data))))
    assert reply["method"] == "answerCallbackQuery"
    assert reply["text"] == "This button does nothing here."
    assert _status(login_request) == Status.CLAIMED
    assert not [c for c in bot_api.calls if c.method == "editMessageText"]


@pytest.mark.parametrize("code", ["١٢", "۴۵", "²³", "1２"])
def test_webhook_crash_a_code_of_non_ascii_digits_is_answered_and_decides_nothing(
    code, claimed, telegram_update, post_update, bot_api, caplog
):
    login_request, owner = claimed
    data = f"tl:c:{login_request.id.hex}:{code}"
    reply = bot_reply(post_update(telegram_update(callback=(owner, data))))
    assert reply["method"] == "answerCallbackQuery"
    assert reply["text"] == "This button does nothing here."
    assert _status(login_request) == Status.CLAIMED
    assert "could not be handled" not in caplog.text


def test_button_pressed_in_a_group_chat_does_nothing(claimed, telegram_update, post_update):
    login_request, owner = claimed
    group = {"id": -777, "type": "group", "title": "Friends"}
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    reply = bot_reply(
        post_update(telegram_update(callback=(owner, data), chat=group, message_id=9))
    )
    assert reply["text"] == "This button does nothing here."
    assert _status(login_request) == Status.CLAIMED


def test_button_without_its_message_does_nothing(claimed, telegram_update, post_update):
    login_request, owner = claimed
    update = telegram_update(
        callback=(owner, callback_data(login_request, ACTION_CODE, login_request.match_code))
    )
    del update["callback_query"]["message"]
    update["callback_query"]["inline_message_id"] = "inline-1"
    reply = bot_reply(post_update(None, raw=json.dumps(update).encode()))
    assert reply["text"] == "This button does nothing here."
    assert _status(login_request) == Status.CLAIMED


def test_button_of_a_request_that_no_longer_exists(
    bot_api, telegram_user, telegram_update, post_update
):
    user = telegram_user()
    ghost = LoginRequest(id=uuid.uuid4())
    data = callback_data(ghost, ACTION_CODE, "12")
    reply = bot_reply(post_update(telegram_update(callback=(user, data), message_id=5)))
    assert reply["text"] == "This sign-in request no longer exists."
    assert not [c for c in bot_api.calls if c.method == "editMessageText"]


@pytest.mark.parametrize("choice", ["match", "wrong", "cancel"])
def test_every_button_press_is_answered_with_answer_callback_query(
    choice, claimed, telegram_update, post_update, bot_api
):
    login_request, owner = claimed
    wrong = next(c for c in login_request.code_choices if c != login_request.match_code)
    data = {
        "match": callback_data(login_request, ACTION_CODE, login_request.match_code),
        "wrong": callback_data(login_request, ACTION_CODE, wrong),
        "cancel": callback_data(login_request, ACTION_CANCEL),
    }[choice]
    update = telegram_update(callback=(owner, data))
    reply = bot_reply(post_update(update))
    assert reply["method"] == "answerCallbackQuery"
    assert reply["callback_query_id"] == update["callback_query"]["id"]
    assert bot_api.callback_answers[update["callback_query"]["id"]]["text"] == reply["text"]


def test_right_code_edits_the_prompt_to_done_through_the_bot_api(
    claimed, telegram_update, post_update, bot_api
):
    login_request, owner = claimed
    prompt = bot_api.chat(owner["id"])[-1]
    assert prompt.reply_markup is not None
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    reply = bot_reply(post_update(telegram_update(callback=(owner, data))))
    assert reply["text"] == "Confirmed. Return to your browser."
    assert "show_alert" not in reply

    [edit] = [c for c in bot_api.calls if c.method == "editMessageText"]
    assert edit.problems == []
    assert edit.params["chat_id"] == owner["id"]
    assert edit.params["message_id"] == prompt.message_id
    assert edit.params["text"].startswith("✔ Done.")
    edited = bot_api.chat(owner["id"])[-1]
    assert edited.edited
    assert edited.reply_markup is None  # the buttons are gone
    assert _status(login_request) == Status.APPROVED


def test_cancel_edits_the_prompt_to_cancelled(claimed, telegram_update, post_update, bot_api):
    login_request, owner = claimed
    reply = bot_reply(
        post_update(telegram_update(callback=(owner, callback_data(login_request, ACTION_CANCEL))))
    )
    assert reply["text"] == "Cancelled."
    assert bot_api.chat(owner["id"])[-1].text == "✖ Cancelled. Nobody was signed in."


def test_pressing_after_the_deadline_says_expired(claimed, telegram_update, post_update, bot_api):
    login_request, owner = claimed
    LoginRequest.objects.filter(pk=login_request.pk).update(expires_at=login_request.created_at)
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    reply = bot_reply(post_update(telegram_update(callback=(owner, data))))
    assert reply["text"] == "This sign-in request has expired."
    assert _status(login_request) == Status.EXPIRED
    assert "expired" in bot_api.chat(owner["id"])[-1].text


def test_pressing_again_after_deciding_says_no_longer_active(
    claimed, telegram_update, post_update, bot_api
):
    login_request, owner = claimed
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(owner, data)))
    reply = bot_reply(post_update(telegram_update(callback=(owner, data))))
    assert reply["text"] == "This sign-in request is no longer active."
    assert _status(login_request) == Status.APPROVED


def test_failing_edit_does_not_fail_the_webhook(
    claimed, telegram_update, post_update, bot_api, caplog
):
    login_request, owner = claimed
    bot_api.messages.clear()  # the prompt is gone: the edit gets a 400
    data = callback_data(login_request, ACTION_CANCEL)
    reply = bot_reply(post_update(telegram_update(callback=(owner, data), message_id=99)))
    assert reply["method"] == "answerCallbackQuery"
    assert "editMessageText failed: 400" in caplog.text
    assert _status(login_request) == Status.DENIED


def test_too_many_presses_get_an_alert(settings, claimed, telegram_update, post_update):
    _, owner = claimed
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"bot": "1/m/key"}
    foreign = callback_data(LoginRequest(id=uuid.uuid4()), ACTION_CANCEL)
    post_update(telegram_update(callback=(owner, foreign)))
    reply = bot_reply(post_update(telegram_update(callback=(owner, foreign))))
    assert reply["show_alert"] is True
    assert reply["text"].startswith("Too many attempts.")


def test_webhook_works_for_a_client_without_cookies_or_csrf(started, telegram_user, bot_api):
    login_request, token = started
    telegram = Client(enforce_csrf_checks=True)
    user = telegram_user()
    update = {
        "update_id": 990001,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "from": user,
            "chat": {"id": user["id"], "type": "private"},
            "text": f"/start {token}",
        },
    }
    response = telegram.post(
        WEBHOOK_URL,
        data=json.dumps(update),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status_code == HTTPStatus.OK
    assert _status(login_request) == Status.CLAIMED
    # The prompt went out through the Bot API (the chat is unknown to the fake one here).
    assert [c.method for c in bot_api.calls] == ["sendMessage"]
