"""The template tag for Telegram's login page as a second way in (beside the widget)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from telegram_login.conf import get_settings

register = template.Library()


@register.simple_tag(takes_context=True)
def telegram_oidc_button(
    context: dict[str, Any], process: str = "login", next_url: str = ""
) -> str:
    """The way to Telegram's own login page: a small link beside the deep link's widget, the
    button where the deep link is off; nothing where it is not set up
    (TELEGRAM_LOGIN_OIDC_CLIENT_ID and _SECRET unset, and no stand-in playing Telegram)."""
    if not get_settings().oidc.enabled:
        return ""
    return render_to_string(
        "telegram_login/oidc/button.html",
        {
            "process": "connect" if process == "connect" else "login",
            "next_url": next_url,
            "deep_link": get_settings().enabled,
        },
        request=context.get("request"),
    )
