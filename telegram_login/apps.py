"""App config: checks the Telegram settings when Django starts."""

import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class TelegramLoginConfig(AppConfig):
    name = "telegram_login"
    verbose_name = _("Telegram sign-in")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, reauthentication, receivers  # noqa: F401  register checks, signals
        from .bot import prompts  # noqa: F401  edits prompts when their requests settle
        from .conf import get_settings, validate

        conf = get_settings()
        validate(conf, debug=settings.DEBUG)
        logger = logging.getLogger(__name__)
        if conf.confirm_mode == "button" and not settings.DEBUG:
            logger.warning(checks.BUTTON_MODE_WARNING)
        if conf.sandbox and not settings.DEBUG:
            logger.warning(checks.SANDBOX_WARNING)
