"""Remove the bot's webhook (for long polling, or to take the site off Telegram)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from telegram_login.management.commands._bot import configured_bot, telegram_failed
from telegram_login.messaging.client import TelegramError


class Command(BaseCommand):
    help = "Delete the bot's webhook (deleteWebhook)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--drop-pending-updates",
            action="store_true",
            help="Drop the updates Telegram is still holding for the bot.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bot = configured_bot()
        params = {"drop_pending_updates": True} if options["drop_pending_updates"] else {}
        try:
            bot.call("deleteWebhook", **params)
        except TelegramError as exc:
            raise telegram_failed(exc) from None
        self.stdout.write(self.style.SUCCESS("Webhook deleted"))
