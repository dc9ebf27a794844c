"""Reads about users for the site's pages."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount


def telegram_account_for_user(*, user: Any) -> dict[str, Any] | None:
    """The user's linked Telegram identity (id, names, username), if there is one."""
    account = SocialAccount.objects.filter(user=user, provider="telegram").first()
    if account is None:
        return None
    data = dict(account.extra_data)
    data["id"] = account.uid
    data["name"] = " ".join(
        part for part in (data.get("first_name"), data.get("last_name")) if part
    )
    return data


def profile_for_user(*, user: Any) -> dict[str, Any]:
    """What the profile page shows: names, Telegram, email addresses and the ways to sign in."""
    return {
        "telegram": telegram_account_for_user(user=user),
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ),
        "has_password": user.has_usable_password(),
    }
