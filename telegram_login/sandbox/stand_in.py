"""The sandbox as Telegram's stand-in (telegram_login/hooks.py): whether it plays, the bot and
the login client it plays, and where its chat and its issuer live on this site."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from telegram_login.hooks import PlayedTelegram, StandIn

BOT_TOKEN = "123456:SANDBOX"  # noqa: S105
BOT_USERNAME = "sandbox_login_bot"
API_BASE_URL = "http://telegram-sandbox.invalid"


def switched_on() -> bool | None:
    """TELEGRAM_SANDBOX: True or False where the site sets it, None where it leaves it to DEBUG."""
    switch = getattr(settings, "TELEGRAM_SANDBOX", None)
    return None if switch is None else bool(switch)


def plays() -> PlayedTelegram | None:
    """On by itself with DEBUG; switched on explicitly (TELEGRAM_SANDBOX=true) for a test
    environment that runs with DEBUG off. The runtime asks only where no real bot and no real
    Telegram login are configured."""
    switch = switched_on()
    if not (settings.DEBUG if switch is None else switch):
        return None
    return PlayedTelegram(
        bot_token=BOT_TOKEN,
        bot_username=BOT_USERNAME,
        # The sandbox posts to the real webhook view, so it needs a secret; a stable one.
        webhook_secret=hashlib.sha256(f"sandbox:{settings.SECRET_KEY}".encode()).hexdigest(),
        api_base_url=API_BASE_URL,
        oidc_client_id=BOT_TOKEN.split(":")[0],
        oidc_client_secret=hashlib.sha256(
            f"sandbox-oidc:{settings.SECRET_KEY}".encode()
        ).hexdigest(),
    )


def deep_link(token: str) -> str:
    """The sandbox's chat, where START sends "/start <token>"."""
    return f"{reverse('telegram_login_sandbox')}?{urlencode({'start': token})}"


def issuer_url(request: HttpRequest) -> str:
    """The sandbox's issuer, at the request's own origin."""
    return request.build_absolute_uri(reverse("telegram_login_sandbox_oidc")).rstrip("/")


SANDBOX = StandIn(plays=plays, deep_link=deep_link, issuer_url=issuer_url)
