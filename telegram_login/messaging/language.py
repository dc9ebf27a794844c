"""The language the bot speaks to a Telegram user: Russian for Russian clients, else English."""

from __future__ import annotations


def bot_language_code(language_code: str | None) -> str:
    """Telegram's `language_code` (an IETF tag such as "ru" or "ru-RU") to a site language."""
    code = (language_code or "").lower()
    return "ru" if code == "ru" or code.startswith("ru-") else "en"
