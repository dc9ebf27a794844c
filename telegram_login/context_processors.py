"""Template context: whether the Telegram sandbox is on (every page marks it)."""

from django.http import HttpRequest

from .conf import get_settings


def telegram_login(request: HttpRequest) -> dict[str, object]:
    conf = get_settings()
    return {"telegram_sandbox": conf.sandbox, "telegram_bot_username": conf.bot_username}
