"""The Telegram webhook: what the bot answers to messages (/start with a token, or anything else)."""

from __future__ import annotations

import json

import pytest

from telegram_login.messaging.callbacks import ACTION_CANCEL, callback_data
from telegram_login.models import LoginRequest
from telegram_login.signin.tokens import new_token
from telegram_login.tests.helpers import BOT_USERNAME, assert_no_reply, bot_reply, status_of

pytestmark = pytest.mark.django_db

Status = LoginRequest.Status


# -- messages ----------------------------------------------------------------------------------


def test_message_from_a_bot_is_ignored(started, telegram_user, telegram_update, post_update):
    login_request, token = started
    robot = telegram_user(is_bot=True)
    assert_no_reply(post_update(telegram_update(message=(robot, f"/start {token}"))))
    assert status_of(login_request) == Status.PENDING


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
    assert status_of(login_request) == Status.CLAIMED
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
    assert status_of(login_request) == Status.CLAIMED


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
    assert status_of(login_request) == Status.DENIED


def test_token_past_its_deadline_gets_expired_and_expires_the_request(
    started, telegram_user, telegram_update, post_update
):
    login_request, token = started
    LoginRequest.objects.filter(pk=login_request.pk).update(expires_at=login_request.created_at)
    reply = bot_reply(post_update(telegram_update(message=(telegram_user(), f"/start {token}"))))
    assert reply["text"].startswith("This sign-in link has expired.")
    assert status_of(login_request) == Status.EXPIRED


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
    assert status_of(login_request) == Status.CLAIMED
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
    assert status_of(login_request) == Status.PENDING


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
    assert status_of(login_request) == Status.PENDING


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
    assert status_of(login_request) == Status.PENDING


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
