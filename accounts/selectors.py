"""Reads about users for the site's pages."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialAccount


def telegram_account_for_user(*, user: Any) -> dict[str, Any] | None:
    """The user's linked Telegram identity (id, names, username), if there is one."""
    account = SocialAccount.objects.filter(user=user, provider="telegram").first()
    if account is None:
        return None
    data = dict(account.extra_data)
    data["id"] = account.uid
    return data
