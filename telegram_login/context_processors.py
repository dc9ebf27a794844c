"""Template context: whether the Telegram sandbox is on (every page marks it)."""

from django.http import HttpRequest

from telegram_login.conf import get_settings


def telegram_login(request: HttpRequest) -> dict[str, object]:
    return {"telegram_sandbox": get_settings().sandbox}
