"""The package's test fixtures: a configured bot behind a fake Bot API, Telegram users and updates."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from telegram_login.models import LoginRequest
from telegram_login.sandbox import fake_api, oidc_issuer
from telegram_login.sandbox.fake_api import FakeBotApi
from telegram_login.tests.helpers import (
    API_BASE_URL,
    BOT_TOKEN,
    BOT_USERNAME,
    BROWSER_UA,
    OWNER_EMAIL,
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    bot_reply,
    start_sign_in,
)
from telegram_login.tests.redis_support import *  # noqa: F403  the Redis fixtures


@pytest.fixture(autouse=True)
def _bot_settings(settings: Any) -> None:
    """Tests run as a site with a real bot configured, pointed at a fake Bot API."""
    settings.DEBUG = False
    settings.TELEGRAM_SANDBOX = False
    settings.TELEGRAM_LOGIN_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_LOGIN_BOT_USERNAME = BOT_USERNAME
    settings.TELEGRAM_LOGIN_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.TELEGRAM_LOGIN_API_BASE_URL = API_BASE_URL
    settings.TELEGRAM_LOGIN_SEND_INLINE = True
    settings.TELEGRAM_LOGIN_API_RETRY_BACKOFF = 0
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
def sandbox(settings: Any) -> Iterator[FakeBotApi]:
    """The built-in sandbox as `make run` has it (DEBUG, no bot): its fake Bot API, fresh."""
    settings.DEBUG = True
    settings.TELEGRAM_SANDBOX = None
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    settings.TELEGRAM_LOGIN_BOT_USERNAME = ""
    settings.TELEGRAM_LOGIN_WEBHOOK_SECRET = ""
    fake_api._api = None
    yield fake_api.fake_bot_api()
    fake_api._api = None


@pytest.fixture
def sandbox_issuer(settings: Any) -> None:
    """The site as `make run` starts it: DEBUG, no bot, no Telegram login client; the sandbox
    plays Telegram's login page, fresh."""
    settings.DEBUG = True
    settings.TELEGRAM_SANDBOX = True
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    settings.TELEGRAM_LOGIN_BOT_USERNAME = ""
    settings.TELEGRAM_LOGIN_WEBHOOK_SECRET = ""
    oidc_issuer.reset_fake_issuer()
    cache.clear()


@pytest.fixture
def started(browser_client: Client) -> tuple[LoginRequest, str]:
    """A sign-in started in `browser_client`: its request and token."""
    login_request, token, _ = start_sign_in(browser_client)
    return login_request, token


@pytest.fixture
def claimed(
    started: tuple[LoginRequest, str],
    telegram_user: Callable[..., dict[str, Any]],
    telegram_update: Callable[..., dict[str, Any]],
    post_update: Callable[..., Any],
) -> tuple[LoginRequest, dict[str, Any]]:
    """That sign-in claimed in Telegram (Start pressed) by a new Telegram user: the request and
    its owner."""
    login_request, token = started
    owner = telegram_user()
    bot_reply(post_update(telegram_update(message=(owner, f"/start {token}"))))
    login_request.refresh_from_db()
    return login_request, owner


@pytest.fixture
def owner(bot_api: FakeBotApi, telegram_user: Any) -> tuple[Any, dict[str, Any]]:
    """An account with a verified email (OWNER_EMAIL), a password and Telegram linked; the bot
    has talked with that Telegram user before (the chat exists)."""
    from telegram_login.tests.flows import email_user, telegram_user_of

    user = email_user(OWNER_EMAIL)
    telegram = telegram_user(first_name="Owner")
    telegram_user_of(user, uid=telegram["id"])
    bot_api.users[telegram["id"]] = telegram
    return user, telegram


@pytest.fixture
def admin_browser(client: Client) -> Client:
    """A browser signed in as a superuser, for the admin's pages."""
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.test", "pw"))
    return client


@pytest.fixture
def browser_client() -> Client:
    """A second, independent browser (its own cookies and session)."""
    return Client(HTTP_USER_AGENT=BROWSER_UA)


@pytest.fixture
def login_request(db: None) -> LoginRequest:
    """A pending request started by a Chrome on Windows browser at 198.51.100.4."""

    from telegram_login.signin import services

    login_request, _ = services.login_request_start(
        process=LoginRequest.Process.LOGIN,
        requester_ip="198.51.100.4",
        user_agent=BROWSER_UA,
    )
    return login_request
