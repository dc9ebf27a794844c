"""The sandbox's system checks: it lets anyone play any Telegram user, so it says so where it
runs with DEBUG off, and it never plays next to a real bot or a real Telegram login."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from telegram_login.conf import get_settings
from telegram_login.sandbox.stand_in import switched_on

STAGING_WARNING = (
    "The Telegram sandbox is on with DEBUG off (TELEGRAM_SANDBOX=true): anyone who can reach "
    "this site can play any Telegram user and sign in as them."
)


def check_sandbox(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    conf = get_settings()
    found: list[checks.CheckMessage] = []
    if conf.played and not settings.DEBUG:
        found.append(
            checks.Warning(
                STAGING_WARNING,
                hint="Only for a test environment. For real sign-ins set TELEGRAM_LOGIN_BOT_TOKEN, "
                "_BOT_USERNAME and _WEBHOOK_SECRET and unset TELEGRAM_SANDBOX.",
                id="telegram_login.W004",
            )
        )
    if switched_on() and not conf.played and conf.bot_token:
        found.append(
            checks.Error(
                "TELEGRAM_SANDBOX is on and TELEGRAM_LOGIN_BOT_TOKEN is set. The sandbox lets "
                "anyone play any Telegram user, so it never runs next to a real bot: it is off.",
                hint="Unset one of them.",
                id="telegram_login.E101",
            )
        )
    if switched_on() and not conf.played and get_settings().oidc.client_id:
        found.append(
            checks.Error(
                "TELEGRAM_SANDBOX is on and TELEGRAM_LOGIN_OIDC_CLIENT_ID is set. The sandbox lets "
                "anyone play any Telegram user, so it never runs next to a real Telegram login: "
                "it is off.",
                hint="Unset one of them (TELEGRAM_SANDBOX=false keeps it off with DEBUG on).",
                id="telegram_login.E102",
            )
        )
    return found
