"""The one Bot API client: JSON POSTs over a shared requests.Session, with timeouts."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import requests

from ..conf import TelegramLoginSettings, get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotCall:
    """One Bot API method call; sent by the client, or returned in a webhook response body."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)

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
    ) -> None:
        super().__init__(f"{method}: {error_code or 'no answer'} {description}")
        self.method = method
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    @property
    def bot_blocked(self) -> bool:
        return self.error_code == 403

    @property
    def rate_limited(self) -> bool:
        return self.error_code == 429


class BotClient:
    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        timeout: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}/"
        self._timeout = timeout
        self.session = session or requests.Session()

    def call(self, method: str, **params: Any) -> Any:
        """Call `method`; return its `result` or raise TelegramError. Never logs the token."""
        try:
            response = self.session.post(
                self._url + method, json=params, timeout=(min(self._timeout, 3.05), self._timeout)
            )
        except requests.RequestException as exc:
            # The exception text holds the URL, and the URL holds the bot token.
            raise TelegramError(type(exc).__name__, method=method) from None
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
        parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
        retry_after = parameters.get("retry_after")
        raise TelegramError(
            str(body.get("description") or "unknown error"),
            method=method,
            error_code=body.get("error_code") if isinstance(body.get("error_code"), int) else None,
            retry_after=retry_after if isinstance(retry_after, int) else None,
        )

    def send(self, call: BotCall) -> Any:
        return self.call(call.method, **call.params)

    def get_me(self) -> dict[str, Any]:
        return self.call("getMe")

    def send_message(self, *, chat_id: int, text: str, **params: Any) -> dict[str, Any]:
        return self.call("sendMessage", chat_id=chat_id, text=text, **params)

    def edit_message_text(self, *, chat_id: int, message_id: int, text: str, **params: Any) -> Any:
        return self.call(
            "editMessageText", chat_id=chat_id, message_id=message_id, text=text, **params
        )

    def answer_callback_query(self, *, callback_query_id: str, **params: Any) -> bool:
        return self.call("answerCallbackQuery", callback_query_id=callback_query_id, **params)


_local = threading.local()


def get_bot() -> BotClient:
    """The client for the configured bot; one requests.Session per thread, reused."""
    conf = get_settings()
    cached: tuple[TelegramLoginSettings, BotClient] | None = getattr(_local, "bot", None)
    if cached is None or cached[0] is not conf:
        session = requests.Session()
        if conf.sandbox:
            from ..sandbox.fake_api import mount_fake_bot_api

            mount_fake_bot_api(session, conf.api_base_url, conf.bot_token)
        client = BotClient(
            token=conf.bot_token,
            base_url=conf.api_base_url,
            timeout=conf.api_timeout,
            session=session,
        )
        _local.bot = (conf, client)
        return client
    return cached[1]
