"""The allauth provider for signing in with Telegram through a bot deep link."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.base import Provider, ProviderAccount
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from telegram_login.identity import PROVIDER_ID, display_name


class TelegramLoginAccount(ProviderAccount):
    def get_profile_url(self) -> str | None:
        username = self.account.extra_data.get("username")
        return f"https://t.me/{username}" if username else None

    def to_str(self) -> str:
        data = self.account.extra_data
        name = display_name(data)
        username = data.get("username")
        if username:
            return f"{name} (@{username})" if name else f"@{username}"
        return name or super().to_str()


class TelegramLoginProvider(Provider):
    # Not "telegram": that is allauth's own provider (Telegram's older login widget).
    id = PROVIDER_ID
    name = "Telegram"
    account_class = TelegramLoginAccount
    # The bot is configured by settings (TELEGRAM_*), so no SocialApp row is needed.
    uses_apps = False
    # allauth mounts "<package>.urls" under accounts/: the browser's side only (the webhook is
    # the site's to mount, from telegram_login.urls).
    package = "telegram_login.pages"
    supports_redirect = True

    def get_login_url(self, request: HttpRequest, **kwargs: Any) -> str:
        url = reverse("telegram_login_start")
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def extract_uid(self, data: dict[str, Any]) -> str:
        return str(int(data["id"]))

    def extract_common_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "first_name": data.get("first_name") or "",
            "last_name": data.get("last_name") or "",
            "username": data.get("username") or "",
        }

    def extract_extra_data(self, data: dict[str, Any]) -> dict[str, Any]:
        keep = ("id", "first_name", "last_name", "username", "language_code")
        return {key: data[key] for key in keep if data.get(key) not in (None, "")}


# Telegram's OpenID Connect login, registered here so a site needs no app of its own for it; it
# signs in to this provider's accounts (oidc/flows.py).
from telegram_login.oidc.provider import TelegramOIDCProvider  # noqa: E402

provider_classes = [TelegramLoginProvider, TelegramOIDCProvider]
