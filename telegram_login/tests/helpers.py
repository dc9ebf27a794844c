"""What the package's tests share: the test bot's settings, and pressing "Sign in with Telegram",
polling and reading the bot's answer as a browser and Telegram do."""

from __future__ import annotations

import gettext
import re
from http import HTTPStatus
from pathlib import Path
from typing import Any

from django.test import Client

from telegram_login.models import LoginRequest

BOT_TOKEN = "4242:TEST-token"
BOT_USERNAME = "test_login_bot"
WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdef"
API_BASE_URL = "https://bot-api.test"
WEBHOOK_URL = "/telegram/webhook/"
START_URL = "/accounts/telegram-login/login/"
BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
DEEP_LINK_RE = re.compile(r'href="https://t\.me/' + BOT_USERNAME + r'\?start=([A-Za-z0-9_-]{43})"')


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


def assert_no_reply(response: Any) -> None:
    """The webhook answered 200 with nothing for the bot to do."""
    assert response.status_code == HTTPStatus.OK
    assert response.content == b""


def status_of(login_request: LoginRequest) -> str:
    """The request's status in the database now."""
    login_request.refresh_from_db()
    return login_request.status


def poll(browser: Client, login_request: LoginRequest, *, shown: str = "pending") -> Any:
    """The widget's poll as htmx sends it: its URL carries the MAC of the browser's session."""
    return browser.get(
        poll_url(browser, login_request, shown=shown), headers={"HX-Request": "true"}
    )


def poll_url(browser: Client, login_request: LoginRequest, *, shown: str = "pending") -> str:
    """The poll URL the widget gives this browser (no MAC where it has no session yet)."""
    from django.conf import settings
    from django.utils.http import urlencode

    from telegram_login.poll.browser_session import poll_binding

    query = {"shown": shown}
    cookie = browser.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is not None and cookie.value:
        query["b"] = poll_binding(request_id=login_request.id, session_key=cookie.value)
    return f"{poll_path(login_request.id)}?{urlencode(query)}"


def with_waiting_poll_middleware(middleware: list[str]) -> list[str]:
    """The site's middleware with WaitingPollMiddleware right after SecurityMiddleware."""
    security = "django.middleware.security.SecurityMiddleware"
    found = list(middleware)
    found.insert(found.index(security) + 1, "telegram_login.poll.middleware.WaitingPollMiddleware")
    return found


def po_entries(locale: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a Russian catalogue, multi-line strings joined."""
    text = (locale / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n")[1:]:
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif key and line.startswith('"'):
                fields[key] += line[1:-1]
        if fields.get("msgid"):
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            entries.append((fields["msgid"], msgstr))
    return entries


def assert_catalogue_complete(locale: Path) -> None:
    """Every message of a Russian catalogue is translated, and the compiled file says the same."""
    entries = po_entries(locale)
    assert len(entries) > 50
    assert [msgid for msgid, msgstr in entries if not msgstr] == []
    with (locale / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for msgid, msgstr in entries:
        assert compiled.gettext(msgid.replace('\\"', '"')) == msgstr.replace('\\"', '"'), msgid


def set_deadline(login_request: LoginRequest, expires_at: Any) -> None:
    """Move a request's deadline behind the services' back (as only a test does); its status
    mirror entry, which ends with the old deadline, goes too."""
    from telegram_login.poll import status_mirror

    LoginRequest.objects.filter(pk=login_request.pk).update(expires_at=expires_at)
    status_mirror.forget(request_ids=[login_request.pk])


def poll_path(request_id: Any) -> str:
    """The poll's path for a request id (no query)."""
    from django.urls import reverse

    return reverse("telegram_login_poll", args=[request_id])


FIREFOX_UA = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
OWNER_EMAIL = "owner@example.test"


def bot_messages(bot_api: Any, telegram: dict[str, Any]) -> list[Any]:
    """What the bot has said in its chat with `telegram`, as the chat shows it now."""
    return [m for m in bot_api.chat(telegram["id"]) if m.from_bot]


def buttons(message: Any) -> dict[str, str]:
    """A bot message's buttons: their text and callback data."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def press_button(
    bot_api: Any,
    post_update: Any,
    telegram_update: Any,
    telegram: dict[str, Any],
    message: Any,
    text: str,
) -> str:
    """Press `text` under `message` as `telegram`, as Telegram sends it; what the bot answered."""
    response = post_update(
        telegram_update(callback=(telegram, buttons(message)[text]), message_id=message.message_id)
    )
    return bot_api.callback_answers[response.json()["callback_query_id"]]["text"]


def signed_in(browser: Client) -> bool:
    return browser.get("/accounts/email/").status_code == HTTPStatus.OK
