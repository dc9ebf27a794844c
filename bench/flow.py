"""A browser that starts a sign-in and polls, and a Telegram user whose updates reach the webhook."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass
from typing import Any

from .client import Connection, Response
from .stack import BOT_USERNAME, WEBHOOK_SECRET, FakeTelegram

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0 Safari/537.36"
START_PATH = "/accounts/telegram-login/login/"
WEBHOOK_PATH = "/telegram/webhook/"
TOKEN_RE = re.compile(r"https://t\.me/" + BOT_USERNAME + r"\?start=([A-Za-z0-9_-]{43})")
POLL_RE = re.compile(r'hx-get="([^"]+)"')
CODE_RE = re.compile(r'data-testid="match-code">(\d+)<')

_ids = itertools.count(1)
_ids_lock = threading.Lock()


def next_id() -> int:
    with _ids_lock:
        return next(_ids)


class BenchError(Exception):
    """The site answered something a working sign-in never gets."""


def expect(response: Response, *statuses: int) -> Response:
    if response.status not in statuses:
        raise BenchError(f"HTTP {response.status}, expected {statuses}: {response.text[-500:]}")
    return response


@dataclass
class SignIn:
    token: str
    poll_path: str
    code: str


class Browser:
    """One browser behind the TLS proxy: its own cookies, on a keep-alive connection it is given.

    It makes up its own CSRF cookie (as Django would have set on the login page) so that a
    sign-in costs the requests of the flow and not a login page render.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.cookies: dict[str, str] = {"csrftoken": csrf}
        n = next_id()
        self.address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "User-Agent": UA,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **extra,
        }

    def request(self, method: str, path: str, body: bytes = b"", **headers: str) -> Response:
        response = self.connection.request(method, path, self.headers(**headers), body)
        self.cookies.update(response.cookies)
        return response

    def start(self) -> SignIn:
        response = self.request(
            "POST",
            START_PATH,
            b"process=login",
            **{
                "Content-Type": "application/x-www-form-urlencoded",
                "HX-Request": "true",
                "X-CSRFToken": self.cookies["csrftoken"],
                "Referer": "https://127.0.0.1/accounts/login/",
            },
        )
        text = expect(response, 200).text
        token, poll, code = TOKEN_RE.search(text), POLL_RE.search(text), CODE_RE.search(text)
        if token is None or poll is None or code is None:
            raise BenchError(f"no sign-in widget: {text[-500:]}")
        return SignIn(token.group(1), poll.group(1).replace("&amp;", "&"), code.group(1))

    def poll(self, sign_in: SignIn) -> Response:
        """One htmx poll; a swapped widget brings the next poll URL, as htmx would follow it."""
        response = expect(
            self.request("GET", sign_in.poll_path, **{"HX-Request": "true"}), 200, 204
        )
        if response.status == 200 and "hx-redirect" not in response.headers:
            found = POLL_RE.search(response.text)
            if found:
                sign_in.poll_path = found.group(1).replace("&amp;", "&")
        return response

    def raw_poll(self, sign_in: SignIn) -> bytes:
        """The poll as prepared bytes, for the throughput runs."""
        head = [
            f"GET {sign_in.poll_path} HTTP/1.1",
            "Host: 127.0.0.1",
            *(f"{k}: {v}" for k, v in self.headers(**{"HX-Request": "true"}).items()),
        ]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")


class TelegramUser:
    """A Telegram user in a private chat with the bot; Telegram posts its updates to the site."""

    def __init__(self, connection: Connection, telegram: FakeTelegram, *, n: int = 0) -> None:
        """A new Telegram user, or with `n` the same user every time (a returning one)."""
        self.connection = connection
        self.telegram = telegram
        n = n or next_id()
        self.user = {"id": 7_000_000 + n, "is_bot": False, "first_name": f"Bench{n}"}
        self.chat = {
            "id": self.user["id"],
            "type": "private",
            "first_name": self.user["first_name"],
        }
        self.prompt: dict[str, Any] | None = None
        # How long the webhook took to answer each update, in seconds.
        self.latencies: list[float] = []

    def _send(self, update: dict[str, Any]) -> dict[str, Any] | None:
        body = json.dumps({"update_id": self.telegram.api.next_update_id(), **update}).encode()
        started = time.perf_counter()
        response = self.connection.request(
            "POST",
            WEBHOOK_PATH,
            {
                "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
                "X-Forwarded-Proto": "https",
                "Content-Type": "application/json",
            },
            body,
        )
        self.latencies.append(time.perf_counter() - started)
        expect(response, 200)
        if response.headers.get("content-type") != "application/json":
            return None
        return json.loads(response.body)

    def press_start(self, token: str, *, wait: float = 10.0) -> None:
        message = self.telegram.api.user_says(self.user, f"/start {token}")
        self._send({"message": {**message, "chat": self.chat, "from": self.user}})
        # The prompt goes out through the Bot API just after the webhook has answered: the
        # first message after /start with the code buttons (a returning user's chat also
        # holds earlier sign-ins' messages, with their session buttons).
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            prompts = [
                m
                for m in self.telegram.api.chat(self.user["id"])
                if m.message_id > message["message_id"] and _has_code_buttons(m.reply_markup)
            ]
            if prompts:
                self.prompt = prompts[0].as_api(self.telegram.api.bot, self.user)
                return
            time.sleep(0.005)
        raise BenchError(f"no prompt for /start within {wait:.0f} s")

    def press_code(self, code: str) -> None:
        assert self.prompt is not None
        buttons = self.prompt["reply_markup"]["inline_keyboard"][0]
        button = next((b for b in buttons if b["text"] == code), None)
        if button is None:
            raise BenchError(f"code {code} is not among {buttons}")
        reply = self._send(
            {
                "callback_query": {
                    "id": f"cq-{self.user['id']}-{next_id()}",
                    "from": self.user,
                    "chat_instance": "1",
                    "data": button["callback_data"],
                    "message": {
                        "message_id": self.prompt["message_id"],
                        "date": self.prompt["date"],
                        "chat": self.chat,
                        "text": self.prompt["text"],
                    },
                }
            }
        )
        if reply is None or reply.get("method") != "answerCallbackQuery":
            raise BenchError(f"no answer to the press: {reply}")
        if "Confirmed" not in reply.get("text", ""):
            raise BenchError(f"press not confirmed: {reply}")


def _has_code_buttons(markup: dict[str, Any] | None) -> bool:
    rows = (markup or {}).get("inline_keyboard") or []
    return any(button.get("text", "").isdigit() for row in rows for button in row)
