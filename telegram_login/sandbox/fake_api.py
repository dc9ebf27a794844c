"""An in-process fake Bot API: keeps the bot's chats and checks every call against the spec.

The real client reaches it through a requests transport adapter, so the sandbox exercises the
same client code as production; only the last hop (HTTPS to Telegram) is replaced. Servers in
other processes reach it over HTTP instead (fake_api_server.py).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import BaseAdapter

from telegram_login.sandbox.spec import call_problems


@dataclass
class SandboxMessage:
    message_id: int
    chat_id: int
    from_bot: bool
    text: str
    date: int
    reply_markup: dict[str, Any] | None = None
    edited: bool = False
    shown: str = ""

    @property
    def display_text(self) -> str:
        return self.shown or self.text

    def as_api(self, bot: dict[str, Any], user: dict[str, Any] | None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": {"id": self.chat_id, "type": "private"},
            "from": bot if self.from_bot else user,
            "text": self.text,
        }
        if self.reply_markup:
            message["reply_markup"] = self.reply_markup
        return message


@dataclass
class RecordedCall:
    method: str
    params: dict[str, Any]
    problems: list[str] = field(default_factory=list)


class FakeBotApi:
    def __init__(self, *, bot_username: str, bot_id: int = 100000001) -> None:
        self._lock = threading.Lock()
        self.bot = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Sign-in bot",
            "username": bot_username,
        }
        self.messages: dict[int, list[SandboxMessage]] = {}
        # Each chat's count of changes (a message sent or edited): the sandbox's page asks for
        # its chat again only when it changed.
        self.revisions: dict[int, int] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.calls: list[RecordedCall] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self._next_message_id = 1
        self._next_update_id = 1
        self.webhook: dict[str, Any] = {"url": ""}
        # Updates waiting for getUpdates (long polling), as Telegram would hold them.
        self.pending_updates: list[dict[str, Any]] = []

    # -- what the Telegram user does --------------------------------------------------------

    def next_update_id(self) -> int:
        """Increasing ids that stay unique across restarts (the webhook remembers handled ids)."""
        with self._lock:
            self._next_update_id = max(self._next_update_id + 1, time.time_ns() // 1_000_000)
            return self._next_update_id

    def user_says(self, user: dict[str, Any], text: str, *, shown: str = "") -> dict[str, Any]:
        """Store a message from the user; return it as the Bot API's Message object. `shown` is
        what the chat shows, if not the text itself (START sends "/start <token>" and shows
        "/start", as Telegram does)."""
        with self._lock:
            self.users[user["id"]] = user
            message = self._store(chat_id=user["id"], from_bot=False, text=text)
            message.shown = shown
            return message.as_api(self.bot, user)

    def allow_bot(self, user: dict[str, Any]) -> None:
        """The user let the bot write to them on Telegram's login page ("Allow @bot to send you
        messages", the telegram:bot_access scope): their chat with the bot exists from now on, as
        after /start, so that sendMessage reaches it."""
        with self._lock:
            self.users[user["id"]] = user

    def unblock(self, user_id: int) -> None:
        with self._lock:
            self.blocked.discard(user_id)

    def bot_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        with self._lock:
            for message in self.messages.get(chat_id, []):
                if message.message_id == message_id:
                    return message.as_api(self.bot, self.users.get(chat_id))
        return None

    def chat(self, chat_id: int) -> list[SandboxMessage]:
        with self._lock:
            return list(self.messages.get(chat_id, []))

    def revision(self, chat_id: int) -> int:
        with self._lock:
            return self.revisions.get(chat_id, 0)

    def block(self, user_id: int) -> None:
        with self._lock:
            self.blocked.add(user_id)

    # -- what the bot does (Bot API methods) ----------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        problems = call_problems(method, params)
        with self._lock:
            self.calls.append(RecordedCall(method, params, problems))
            if problems:
                return 400, api_error(400, "Bad Request: " + "; ".join(problems))
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                return 200, {"ok": True, "result": True}
            return handler(params)

    def _store(
        self, *, chat_id: int, from_bot: bool, text: str, reply_markup: Any = None
    ) -> SandboxMessage:
        message = SandboxMessage(
            message_id=self._next_message_id,
            chat_id=chat_id,
            from_bot=from_bot,
            text=text,
            date=int(time.time()),
            reply_markup=reply_markup,
        )
        self._next_message_id += 1
        self.messages.setdefault(chat_id, []).append(message)
        self.revisions[chat_id] = self.revisions.get(chat_id, 0) + 1
        return message

    def _api_getMe(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": self.bot}

    def _api_sendMessage(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = params["chat_id"]
        if chat_id in self.blocked:
            return 403, api_error(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.users:
            return 400, api_error(400, "Bad Request: chat not found")
        message = self._store(
            chat_id=chat_id,
            from_bot=True,
            text=params["text"],
            reply_markup=params.get("reply_markup"),
        )
        return 200, {"ok": True, "result": message.as_api(self.bot, self.users.get(int(chat_id)))}

    def _api_editMessageText(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id, message_id = int(params.get("chat_id") or 0), params.get("message_id")
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id and message.from_bot:
                if message.text == params["text"] and message.reply_markup == params.get(
                    "reply_markup"
                ):
                    return 400, api_error(400, "Bad Request: message is not modified")
                message.text = params["text"]
                message.reply_markup = params.get("reply_markup")
                message.edited = True
                self.revisions[chat_id] = self.revisions.get(chat_id, 0) + 1
                return 200, {
                    "ok": True,
                    "result": message.as_api(self.bot, self.users.get(chat_id)),
                }
        return 400, api_error(400, "Bad Request: message to edit not found")

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.callback_answers[params["callback_query_id"]] = params
        return 200, {"ok": True, "result": True}

    def _api_setWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.webhook = {"url": params["url"], "allowed_updates": params.get("allowed_updates", [])}
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}

    def _api_deleteWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.webhook = {"url": ""}
        return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}

    def _api_getUpdates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.webhook.get("url"):
            return 409, api_error(
                409, "Conflict: can't use getUpdates method while webhook is active"
            )
        offset = params.get("offset", 0)
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        return 200, {"ok": True, "result": list(self.pending_updates)}

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {
            "ok": True,
            "result": {**self.webhook, "has_custom_certificate": False, "pending_update_count": 0},
        }


def api_error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


class FakeBotApiAdapter(BaseAdapter):
    """A requests transport that answers Bot API calls from a FakeBotApi, without a socket."""

    def __init__(self, api: FakeBotApi, token: str) -> None:
        super().__init__()
        self.api = api
        self.token = token

    def send(  # type: ignore[override]  # the transport options mean nothing in process
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        path = (request.path_url or "").split("?", 1)[0]
        _, _, rest = path.partition("/bot")
        token, _, method = rest.rpartition("/")
        if token != self.token:
            status, body = 401, api_error(401, "Unauthorized")
        else:
            try:
                params = json.loads(request.body or b"{}")
            except ValueError:
                params = None
            if not isinstance(params, dict):
                status, body = 400, api_error(400, "Bad Request: body is not a JSON object")
            else:
                status, body = self.api.handle(method, params)
        return answer_in_process(
            request, status, json.dumps(body).encode(), {"Content-Type": "application/json"}
        )

    def close(self) -> None:
        pass


def answer_in_process(
    request: requests.PreparedRequest, status: int, content: bytes, headers: dict[str, str]
) -> requests.Response:
    """A requests Response made in this process, as a transport adapter returns it."""
    response = requests.Response()
    response.status_code = status
    response._content = content
    response._content_consumed = True  # type: ignore[attr-defined]
    response.headers.update(headers)
    response.url = request.url or ""
    response.request = request
    response.encoding = "utf-8"
    return response


_api: FakeBotApi | None = None
_api_lock = threading.Lock()


def fake_bot_api() -> FakeBotApi:
    """The process's fake Bot API (the sandbox lives in one process: DEBUG's runserver)."""
    global _api
    with _api_lock:
        if _api is None:
            from telegram_login.conf import get_settings

            _api = FakeBotApi(bot_username=get_settings().bot_username)
        return _api


def reset_fake_bot_api() -> FakeBotApi:
    """A fresh fake Bot API for the process (a test's own chats, none of the last test's)."""
    global _api
    with _api_lock:
        _api = None
    return fake_bot_api()


def mount_fake_bot_api(session: requests.Session, base_url: str, token: str) -> None:
    session.mount(base_url + "/", FakeBotApiAdapter(fake_bot_api(), token))


def mount_for_sandbox(session: requests.Session, conf: Any) -> None:
    """The client's session hook: with the sandbox on, Bot API calls go to the fake one."""
    if conf.played:
        mount_fake_bot_api(session, conf.api_base_url, conf.bot_token)
