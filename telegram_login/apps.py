"""App config: connects the app's receivers and registers its system checks (checks.py)."""

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class TelegramLoginConfig(AppConfig):
    name = "telegram_login"
    verbose_name = _("Telegram sign-in")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers and checks only: the site's settings are the site's (its allauth adapters
        # must carry the Telegram account rules: checks.py says so).
        from telegram_login import receivers  # noqa: F401
        from telegram_login.checks import check_telegram_settings
        from telegram_login.linking import reauthentication  # noqa: F401
        from telegram_login.messaging import tasks  # noqa: F401

        # Edit prompts when their requests settle; plug themselves and the queue into sending.
        from telegram_login.security import (
            account_changes,
            prompts,  # noqa: F401
        )

        account_changes.connect_mfa()
        checks.register(check_telegram_settings, checks.Tags.security)
