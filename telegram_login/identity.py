"""Who a Telegram user is, as the bot and the site name them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

# allauth's id of the deep link's provider (provider.py): the account key of every way in.
PROVIDER_ID = "telegram_login"
# allauth's id of Telegram's login page (oidc/provider.py): it only takes the browser to Telegram
# and back, and signs in to the deep link's accounts.
OIDC_PROVIDER_ID = "telegram_oidc"
# How a sign-in came, beside the two providers' ids: the site opened as the bot's Mini App
# (mini_app/), into the deep link's accounts.
MINI_APP_WAY = "telegram_mini_app"
# allauth's own Telegram provider (Telegram's older login widget): its accounts are its own.
ALLAUTH_TELEGRAM = "allauth.socialaccount.providers.telegram"


@dataclass(frozen=True)
class TelegramUser:
    """A Telegram user as an update names them; `id` is the account key, never the username."""

    id: int
    first_name: str
    last_name: str = ""
    username: str = ""
    language_code: str = ""
    is_bot: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def display_name(data: Mapping[str, Any]) -> str:
    """ "First Last" from a Telegram user's fields (a dict of them, as stored)."""
    return " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
