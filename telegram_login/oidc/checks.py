"""System checks for Telegram's OpenID Connect login that are not fatal at start-up."""

from __future__ import annotations

from typing import Any

from django.core import checks

from telegram_login.conf import get_settings
from telegram_login.oidc.conf import get_oidc_settings


@checks.register(checks.Tags.security, deploy=False)
def check_telegram_oidc_settings(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    conf, deep_link = get_oidc_settings(), get_settings()
    messages: list[checks.CheckMessage] = []
    bot_id = "" if deep_link.played else deep_link.bot_token.split(":")[0]
    if conf.client_id and bot_id and bot_id != conf.client_id:
        messages.append(
            checks.Warning(
                f"TELEGRAM_OIDC_CLIENT_ID ({conf.client_id}) is not the id of the bot in "
                f"TELEGRAM_BOT_TOKEN ({bot_id}): people who log in on Telegram's page allow one "
                "bot, and the notices about their links come from another.",
                hint="Use the Web Login settings of the same bot in BotFather.",
                id="telegram_login.W010",
            )
        )
    return messages
