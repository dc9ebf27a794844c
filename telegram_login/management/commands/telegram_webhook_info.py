"""Show the bot's webhook as Telegram sees it, and check the bot is the one configured."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from telegram_login.conf import get_settings
from telegram_login.management.commands._bot import configured_bot, telegram_failed
from telegram_login.messaging.client import TelegramError


class Command(BaseCommand):
    help = "Show the webhook (getWebhookInfo) and check the bot's username (getMe)."

    def handle(self, *args: Any, **options: Any) -> None:
        bot = configured_bot()
        try:
            me = bot.get_me()
            info = bot.call("getWebhookInfo")
        except TelegramError as exc:
            raise telegram_failed(exc) from None
        expected = get_settings().bot_username
        self.stdout.write(f"Bot: @{me.get('username')} (id {me.get('id')})")
        self.stdout.write(f"Webhook URL: {info.get('url') or '(none: long polling)'}")
        self.stdout.write(f"Pending updates: {info.get('pending_update_count', 0)}")
        if info.get("allowed_updates"):
            self.stdout.write(f"Updates: {', '.join(info['allowed_updates'])}")
        if info.get("last_error_date"):
            when = datetime.fromtimestamp(info["last_error_date"], tz=UTC).isoformat()
            self.stdout.write(f"Last error: {when} {info.get('last_error_message', '')}")
        else:
            self.stdout.write("Last error: none")
        if (me.get("username") or "").lower() != expected.lower():
            raise CommandError(
                f"TELEGRAM_LOGIN_BOT_USERNAME is {expected!r} but the token belongs to "
                f"@{me.get('username')}: the sign-in links would open the wrong bot."
            )
