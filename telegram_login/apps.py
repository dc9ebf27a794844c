"""App config: checks the Telegram settings when Django starts."""

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class TelegramLoginConfig(AppConfig):
    name = "telegram_login"
    verbose_name = _("Telegram sign-in")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers the system checks
        from .conf import get_settings, validate

        validate(get_settings(), debug=settings.DEBUG)
