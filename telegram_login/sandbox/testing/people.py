"""The Telegram users the kit plays, and what their bot says to them."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

# Ids unique within a run and, run to run, unlikely to meet those a staging site already has.
_telegram_ids = itertools.count(secrets.randbelow(4 * 10**6) * 1000 + 10**9)


@dataclass
class TelegramUser:
    """A Telegram user: `TelegramUser(first_name="Ada", language_code="ru")`. `id` is new for
    each user unless given; `language_code` is the Telegram app's language, which the bot
    speaks."""

    first_name: str = "Alice"
    last_name: str = ""
    username: str = ""
    language_code: str = "en"
    id: int = field(default_factory=lambda: next(_telegram_ids))

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def as_api(self) -> dict[str, Any]:
        """As the Bot API sends it (a `User` object)."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user


@dataclass(frozen=True)
class BotMessage:
    """A message of the bot as the chat shows it now (edits included): its text and its inline
    buttons, row by row."""

    message_id: int
    text: str
    buttons: list[list[str]]
    edited: bool = False

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text in row]

    def __contains__(self, text: str) -> bool:
        return text in self.text

    def __str__(self) -> str:
        return self.text


def as_bot_message(message: Any) -> BotMessage:
    """A fake Bot API's SandboxMessage as a BotMessage."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return BotMessage(
        message_id=message.message_id,
        text=message.text,
        buttons=[[button["text"] for button in row] for row in rows],
        edited=message.edited,
    )
