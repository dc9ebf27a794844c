"""The sandbox page that plays the Telegram user: pick an identity, press Start, press buttons.

Every action becomes a real Bot API update posted to the real webhook view (through the whole
middleware stack), and the webhook's reply is applied to the fake Bot API as Telegram would.
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
from django.core.handlers.wsgi import WSGIHandler
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.test.client import RequestFactory
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from ..conf import get_settings
from .fake_api import fake_bot_api

logger = logging.getLogger(__name__)

SESSION_USER_KEY = "telegram_sandbox_user"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("de", "Deutsch"), ("", "not set")]


def sandbox_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not get_settings().sandbox:
            raise Http404("The Telegram sandbox is off.")
        return view(request, *args, **kwargs)

    return login_not_required(wrapper)


def sandbox_user(request: HttpRequest) -> dict[str, Any] | None:
    user = request.session.get(SESSION_USER_KEY)
    return user if isinstance(user, dict) and isinstance(user.get("id"), int) else None


def deliver_update(update: dict[str, Any], *, host: str) -> HttpResponse:
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
    if response.get("Content-Type", "").startswith("application/json"):
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


def _chat_url(request: HttpRequest) -> str:
    start = request.POST.get("start") or request.GET.get("start") or ""
    url = reverse("telegram_login_sandbox")
    return f"{url}?{urlencode({'start': start})}" if start else url


@sandbox_only
@require_GET
def chat(request: HttpRequest) -> HttpResponse:
    user = sandbox_user(request)
    start = request.GET.get("start", "")
    context = {
        "user": user,
        "start": start,
        "languages": LANGUAGES,
        "suggested_id": secrets.randbelow(9 * 10**9) + 10**9,
        "bot_username": get_settings().bot_username,
        "chat_messages": fake_bot_api().chat(user["id"]) if user else [],
    }
    template = (
        "telegram_login/sandbox.html#chat-log" if request.htmx else "telegram_login/sandbox.html"
    )
    return render(request, template, context)


@sandbox_only
@require_POST
def identity(request: HttpRequest) -> HttpResponse:
    """Play a Telegram user: id, names, username and language, as the Bot API would send them."""
    try:
        user_id = int(request.POST.get("id", ""))
    except ValueError:
        user_id = 0
    first_name = request.POST.get("first_name", "").strip()[:64]
    if not (0 < user_id < 2**52) or not first_name:
        return redirect(_chat_url(request))
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    for key in ("last_name", "username", "language_code"):
        value = request.POST.get(key, "").strip().lstrip("@")[:64]
        if value:
            user[key] = value
    request.session[SESSION_USER_KEY] = user
    return redirect(_chat_url(request))


@sandbox_only
@require_POST
def forget(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_USER_KEY, None)
    return redirect(_chat_url(request))


@sandbox_only
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    """The user sends a text (the Start button sends "/start <token>")."""
    user = sandbox_user(request)
    text = request.POST.get("text", "").strip()[:4096]
    if user and text:
        message = fake_bot_api().user_says(user, text)
        deliver_update(
            {"update_id": fake_bot_api().next_update_id(), "message": message},
            host=request.get_host(),
        )
    return redirect(_chat_url(request))


@sandbox_only
@require_POST
def press(request: HttpRequest) -> HttpResponse:
    """The user presses an inline button under one of the bot's messages."""
    user = sandbox_user(request)
    try:
        message_id = int(request.POST.get("message_id", ""))
    except ValueError:
        message_id = 0
    message = fake_bot_api().bot_message(user["id"], message_id) if user else None
    if user and message:
        deliver_update(
            {
                "update_id": fake_bot_api().next_update_id(),
                "callback_query": {
                    "id": secrets.token_hex(8),
                    "from": user,
                    "message": message,
                    "chat_instance": str(user["id"]),
                    "data": request.POST.get("data", "")[:64],
                },
            },
            host=request.get_host(),
        )
    return redirect(_chat_url(request))


@sandbox_only
@require_POST
def block(request: HttpRequest) -> HttpResponse:
    """The user blocks the bot: Telegram refuses the bot's messages and says so in an update."""
    user = sandbox_user(request)
    if user:
        fake_bot_api().block(user["id"])
        deliver_update(
            {
                "update_id": fake_bot_api().next_update_id(),
                "my_chat_member": {
                    "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": fake_bot_api().bot},
                    "new_chat_member": {
                        "status": "kicked",
                        "user": fake_bot_api().bot,
                        "until_date": 0,
                    },
                },
            },
            host=request.get_host(),
        )
    return redirect(_chat_url(request))
