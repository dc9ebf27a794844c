"""What the bot's management commands share: the configured client and error reporting."""

from __future__ import annotations

from django.core.management.base import CommandError

from telegram_login.conf import get_settings
from telegram_login.messaging.client import BotClient, TelegramError, get_bot

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def configured_bot() -> BotClient:
    if not get_settings().enabled:
        raise CommandError(
            "No bot is configured: set TELEGRAM_LOGIN_BOT_TOKEN, TELEGRAM_LOGIN_BOT_USERNAME and "
            "TELEGRAM_LOGIN_WEBHOOK_SECRET."
        )
    return get_bot()


def telegram_failed(exc: TelegramError) -> CommandError:
    return CommandError(f"Telegram refused {exc.method}: {exc.summary}")
