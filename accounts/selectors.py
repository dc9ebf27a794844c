"""Reads about users for the site's pages."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress

from telegram_login.identity import display_name
from telegram_login.linking.rules import telegram_account_for_user


def telegram_profile_for_user(*, user: Any) -> dict[str, Any] | None:
    """The user's linked Telegram identity (id, names, username), if there is one."""
    account = telegram_account_for_user(user=user)
    if account is None:
        return None
    data = dict(account.extra_data)
    data["id"] = account.uid
    data["name"] = display_name(data)
    return data


def profile_for_user(*, user: Any) -> dict[str, Any]:
    """What the profile page shows: names, Telegram, email addresses and the ways to sign in."""
    addresses = list(EmailAddress.objects.filter(user=user).order_by("-primary", "email"))
    return {
        "telegram": telegram_profile_for_user(user=user),
        "email_addresses": addresses,
        "has_verified_email": any(address.verified for address in addresses),
        "has_password": user.has_usable_password(),
    }
