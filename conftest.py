"""Shared test fixtures: a configured bot behind a fake Bot API, Telegram users and updates."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from django.core.cache import cache
from django.test import Client

from telegram_login.models import LoginRequest
from telegram_login.sandbox.fake_api import FakeBotApi

BOT_TOKEN = "4242:TEST-token"
BOT_USERNAME = "test_login_bot"
WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdef"
API_BASE_URL = "https://bot-api.test"
WEBHOOK_URL = "/telegram/webhook/"
START_URL = "/accounts/telegram/login/"
BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
DEEP_LINK_RE = re.compile(r'href="https://t\.me/' + BOT_USERNAME + r'\?start=([A-Za-z0-9_-]{43})"')


@pytest.fixture(autouse=True)
def _bot_settings(settings: Any) -> None:
    """Tests run as a site with a real bot configured, pointed at a fake Bot API."""
    settings.DEBUG = False
    settings.TELEGRAM_SANDBOX = False
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_BOT_USERNAME = BOT_USERNAME
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.TELEGRAM_API_BASE_URL = API_BASE_URL
    settings.TELEGRAM_LOGIN_SEND_INLINE = True
    settings.TELEGRAM_API_RETRY_BACKOFF = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cache.clear()


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    """A fake Bot API behind `responses`: checks each call against the spec and records it."""
    api = FakeBotApi(bot_username=BOT_USERNAME)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        method = request.url.rsplit("/", 1)[-1]
        status, body = api.handle(method, json.loads(request.body or b"{}"))
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # Tests that talk to live_server over real HTTP go through.
        mock.add_passthru(re.compile(r"http://(localhost|127\.0\.0\.1)[:/]"))
        mock.add_callback(
            responses.POST,
            re.compile(re.escape(f"{API_BASE_URL}/bot{BOT_TOKEN}/") + r"\w+"),
            callback=answer,
        )
        yield api


_ids = itertools.count(1)


@pytest.fixture
def telegram_user() -> Callable[..., dict[str, Any]]:
    """Factory of Telegram `User` objects as the Bot API sends them."""

    def make(**fields: Any) -> dict[str, Any]:
        n = next(_ids)
        user = {
            "id": 700000000 + n,
            "is_bot": False,
            "first_name": f"Tester{n}",
            "language_code": "en",
        }
        user.update(fields)
        return {k: v for k, v in user.items() if v is not None}

    return make


@pytest.fixture
def telegram_update() -> Callable[..., dict[str, Any]]:
    """Factory of updates: `telegram_update(message=(user, text))` or `callback=(user, data)`."""
    update_ids = itertools.count(1000)

    def make(
        *,
        message: tuple[dict[str, Any], str] | None = None,
        callback: tuple[dict[str, Any], str] | None = None,
        chat: dict[str, Any] | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        update: dict[str, Any] = {"update_id": next(update_ids)}
        if message is not None:
            user, text = message
            update["message"] = {
                "message_id": message_id or 1,
                "date": 1700000000,
                "from": user,
                "chat": chat
                or {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                "text": text,
            }
        if callback is not None:
            user, data = callback
            update["callback_query"] = {
                "id": f"cq{next(update_ids)}",
                "from": user,
                "chat_instance": "1",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": 1700000000,
                    "chat": chat
                    or {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                    "text": "Sign in?",
                },
            }
        return update

    return make


@pytest.fixture
def post_update(bot_api: FakeBotApi) -> Callable[..., Any]:
    """POST an update to the webhook with the right secret (or `secret=`), as Telegram does.

    Like Telegram, it applies a method in the webhook's answer to the (fake) Bot API, and a
    button press without a message_id presses the newest bot message in that chat.
    """
    telegram = Client()

    def post(update: Any, *, secret: str | None = WEBHOOK_SECRET, raw: bytes | None = None) -> Any:
        if isinstance(update, dict):
            if isinstance(update.get("message"), dict):
                bot_api.users[update["message"]["chat"]["id"]] = update["message"]["from"]
            query = update.get("callback_query")
            if isinstance(query, dict) and query["message"]["message_id"] is None:
                chat = bot_api.chat(query["message"]["chat"]["id"])
                query["message"]["message_id"] = chat[-1].message_id if chat else 1
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        body = raw if raw is not None else json.dumps(update)
        before = len(bot_api.calls)
        response = telegram.post(
            WEBHOOK_URL, data=body, content_type="application/json", headers=headers
        )
        # What the bot sent while handling it (tests send inline): prompts go out this way.
        response.sent = bot_api.calls[before:]
        if response.get("Content-Type") == "application/json":
            reply = dict(response.json())
            status, answer = bot_api.handle(reply.pop("method"), reply)
            assert status == 200, answer
        return response

    return post


@pytest.fixture
def browser_client() -> Client:
    """A second, independent browser (its own cookies and session)."""
    return Client(HTTP_USER_AGENT=BROWSER_UA)


def start_sign_in(
    browser: Client, *, next_url: str = "", process: str = "login"
) -> tuple[LoginRequest, str, Any]:
    """Press "Sign in with Telegram" as htmx does; return the request, its token, the response."""
    data = {"process": process}
    if next_url:
        data["next"] = next_url
    response = browser.post(
        START_URL, data, headers={"HX-Request": "true", "User-Agent": BROWSER_UA}
    )
    assert response.status_code == 200, response.content
    match = DEEP_LINK_RE.search(response.content.decode())
    assert match, response.content.decode()
    login_request = LoginRequest.objects.order_by("-created_at").first()
    assert login_request is not None
    return login_request, match.group(1), response


def bot_reply(response: Any) -> dict[str, Any]:
    """What the bot answered to an update, checked against the spec: the Bot API call in the
    webhook's answer, or else the one message it sent while handling the update (a consent
    prompt goes out that way, so that it can be edited later)."""
    from telegram_login.sandbox.spec import call_problems

    assert response.status_code == 200
    if response.get("Content-Type") != "application/json":
        sent = [call for call in getattr(response, "sent", []) if call.method == "sendMessage"]
        assert len(sent) == 1, [call.method for call in getattr(response, "sent", [])]
        assert sent[0].problems == []
        return {"method": "sendMessage", **sent[0].params}
    reply = dict(response.json())
    method = reply.pop("method")
    assert call_problems(method, reply) == []
    return {"method": method, **reply}


@pytest.fixture
def login_request(db: None) -> LoginRequest:
    """A pending request started by a Chrome on Windows browser at 198.51.100.4."""

    from telegram_login import services

    login_request, _ = services.login_request_start(
        process=LoginRequest.Process.LOGIN,
        requester_ip="198.51.100.4",
        user_agent=BROWSER_UA,
    )
    return login_request


def poll(browser: Client, login_request: LoginRequest, *, shown: str = "pending") -> Any:
    return browser.get(
        f"{START_URL}{login_request.id}/", {"shown": shown}, headers={"HX-Request": "true"}
    )
