"""What `make run` prints before the development server starts: where to go, and who plays
Telegram and the mailbox while no real ones are configured."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from telegram_login.conf import get_settings

CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"


class Command(BaseCommand):
    help = "Print where the development site is and what stands in for Telegram and the mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="The address runserver serves, e.g. http://127.0.0.1:8000")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        url = url.rstrip("/")
        conf = get_settings()
        lines = [f"The site: {url}/  (sign in: {url}/accounts/login/)"]
        if conf.played:
            lines.append(
                f"Telegram is played by the sandbox (no bot configured): {url}/telegram/sandbox/"
            )
            lines.append("  'Open Telegram' on the sign-in page leads there; pick who you are.")
        if settings.EMAIL_BACKEND == CONSOLE_MAIL:
            lines.append(
                "Mails (address confirmations, needed to connect Telegram) are printed in this"
                " terminal."
            )
        lines.append("Another address: make run HOST=0.0.0.0 PORT=8001. Stop: Ctrl+C.")
        width = max(len(line) for line in lines)
        rule = "-" * min(width, 100)
        self.stdout.write("\n".join([rule, *lines, rule]))
