"""Template context: whether the sandbox plays Telegram, for a banner on every page of the site
(add "telegram_login.sandbox.context_processors.sandbox" with the app)."""

from django.http import HttpRequest

from telegram_login.conf import get_settings


def sandbox(request: HttpRequest) -> dict[str, object]:
    return {"telegram_sandbox": bool(get_settings().played)}
