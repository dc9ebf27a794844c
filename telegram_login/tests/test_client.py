"""The Bot API client: what it sends, how it reads Telegram's answers, and that it hides the token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
import responses

from telegram_login.messaging.client import BotCall, BotClient, TelegramError, get_bot

TOKEN = "123456789:AAE-secret-bot-token_xyz"
BASE_URL = "https://api.telegram.test"
METHOD_URL = f"{BASE_URL}/bot{TOKEN}/sendMessage"


@pytest.fixture
def telegram() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def bot() -> BotClient:
    return BotClient(token=TOKEN, base_url=BASE_URL + "/", timeout=7.5)


def test_ok_answer_returns_its_result(telegram, bot):
    telegram.post(METHOD_URL, json={"ok": True, "result": {"message_id": 42}})
    assert bot.call("sendMessage", chat_id=1, text="hi") == {"message_id": 42}


def test_call_posts_its_params_as_a_json_body(telegram, bot):
    telegram.post(METHOD_URL, json={"ok": True, "result": {"message_id": 1}})
    markup = {"inline_keyboard": [[{"text": "12", "callback_data": "tl:c:x:12"}]]}
    bot.call("sendMessage", chat_id=-100, text="Привет", reply_markup=markup)
    [call] = telegram.calls
    assert call.request.url == METHOD_URL
    assert call.request.method == "POST"
    assert call.request.headers["Content-Type"] == "application/json"
    assert json.loads(call.request.body) == {
        "chat_id": -100,
        "text": "Привет",
        "reply_markup": markup,
    }


def test_every_call_has_a_connect_and_a_read_timeout(telegram, bot):
    telegram.post(METHOD_URL, json={"ok": True, "result": True})
    bot.call("sendMessage", chat_id=1, text="hi")
    connect, read = telegram.calls[0].request.req_kwargs["timeout"]
    assert 0 < connect <= 3.05
    assert read == 7.5


def test_short_timeout_is_used_for_connecting_too(telegram):
    telegram.post(f"{BASE_URL}/bot{TOKEN}/getMe", json={"ok": True, "result": {"id": 1}})
    BotClient(token=TOKEN, base_url=BASE_URL, timeout=1.0).get_me()
    assert telegram.calls[0].request.req_kwargs["timeout"] == (1.0, 1.0)


def test_helpers_call_their_bot_api_methods(telegram, bot):
    for method in ("getMe", "editMessageText", "answerCallbackQuery"):
        telegram.post(f"{BASE_URL}/bot{TOKEN}/{method}", json={"ok": True, "result": True})
    bot.get_me()
    bot.call("editMessageText", chat_id=1, message_id=2, text="done")
    bot.call("answerCallbackQuery", callback_query_id="q1", text="ok")
    sent = [(c.request.url.rsplit("/", 1)[-1], json.loads(c.request.body)) for c in telegram.calls]
    assert sent == [
        ("getMe", {}),
        ("editMessageText", {"chat_id": 1, "message_id": 2, "text": "done"}),
        ("answerCallbackQuery", {"callback_query_id": "q1", "text": "ok"}),
    ]


def test_send_sends_a_bot_call(telegram, bot):
    telegram.post(METHOD_URL, json={"ok": True, "result": {"message_id": 9}})
    result = bot.send(BotCall("sendMessage", {"chat_id": 5, "text": "x"}))
    assert result == {"message_id": 9}
    assert json.loads(telegram.calls[0].request.body) == {"chat_id": 5, "text": "x"}


def test_refusal_carries_error_code_and_description(telegram, bot):
    telegram.post(
        METHOD_URL,
        status=400,
        json={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )
    with pytest.raises(TelegramError) as caught:
        bot.call("sendMessage", chat_id=1, text="hi")
    error = caught.value
    assert error.method == "sendMessage"
    assert error.error_code == 400
    assert error.description == "Bad Request: chat not found"
    assert error.retry_after is None
    assert not error.bot_blocked
    assert not error.rate_limited
    assert str(error) == "sendMessage: 400 Bad Request: chat not found"


def test_flood_control_gives_retry_after(telegram, bot):
    telegram.post(
        METHOD_URL,
        status=429,
        json={
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 17",
            "parameters": {"retry_after": 17},
        },
    )
    with pytest.raises(TelegramError) as caught:
        bot.call("sendMessage", chat_id=1, text="hi")
    assert caught.value.rate_limited
    assert caught.value.retry_after == 17


def test_blocked_bot_is_recognisable(telegram, bot):
    telegram.post(
        METHOD_URL,
        status=403,
        json={
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot was blocked by the user",
        },
    )
    with pytest.raises(TelegramError) as caught:
        bot.call("sendMessage", chat_id=1, text="hi")
    assert caught.value.bot_blocked
    assert caught.value.error_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"ok": False},
        {"ok": False, "error_code": "400", "description": None},
        {"ok": False, "error_code": 400, "parameters": {"retry_after": "soon"}},
        {"ok": False, "error_code": 400, "parameters": ["retry_after", 5]},
        {"ok": "true", "result": 1},
    ],
    ids=["bare", "string-code", "string-retry-after", "list-parameters", "ok-not-bool"],
)
def test_odd_refusals_still_raise_a_plain_telegram_error(telegram, bot, body):
    telegram.post(METHOD_URL, status=400, json=body)
    with pytest.raises(TelegramError) as caught:
        bot.call("sendMessage", chat_id=1, text="hi")
    assert caught.value.error_code in (None, 400)
    assert caught.value.retry_after is None
    assert caught.value.description


def test_answer_that_is_not_a_json_object_raises(telegram, bot):
    telegram.post(METHOD_URL, json=[True])
    with pytest.raises(TelegramError, match="not a JSON object"):
        bot.call("sendMessage", chat_id=1, text="hi")


def test_html_error_page_from_a_proxy_raises_with_the_status(telegram, bot):
    telegram.post(METHOD_URL, status=502, body="<html>Bad Gateway</html>", content_type="text/html")
    with pytest.raises(TelegramError) as caught:
        bot.call("sendMessage", chat_id=1, text="hi")
    assert caught.value.error_code == 502
    assert caught.value.description == "HTTP 502 without a JSON body"


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError(f"Max retries exceeded with url: /bot{TOKEN}/sendMessage"),
        requests.ConnectTimeout(f"HTTPSConnectionPool: {METHOD_URL} timed out"),
        requests.ReadTimeout(f"Read timed out. (url={METHOD_URL})"),
        requests.exceptions.SSLError(f"certificate verify failed for {METHOD_URL}"),
    ],
    ids=["connection", "connect-timeout", "read-timeout", "ssl"],
)
def test_unreachable_telegram_raises_without_revealing_the_token(telegram, bot, failure):
    telegram.post(METHOD_URL, body=failure)
    with pytest.raises(TelegramError) as caught:
        bot.call("sendMessage", chat_id=1, text="hi")
    error = caught.value
    assert error.error_code is None
    assert error.description == type(failure).__name__
    assert "no answer" in str(error)
    for text in (str(error), repr(error), error.description, str(error.args)):
        assert TOKEN not in text
    # The original exception (whose text holds the URL) is not chained for a traceback to show.
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_bot_call_as_webhook_reply_puts_the_method_beside_its_params():
    call = BotCall("sendMessage", {"chat_id": 3, "text": "hi", "reply_markup": {"x": 1}})
    assert call.as_webhook_reply() == {
        "method": "sendMessage",
        "chat_id": 3,
        "text": "hi",
        "reply_markup": {"x": 1},
    }
    assert call.params == {"chat_id": 3, "text": "hi", "reply_markup": {"x": 1}}


def test_bot_call_without_params_is_just_the_method():
    assert BotCall("getMe").as_webhook_reply() == {"method": "getMe"}


def test_configured_bot_is_reused_until_the_settings_change(settings):
    first = get_bot()
    assert get_bot() is first
    settings.TELEGRAM_LOGIN_API_TIMEOUT = 2.0
    second = get_bot()
    assert second is not first
    assert second._timeout == 2.0
