"""The vendored Bot API table, the call checker built on it, and every call the bot builds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from telegram_login.linking import messages as link_messages
from telegram_login.messaging import callbacks
from telegram_login.messaging import texts as messages
from telegram_login.models import LoginRequest
from telegram_login.sandbox.spec import SPEC_PATH, bot_api_spec, call_problems, object_problems

SHARED_SPEC = (
    Path(__file__).resolve().parents[2].parent / "shared" / "telegram-bot-api" / "api.min.json"
)
# The SHA-256 of SHARED_SPEC (Bot API 10.1), which bot_api.json copies. Recorded here so that a
# plain clone, without ../shared, still checks the vendored table.
SHARED_SPEC_SHA256 = "544bda57bc44b3e5ec89200396b085e47191d49e3c02667cd9991efcbf5f819d"

KEYBOARD = {
    "inline_keyboard": [
        [{"text": "12", "callback_data": "tl:c:abc:12"}, {"text": "34", "callback_data": "x"}],
        [{"text": "Cancel", "callback_data": "tl:x:abc:"}],
    ]
}


def test_vendored_bot_api_table_is_the_shared_one_byte_for_byte():
    assert hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest() == SHARED_SPEC_SHA256
    if SHARED_SPEC.exists():
        # Beside the shared copy, it too is still the one recorded.
        assert hashlib.sha256(SHARED_SPEC.read_bytes()).hexdigest() == SHARED_SPEC_SHA256


def test_bot_api_table_has_the_methods_and_types_the_bot_uses():
    spec = bot_api_spec()
    for method in ("sendMessage", "editMessageText", "answerCallbackQuery", "setWebhook"):
        assert method in spec["methods"]
    for type_name in ("Update", "Message", "CallbackQuery", "InlineKeyboardMarkup"):
        assert type_name in spec["types"]


def test_correct_send_message_with_an_inline_keyboard_passes():
    assert (
        call_problems("sendMessage", {"chat_id": 1, "text": "hi", "reply_markup": KEYBOARD}) == []
    )


def test_chat_id_may_be_a_channel_username():
    assert call_problems("sendMessage", {"chat_id": "@channel", "text": "hi"}) == []


def test_unknown_method_is_caught():
    assert call_problems("sendMesage", {"chat_id": 1, "text": "hi"}) == [
        "sendMesage: unknown method"
    ]


def test_unknown_field_is_caught():
    assert call_problems("sendMessage", {"chat_id": 1, "text": "hi", "txet": "x"}) == [
        "sendMessage.txet: unknown field"
    ]


def test_missing_required_field_is_caught():
    assert call_problems("sendMessage", {"chat_id": 1}) == [
        "sendMessage.text: required field missing"
    ]
    assert "answerCallbackQuery.callback_query_id: required field missing" in call_problems(
        "answerCallbackQuery", {}
    )


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"chat_id": 1, "text": 5}, "sendMessage.text: expected String"),
        ({"chat_id": 1.5, "text": "x"}, "sendMessage.chat_id: not any of Integer, String"),
        ({"chat_id": True, "text": "x"}, "sendMessage.chat_id: not any of Integer, String"),
        ({"chat_id": 1, "text": "x", "disable_notification": 1}, "expected Boolean"),
        ({"chat_id": 1, "text": "x", "reply_markup": "[]"}, "sendMessage.reply_markup: not any"),
    ],
    ids=["text-int", "chat-id-float", "chat-id-bool", "flag-int", "markup-string"],
)
def test_wrong_type_is_caught(params, problem):
    problems = call_problems("sendMessage", params)
    assert len(problems) == 1
    assert problem in problems[0]


def test_show_alert_must_be_a_real_boolean():
    assert (
        call_problems("answerCallbackQuery", {"callback_query_id": "1", "show_alert": True}) == []
    )
    assert call_problems("answerCallbackQuery", {"callback_query_id": "1", "show_alert": "true"})


@pytest.mark.parametrize(
    ("keyboard", "problem"),
    [
        ({"inline_keyboard": [{"text": "a"}]}, "inline_keyboard[0]: expected Array of"),
        ({"inline_keyboard": [[{"callback_data": "x"}]]}, "[0][0].text: required field missing"),
        (
            {"inline_keyboard": [[{"text": 12, "callback_data": "x"}]]},
            "[0][0].text: expected String",
        ),
        ({"inline_keyboard": [[{"text": "a", "data": "x"}]]}, "[0][0].data: unknown field"),
        ({"inline_keyboard": "none"}, "inline_keyboard: expected Array of Array of"),
        ({}, "inline_keyboard: required field missing"),
    ],
    ids=["row-not-list", "button-no-text", "button-text-int", "button-unknown", "str", "empty"],
)
def test_problems_inside_an_inline_keyboard_are_caught(keyboard, problem):
    problems = object_problems("InlineKeyboardMarkup", keyboard)
    assert any(problem in p for p in problems), problems
    # In a call, editMessageText takes only an inline keyboard, so the path is exact...
    edit = {"chat_id": 1, "message_id": 2, "text": "t", "reply_markup": keyboard}
    assert any(problem in p for p in call_problems("editMessageText", edit))
    # ...and sendMessage, which takes four kinds of markup, still refuses it.
    assert call_problems("sendMessage", {"chat_id": 1, "text": "t", "reply_markup": keyboard})


def test_a_real_update_passes_as_an_update_object():
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "text": "/start",
        },
    }
    assert object_problems("Update", update) == []
    update["message"]["chat"]["id"] = "5"
    assert object_problems("Update", update) == ["Update.message.chat.id: expected Integer"]


# -- every call the bot builds -----------------------------------------------------------------


def _all_bot_calls(login_request: LoginRequest) -> list[messages.BotCall]:
    calls = [
        messages.confirm_prompt(chat_id=1, login_request=login_request),
        messages.text_message(chat_id=1, text="hello"),
        messages.welcome(chat_id=1),
        messages.token_unknown(chat_id=1),
        messages.token_used(chat_id=1),
        messages.token_expired(chat_id=1),
        messages.private_chat_only(chat_id=-100123),
        messages.slow_down(chat_id=1),
        messages.answer_callback(callback_query_id="q", text="ok"),
        messages.answer_callback(callback_query_id="q", text="x" * 500, alert=True),
        link_messages.link_notice(chat_id=1, social_account_id=12, account="a@example.test"),
        link_messages.unlink_notice(chat_id=1, account="a@example.test"),
    ]
    for status, reason in [
        (LoginRequest.Status.APPROVED, ""),
        (LoginRequest.Status.COMPLETED, ""),
        (LoginRequest.Status.EXPIRED, ""),
        (LoginRequest.Status.DENIED, LoginRequest.DenyReason.WRONG_CODE),
        (LoginRequest.Status.DENIED, LoginRequest.DenyReason.CANCELLED),
        (LoginRequest.Status.DENIED, LoginRequest.DenyReason.FAILED),
    ]:
        login_request.status, login_request.deny_reason = status, reason
        text = messages.outcome_text(login_request)
        calls.append(messages.text_edit(chat_id=1, message_id=7, text=text))
    return calls


@pytest.mark.parametrize("confirm_mode", ["match_code", "browser_code", "button"])
@pytest.mark.parametrize("process", ["login", "connect", "reauthenticate"])
def test_every_call_the_bot_builds_passes_the_spec(settings, login_request, confirm_mode, process):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = confirm_mode
    login_request.process = process
    calls = _all_bot_calls(login_request)
    assert {call.method for call in calls} == {
        "sendMessage",
        "editMessageText",
        "answerCallbackQuery",
    }
    for call in calls:
        assert call_problems(call.method, call.params) == [], call


def test_callback_data_fits_telegrams_64_bytes(login_request):
    prompt = messages.confirm_prompt(chat_id=1, login_request=login_request)
    buttons = [b for row in prompt.params["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 4
    for button in buttons:
        assert 1 <= len(button["callback_data"].encode()) <= 64
        assert callbacks.decode(button["callback_data"]).request_id == login_request.id


def test_answer_text_is_cut_to_telegrams_200_characters():
    call = messages.answer_callback(callback_query_id="q", text="x" * 500, alert=True)
    assert len(call.params["text"]) == 200
    assert call.params["show_alert"] is True
