"""The Telegram sandbox as an app of its own (its own distribution, telegram-login-sandbox): the
example site installs it in DEBUG (or with TELEGRAM_SANDBOX=true); it plugs itself into the
runtime, which never imports it."""

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class TelegramSandboxConfig(AppConfig):
    name = "telegram_login.sandbox"
    label = "telegram_login_sandbox"
    verbose_name = _("Telegram sandbox")

    def ready(self) -> None:
        from telegram_login import hooks
        from telegram_login.messaging import client
        from telegram_login.oidc import issuer
        from telegram_login.sandbox import oidc_transport
        from telegram_login.sandbox.checks import check_sandbox
        from telegram_login.sandbox.fake_api import mount_for_sandbox
        from telegram_login.sandbox.stand_in import SANDBOX

        # While the sandbox plays Telegram, the settings take its bot, the sign-in link opens its
        # chat, the one Bot API client talks to the fake Bot API in process, and the OIDC client
        # to the fake issuer.
        hooks.plug_in_stand_in(SANDBOX)
        client.session_hooks.append(mount_for_sandbox)
        issuer.session_hooks.append(oidc_transport.mount_for_sandbox)
        checks.register(check_sandbox, checks.Tags.security)
