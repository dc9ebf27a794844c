"""Serve the bot by long polling (getUpdates): a real bot in development, no public URL needed."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from telegram_login.bot.dispatcher import handle_update
from telegram_login.management.commands._bot import ALLOWED_UPDATES, configured_bot, telegram_failed
from telegram_login.messaging.client import TelegramError
from telegram_login.messaging.outbox import send_now

# Seconds before asking again for an update that could not be handled (the database or Redis away).
RETRY_PAUSE = 3


class Command(BaseCommand):
    help = "Receive updates by long polling and handle them like the webhook. Ctrl-C stops."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout", type=int, default=25, help="Long-poll seconds (default 25)."
        )
        parser.add_argument(
            "--delete-webhook",
            action="store_true",
            help="Remove a webhook that is set (Telegram allows one way of delivery at a time).",
        )
        parser.add_argument(
            "--max-rounds",
            type=int,
            default=0,
            help="Stop after this many getUpdates calls (0: never).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bot = configured_bot()
        try:
            webhook = bot.call("getWebhookInfo").get("url")
            if webhook and not options["delete_webhook"]:
                raise CommandError(
                    f"A webhook is set ({webhook}); Telegram will not deliver by polling. "
                    "Run again with --delete-webhook to remove it."
                )
            if webhook:
                bot.call("deleteWebhook")
                self.stdout.write(f"Webhook {webhook} deleted")
        except TelegramError as exc:
            raise telegram_failed(exc) from None
        self.stdout.write(self.style.SUCCESS("Polling for updates; Ctrl-C stops."))
        offset, rounds, handled = 0, 0, 0
        try:
            while not options["max_rounds"] or rounds < options["max_rounds"]:
                rounds += 1
                try:
                    updates = bot.call(
                        "getUpdates",
                        offset=offset,
                        timeout=options["timeout"],
                        allowed_updates=ALLOWED_UPDATES,
                        request_timeout=options["timeout"] + 10,
                    )
                except TelegramError as exc:
                    self.stderr.write(f"getUpdates failed: {exc.summary}")
                    time.sleep(min(exc.retry_after or 3, 30))
                    continue
                for update in updates or []:
                    reactions = handle_update(update)
                    if reactions.retry:
                        # Nothing was done (the database or Redis away): ask for it again.
                        time.sleep(RETRY_PAUSE)
                        break
                    if isinstance(update, dict) and isinstance(update.get("update_id"), int):
                        offset = max(offset, update["update_id"] + 1)
                    # The same path as after a webhook's answer (blocked bots, prompts).
                    send_now([*([reactions.reply] if reactions.reply else []), *reactions.later])
                    handled += 1
        except KeyboardInterrupt:
            self.stdout.write("")
        self.stdout.write(f"Stopped after {handled} update(s).")
