"""Point the bot's webhook at this site, with the secret and only the updates we handle, set the
bot's command menu in both languages, and (--mini-app) its menu button to open the site as the
bot's Mini App."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import translation

from telegram_login.bot import session_list_messages
from telegram_login.conf import get_settings
from telegram_login.management.commands._bot import ALLOWED_UPDATES, configured_bot, telegram_failed
from telegram_login.messaging.client import TelegramError

# "" is the default list (English); "ru" is what Russian Telegram clients show.
COMMAND_LANGUAGES = ("", "ru")


class Command(BaseCommand):
    help = (
        "Register https://<domain>/telegram/webhook/ as the bot's webhook (setWebhook) and the "
        "bot's commands in English and Russian (setMyCommands)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--url", help="The full webhook URL (default: built from --domain).")
        group.add_argument(
            "--domain", help="The site's public domain (default: the first ALLOWED_HOSTS entry)."
        )
        parser.add_argument(
            "--mini-app",
            metavar="URL",
            help=(
                "Set the bot's menu button to open this HTTPS page of the site (its sign-in "
                "page, say) as the bot's Mini App (setChatMenuButton)."
            ),
        )
        parser.add_argument(
            "--mini-app-text",
            default="Open",
            help="The menu button's text (default: Open).",
        )
        parser.add_argument(
            "--drop-pending-updates",
            action="store_true",
            help="Drop the updates Telegram is still holding for the bot.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bot = configured_bot()
        url = options["url"] or self._url_for(options["domain"])
        if not url.startswith("https://"):
            raise CommandError(f"Telegram only calls HTTPS webhooks; {url} is not one.")
        params: dict[str, Any] = {
            "url": url,
            "secret_token": get_settings().webhook_secret,
            "allowed_updates": ALLOWED_UPDATES,
        }
        if options["drop_pending_updates"]:
            params["drop_pending_updates"] = True
        mini_app = options["mini_app"]
        if mini_app and not mini_app.startswith("https://"):
            raise CommandError(
                f"Telegram opens only HTTPS pages as Mini Apps; {mini_app} is not one."
            )
        if not params["secret_token"]:
            raise CommandError(
                "Set TELEGRAM_LOGIN_WEBHOOK_SECRET first: the webhook refuses calls without it."
            )
        try:
            bot.call("setWebhook", **params)
            # English for everyone, Russian for Russian clients (the bot's two languages).
            for language in COMMAND_LANGUAGES:
                with translation.override(language or "en"):
                    bot.send(session_list_messages.my_commands(language_code=language))
            if mini_app:
                button = {
                    "type": "web_app",
                    "text": options["mini_app_text"],
                    "web_app": {"url": mini_app},
                }
                bot.call("setChatMenuButton", menu_button=button)
        except TelegramError as exc:
            raise telegram_failed(exc) from None
        self.stdout.write(self.style.SUCCESS(f"Webhook set to {url}"))
        self.stdout.write(f"Updates: {', '.join(ALLOWED_UPDATES)}")
        commands = ", ".join(f"/{command}" for command, _ in session_list_messages.BOT_COMMANDS)
        self.stdout.write(f"Commands: {commands} (English, Russian)")
        if mini_app:
            self.stdout.write(f"Menu button: {options['mini_app_text']} opens {mini_app}")

    def _url_for(self, domain: str | None) -> str:
        if not domain:
            hosts = [
                h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")
            ]
            if not hosts:
                raise CommandError("Give --url or --domain: ALLOWED_HOSTS has no usable host name.")
            domain = hosts[0]
        return f"https://{domain}{reverse('telegram_login_webhook')}"
