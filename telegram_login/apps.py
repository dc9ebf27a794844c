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
        # Connects receivers and registers checks; the site's settings are the site's (its
        # allauth adapters must carry the Telegram account rules: checks.py).
        from telegram_login import checks, receivers  # noqa: F401
        from telegram_login.conf import get_settings, validate
        from telegram_login.linking import reauthentication  # noqa: F401
        from telegram_login.messaging import tasks  # noqa: F401
        from telegram_login.oidc import checks as oidc_checks  # noqa: F401  register its checks
        from telegram_login.oidc.conf import get_oidc_settings
        from telegram_login.oidc.conf import validate as validate_oidc

        # Edit prompts when their requests settle; plug themselves and the queue into sending.
        from telegram_login.security import (
            account_changes,
            prompts,  # noqa: F401
        )

        account_changes.connect_mfa()
        conf = get_settings()
        validate(conf, debug=settings.DEBUG)
        validate_oidc(get_oidc_settings(), debug=settings.DEBUG)
        logger = logging.getLogger(__name__)
        if conf.confirm_mode == "button" and not settings.DEBUG:
            logger.warning(checks.BUTTON_MODE_WARNING)
