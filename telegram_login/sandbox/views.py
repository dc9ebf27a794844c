"""The sandbox page that plays the Telegram user: pick an identity, press Start, press buttons.

Every action becomes a real Bot API update posted to the real webhook view (through the whole
middleware stack), and the webhook's reply is applied to the fake Bot API as Telegram would. The
page behaves as Telegram does: START once per link, "/start" in the chat, the bot's answers to
button presses as toasts and alerts, RESTART after blocking, and the identity kept in its own
cookie (signing out of the site does not make you another Telegram user).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.handlers.wsgi import WSGIHandler
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.test.client import RequestFactory
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST

from telegram_login.conf import get_settings
from telegram_login.sandbox.fake_api import fake_bot_api
from telegram_login.signin.responses import HtmxHttpRequest

logger = logging.getLogger(__name__)

IDENTITY_COOKIE = "telegram_sandbox_user"
IDENTITY_SALT = "telegram_login.sandbox.identity"
IDENTITY_MAX_AGE = 30 * 24 * 3600
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("de", "Deutsch"), ("", "—")]


def sandbox_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not get_settings().played:
            raise Http404("The Telegram sandbox is off.")
        return view(request, *args, **kwargs)

    return login_not_required(wrapper)


def sandbox_user(request: HttpRequest) -> dict[str, Any] | None:
    try:
        user = signing.loads(
            request.COOKIES.get(IDENTITY_COOKIE, ""), salt=IDENTITY_SALT, max_age=IDENTITY_MAX_AGE
        )
    except signing.BadSignature:
        return None
    return user if isinstance(user, dict) and isinstance(user.get("id"), int) else None


def deliver_update(update: dict[str, Any], *, host: str) -> HttpResponseBase:
    """Post an update to the webhook as Telegram would, and apply its reply to the fake API."""
    conf = get_settings()
    request = RequestFactory().post(
        reverse("telegram_login_webhook"),
        data=json.dumps(update),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": conf.webhook_secret, "Host": host},
    )
    response = _handler().get_response(request)
    if response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.error("webhook answered %s to the sandbox", response.status_code)
    if isinstance(response, HttpResponse) and response.get("Content-Type", "").startswith(
        "application/json"
    ):
        reply = json.loads(response.content)
        method = reply.pop("method", None)
        if isinstance(method, str):
            status, body = fake_bot_api().handle(method, reply)
            if status != HTTPStatus.OK:
                logger.warning("webhook reply %s refused: %s", method, body.get("description"))
    return response


_wsgi_handler: WSGIHandler | None = None


def _handler() -> WSGIHandler:
    global _wsgi_handler
    if _wsgi_handler is None:
        _wsgi_handler = WSGIHandler()
    return _wsgi_handler


def _back(request: HttpRequest, start: str) -> str:
    """Where the identity forms return: the chat, or the page that showed them (the sandbox's
    Telegram login page), if it is on this site."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
        return next_url
    return _chat_url(start=start)


def _chat_url(*, start: str = "", answer: str = "") -> str:
    query = {key: value for key, value in (("start", start), ("answer", answer)) if value}
    url = reverse("telegram_login_sandbox")
    return f"{url}?{urlencode(query)}" if query else url


@sandbox_only
@require_GET
def chat(request: HtmxHttpRequest) -> HttpResponse:
    user = sandbox_user(request)
    api = fake_bot_api()
    revision = str(api.revision(user["id"])) if user else ""
    if request.htmx and request.GET.get("seen") == revision:
        # Nothing new in the chat: htmx keeps it as it is, scrolled where the person left it.
        return HttpResponse(status=HTTPStatus.NO_CONTENT)
    answer = api.callback_answers.get(request.GET.get("answer", ""))
    context = {
        "revision": revision,
        "user": user,
        "start": request.GET.get("start", ""),
        "answer": answer,
        "languages": LANGUAGES,
        "suggested_id": secrets.randbelow(9 * 10**9) + 10**9,
        "bot_username": get_settings().bot_username,
        "chat_messages": api.chat(user["id"]) if user else [],
        "blocked": user is not None and user["id"] in api.blocked,
    }
    template = (
        "telegram_login_sandbox/sandbox.html#chat-log"
        if request.htmx
        else "telegram_login_sandbox/sandbox.html"
    )
    return render(request, template, context)


@sandbox_only
@require_POST
def identity(request: HttpRequest) -> HttpResponse:
    """Play a Telegram user: id, names, username and language, as the Bot API would send them."""
    start = request.POST.get("start", "")
    try:
        user_id = int(request.POST.get("id", ""))
    except ValueError:
        user_id = 0
    first_name = request.POST.get("first_name", "").strip()[:64]
    if not (0 < user_id < 2**52) or not first_name:
        return redirect(_back(request, start))
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    for key in ("last_name", "username", "language_code"):
        value = request.POST.get(key, "").strip().lstrip("@")[:64]
        if value:
            user[key] = value
    response = redirect(_back(request, start))
    response.set_cookie(
        IDENTITY_COOKIE,
        signing.dumps(user, salt=IDENTITY_SALT),
        max_age=IDENTITY_MAX_AGE,
        httponly=True,
        samesite="Lax",
    )
    return response


@sandbox_only
@require_POST
def forget(request: HttpRequest) -> HttpResponse:
    response = redirect(_back(request, request.POST.get("start", "")))
    response.delete_cookie(IDENTITY_COOKIE, samesite="Lax")
    return response


def _says(request: HttpRequest, user: dict[str, Any], text: str, *, shown: str = "") -> None:
    message = fake_bot_api().user_says(user, text, shown=shown)
    deliver_update(
        {"update_id": fake_bot_api().next_update_id(), "message": message},
        host=request.get_host(),
    )


@sandbox_only
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    """The user sends a text. START sends "/start <token>", shows "/start" and goes away."""
    user = sandbox_user(request)
    start = request.POST.get("start", "")
    text = request.POST.get("text", "").strip()[:4096]
    if user and user["id"] in fake_bot_api().blocked:
        return redirect(_chat_url(start=start))
    if user and request.POST.get("press_start") and start:
        _says(request, user, f"/start {start}"[:4096], shown="/start")
        return redirect(_chat_url())
    if user and text:
        _says(request, user, text)
    return redirect(_chat_url(start=start))


@sandbox_only
@require_POST
def press(request: HttpRequest) -> HttpResponse:
    """The user presses an inline button under one of the bot's messages; the bot's answer to
    the press shows as Telegram shows it (a toast, or an alert)."""
    user = sandbox_user(request)
    try:
        message_id = int(request.POST.get("message_id", ""))
    except ValueError:
        message_id = 0
    message = fake_bot_api().bot_message(user["id"], message_id) if user else None
    if not (user and message):
        return redirect(_chat_url())
    query_id = secrets.token_hex(8)
    deliver_update(
        {
            "update_id": fake_bot_api().next_update_id(),
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": message,
                "chat_instance": str(user["id"]),
                "data": request.POST.get("data", "")[:64],
            },
        },
        host=request.get_host(),
    )
    return redirect(_chat_url(answer=query_id))


def _membership(request: HttpRequest, user: dict[str, Any], *, old: str, new: str) -> None:
    bot = fake_bot_api().bot
    deliver_update(
        {
            "update_id": fake_bot_api().next_update_id(),
            "my_chat_member": {
                "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                "from": user,
                "date": int(time.time()),
                "old_chat_member": {"status": old, "user": bot},
                "new_chat_member": {"status": new, "user": bot, "until_date": 0}
                if new == "kicked"
                else {"status": new, "user": bot},
            },
        },
        host=request.get_host(),
    )


@sandbox_only
@require_POST
def block(request: HttpRequest) -> HttpResponse:
    """The user blocks the bot: Telegram refuses the bot's messages and says so in an update."""
    user = sandbox_user(request)
    if user:
        fake_bot_api().block(user["id"])
        _membership(request, user, old="member", new="kicked")
    return redirect(_chat_url())


@sandbox_only
@require_POST
def restart(request: HttpRequest) -> HttpResponse:
    """RESTART in a blocked chat: Telegram unblocks the bot, tells it so, and sends /start."""
    user = sandbox_user(request)
    if user:
        fake_bot_api().unblock(user["id"])
        _membership(request, user, old="kicked", new="member")
        _says(request, user, "/start")
    return redirect(_chat_url())
