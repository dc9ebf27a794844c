"""The allauth provider for signing in with Telegram through a bot deep link."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from allauth.socialaccount.providers.base import Provider, ProviderAccount
from django.apps import apps
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from telegram_login.identity import ALLAUTH_TELEGRAM, PROVIDER_ID, display_name


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
    # Only allauth.headless reads this: its config would offer the provider to apps as a
    # "provider_redirect" (a trip to the provider and back), which the deep link is not. Apps
    # sign in through the deep link's own endpoints (telegram_login/headless/).
    supports_redirect = False

    def __init__(self, request: HttpRequest, app: Any = None) -> None:
        super().__init__(request, app)
        if apps.is_installed(ALLAUTH_TELEGRAM):
            # Beside allauth's own "Telegram" (the older login widget), say which one this is.
            self.name = _("Telegram (bot)")

    def get_login_url(self, request: HttpRequest, **kwargs: Any) -> str:
        url = reverse("telegram_login_start")
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def redirect(
        self,
        request: HttpRequest,
        process: str,
        next_url: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> HttpResponse:
        """allauth.headless's provider redirect, asked for by an app that did not read its config:
        a 400 in allauth.headless's error shape that says where to go instead (allauth's base
        class would raise, a 500)."""
        error = {
            "message": _(
                "Signing in with Telegram goes through its own endpoints "
                "(auth/telegram/start), not a redirect."
            ),
            "code": "provider_redirect_not_supported",
            "param": "provider",
        }
        status = HTTPStatus.BAD_REQUEST
        return JsonResponse({"status": status, "errors": [error]}, status=status)

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
