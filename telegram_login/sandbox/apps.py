"""The Telegram sandbox as an app of its own: the example site installs it in DEBUG (or with
TELEGRAM_SANDBOX=true); nothing in the runtime path imports it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramSandboxConfig(AppConfig):
    name = "telegram_login.sandbox"
    label = "telegram_login_sandbox"
    verbose_name = _("Telegram sandbox")

    def ready(self) -> None:
        from telegram_login.messaging import client
        from telegram_login.oidc import issuer
        from telegram_login.sandbox import oidc_transport
        from telegram_login.sandbox.fake_api import mount_for_sandbox

        # When the sandbox is on, the one Bot API client talks to the fake Bot API in process,
        # and the OIDC client to the fake issuer.
        client.session_hooks.append(mount_for_sandbox)
        issuer.session_hooks.append(oidc_transport.mount_for_sandbox)
