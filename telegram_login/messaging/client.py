"""The one Bot API client: JSON POSTs over a shared requests.Session, with timeouts."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from telegram_login.conf import TelegramLoginSettings, get_settings

logger = logging.getLogger(__name__)

# Methods that do the same thing when sent twice, so a 5xx or a timeout may be retried.
IDEMPOTENT_METHODS = frozenset(
    {
        "getMe",
        "getWebhookInfo",
        "setWebhook",
        "deleteWebhook",
        "editMessageText",
        "answerCallbackQuery",
        "getUpdates",
    }
)


@dataclass(frozen=True)
class BotCall:
    """One Bot API method call; sent by the client, or returned in a webhook response body."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)
    # A consent prompt for this login request: once sent, its message id is kept (bot/prompts.py).
    prompt_of: uuid.UUID | None = field(default=None, compare=False)

    def as_webhook_reply(self) -> dict[str, Any]:
        return {"method": self.method, **self.params}


class TelegramError(Exception):
    """Telegram refused a call, or could not be reached (then `error_code` is None)."""

    def __init__(
        self,
        description: str,
        *,
        method: str,
        error_code: int | None = None,
        retry_after: int | None = None,
        reached: bool = True,
    ) -> None:
        self.method = method
        # False when the request never got to Telegram (so repeating it cannot do anything twice).
        self.reached = reached
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        super().__init__(f"{method}: {self.summary}")

    @property
    def summary(self) -> str:
        """ "403 Forbidden: bot was blocked by the user", or "no answer ConnectTimeout"."""
        return f"{self.error_code or 'no answer'} {self.description}"

    @property
    def bot_blocked(self) -> bool:
        """Telegram refuses to deliver to this chat (the user blocked the bot, or is gone)."""
        return self.error_code == 403

    @property
    def rate_limited(self) -> bool:
        return self.error_code == 429

    @property
    def not_modified(self) -> bool:
        """An edit that would change nothing: the message already says it."""
        return self.error_code == 400 and "message is not modified" in self.description


class BotClient:
    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        timeout: float = 5.0,
        session: requests.Session | None = None,
        max_retries: int = 2,
        max_retry_after: float = 5.0,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}/"
        self._timeout = timeout
        self.session = session or requests.Session()
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.backoff = backoff
        self._sleep = sleep

    def call(
        self,
        method: str,
        *,
        request_timeout: float | None = None,
        retry: bool = True,
        **params: Any,
    ) -> Any:
        """Call `method`; return its `result` or raise TelegramError. Never logs the token.

        Retries, a bounded number of times: a 429 after its `retry_after` (if short), a request
        that never reached Telegram, and a 5xx or timeout of a method that is safe to repeat.
        `retry=False` makes one attempt only, for a caller that retries later by itself (the
        bot's message queue, tasks.py), so that no thread sleeps here.
        """
        attempt = 0
        while True:
            try:
                return self._call_once(method, params, request_timeout)
            except TelegramError as exc:
                attempt += 1
                delay = self._retry_delay(exc, method, attempt) if retry else None
                if delay is None:
                    raise
                logger.info(
                    "%s: retrying in %.1fs after %s",
                    method,
                    delay,
                    exc.error_code or exc.description,
                )
                self._sleep(delay)

    def _retry_delay(self, exc: TelegramError, method: str, attempt: int) -> float | None:
        if attempt > self.max_retries:
            return None
        if exc.error_code == 429:
            wait = exc.retry_after if exc.retry_after is not None else 1
            return float(wait) if wait <= self.max_retry_after else None
        backoff = self.backoff * 2 ** (attempt - 1)
        if exc.error_code is None and not exc.reached:
            return backoff
        server_side = exc.error_code is None or exc.error_code >= 500
        if server_side and method in IDEMPOTENT_METHODS:
            return backoff
        return None

    def _call_once(self, method: str, params: dict[str, Any], request_timeout: float | None) -> Any:
        timeout = request_timeout or self._timeout
        try:
            response = self.session.post(
                self._url + method, json=params, timeout=(min(timeout, 3.05), timeout)
            )
        except requests.RequestException as exc:
            # The exception text holds the URL, and the URL holds the bot token: drop it.
            raise TelegramError(
                type(exc).__name__, method=method, reached=not _never_sent(exc)
            ) from None
        try:
            body = response.json()
        except ValueError:
            raise TelegramError(
                f"HTTP {response.status_code} without a JSON body",
                method=method,
                error_code=response.status_code,
            ) from None
        if not isinstance(body, dict):
            raise TelegramError("answer is not a JSON object", method=method)
        if body.get("ok") is True:
            return body.get("result")
        parameters = body.get("parameters")
        if not isinstance(parameters, dict):
            parameters = {}
        retry_after = parameters.get("retry_after")
        error_code = body.get("error_code")
        raise TelegramError(
            str(body.get("description") or "unknown error"),
            method=method,
            error_code=error_code if isinstance(error_code, int) else response.status_code,
            retry_after=retry_after if isinstance(retry_after, int) else None,
        )

    def send(self, call: BotCall, *, retry: bool = True) -> Any:
        return self.call(call.method, retry=retry, **call.params)

    def get_me(self) -> dict[str, Any]:
        return self.call("getMe")


def _never_sent(exc: requests.RequestException) -> bool:
    """True if the request cannot have reached Telegram (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


_local = threading.local()
# Called with each new requests.Session and the settings: an app that plays Telegram mounts
# its Bot API here (hooks.py), so this module never imports it.
session_hooks: list[Callable[[requests.Session, TelegramLoginSettings], None]] = []


def get_bot() -> BotClient:
    """The client for the configured bot; one requests.Session per thread, reused."""
    conf = get_settings()
    cached: tuple[TelegramLoginSettings, BotClient] | None = getattr(_local, "bot", None)
    if cached is None or cached[0] is not conf:
        session = requests.Session()
        for hook in session_hooks:
            hook(session, conf)
        client = BotClient(
            token=conf.bot_token,
            base_url=conf.api_base_url,
            timeout=conf.api_timeout,
            session=session,
            backoff=conf.api_retry_backoff,
        )
        _local.bot = (conf, client)
        return client
    return cached[1]
