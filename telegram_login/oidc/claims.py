"""From the ID token's claims to the Telegram user the deep link knows: the numeric `id` is the
account key on both ways, never `sub` (which differs from site to site) or the username."""

from __future__ import annotations

from typing import Any

from telegram_login.oidc.refusals import Refusal, TokenRefused

# Telegram user ids are positive and fit in 52 bits (the Bot API says so).
MAX_TELEGRAM_ID = 2**52
NAME_LENGTH = 64


def _text(value: Any, limit: int = NAME_LENGTH) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def telegram_id(claims: dict[str, Any]) -> int:
    value = claims.get("id")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < MAX_TELEGRAM_ID:
        raise TokenRefused(Refusal.MALFORMED, "no numeric Telegram id in the token")
    return value


def telegram_user_from_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The fields the deep link stores for a Telegram user (provider.py), from OIDC's claims.

    Telegram's token has one `name`; it goes whole into `first_name` (the site shows first and
    last name joined, so it reads the same) unless the token splits it.
    """
    first, last = _text(claims.get("given_name")), _text(claims.get("family_name"))
    if not first:
        first, last = _text(claims.get("name"), 2 * NAME_LENGTH + 1), ""
    user: dict[str, Any] = {"id": telegram_id(claims), "first_name": first, "last_name": last}
    username = _text(claims.get("preferred_username"), 32).lstrip("@")
    if username:
        user["username"] = username
    return user


def extra_from_claims(claims: dict[str, Any]) -> dict[str, str]:
    """What only this way knows, kept beside the names: the photo, and the phone number when
    the site asked for it (a sign-in through the bot knows neither and leaves them out)."""
    extra = {}
    picture = _text(claims.get("picture"), 2048)
    if picture.startswith("https://"):
        extra["photo_url"] = picture
    phone = _text(claims.get("phone_number"), 32)
    if phone:
        extra["phone_number"] = phone
    return extra
