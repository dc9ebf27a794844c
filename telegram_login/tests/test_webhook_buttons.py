"""The Telegram webhook: button presses (a code, Cancel, foreign or stale buttons) and the edits
of the prompt they settle."""

from __future__ import annotations

import json
import uuid
from http import HTTPStatus

import pytest
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CANCEL, ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.helpers import WEBHOOK_SECRET, WEBHOOK_URL, bot_reply, status_of

pytestmark = pytest.mark.django_db

Status = LoginRequest.Status


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
    assert status_of(login_request) == Status.CLAIMED
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
    assert status_of(login_request) == Status.CLAIMED
    assert "could not be handled" not in caplog.text


def test_button_pressed_in_a_group_chat_does_nothing(claimed, telegram_update, post_update):
    login_request, owner = claimed
    group = {"id": -777, "type": "group", "title": "Friends"}
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    reply = bot_reply(
        post_update(telegram_update(callback=(owner, data), chat=group, message_id=9))
    )
    assert reply["text"] == "This button does nothing here."
    assert status_of(login_request) == Status.CLAIMED


def test_button_without_its_message_does_nothing(claimed, telegram_update, post_update):
    login_request, owner = claimed
    update = telegram_update(
        callback=(owner, callback_data(login_request, ACTION_CODE, login_request.match_code))
    )
    del update["callback_query"]["message"]
    update["callback_query"]["inline_message_id"] = "inline-1"
    reply = bot_reply(post_update(None, raw=json.dumps(update).encode()))
    assert reply["text"] == "This button does nothing here."
    assert status_of(login_request) == Status.CLAIMED


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
    assert status_of(login_request) == Status.APPROVED


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
    assert status_of(login_request) == Status.EXPIRED
    assert "expired" in bot_api.chat(owner["id"])[-1].text


def test_pressing_again_after_deciding_says_no_longer_active(
    claimed, telegram_update, post_update, bot_api
):
    login_request, owner = claimed
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(owner, data)))
    reply = bot_reply(post_update(telegram_update(callback=(owner, data))))
    assert reply["text"] == "This sign-in request is no longer active."
    assert status_of(login_request) == Status.APPROVED


def test_failing_edit_does_not_fail_the_webhook(
    claimed, telegram_update, post_update, bot_api, caplog
):
    login_request, owner = claimed
    bot_api.messages.clear()  # the prompt is gone: the edit gets a 400
    data = callback_data(login_request, ACTION_CANCEL)
    reply = bot_reply(post_update(telegram_update(callback=(owner, data), message_id=99)))
    assert reply["method"] == "answerCallbackQuery"
    assert "editMessageText failed: 400" in caplog.text
    assert status_of(login_request) == Status.DENIED


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
    assert status_of(login_request) == Status.CLAIMED
    # The prompt went out through the Bot API (the chat is unknown to the fake one here).
    assert [c.method for c in bot_api.calls] == ["sendMessage"]
