"""The settings of Telegram's OpenID Connect login: read in one place, with defaults and
start-up checks (the deep link's are in telegram_login/conf.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from telegram_login.conf import get_settings
from telegram_login.hooks import StandIn, plugged_stand_in

DEFAULT_ISSUER = "https://oauth.telegram.org"
# What a bot may choose in BotFather for its ID tokens; RS256 unless it chose another.
SIGNING_ALGORITHMS = ("RS256", "ES256", "EdDSA")
CLIENT_ID_RE = re.compile(r"^[0-9]{1,20}$")


@dataclass(frozen=True)
class TelegramOIDCSettings:
    client_id: str
    client_secret: str
    # "" while a stand-in plays the issuer (hooks.py): it lives on this site, at the request's
    # own origin.
    issuer: str
    signing_algorithm: str
    request_phone: bool
    request_bot_access: bool
    timeout: float
    # A stand-in for Telegram plays the issuer and this client.
    played: bool

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def scopes(self) -> list[str]:
        scopes = ["openid", "profile"]
        if self.request_phone:
            scopes.append("phone")
        if self.request_bot_access:
            scopes.append("telegram:bot_access")
        return scopes


def _read() -> TelegramOIDCSettings:
    deep_link = get_settings()
    client_id = str(getattr(settings, "TELEGRAM_OIDC_CLIENT_ID", "") or "").strip()
    secret = str(getattr(settings, "TELEGRAM_OIDC_CLIENT_SECRET", "") or "").strip()
    issuer = str(getattr(settings, "TELEGRAM_OIDC_ISSUER", "") or DEFAULT_ISSUER).rstrip("/")
    # A stand-in plays Telegram's issuer too (it plays only where no real client is configured).
    if deep_link.played:
        client_id = deep_link.played.oidc_client_id
        secret = deep_link.played.oidc_client_secret
        issuer = ""
    # The bot may message people who allowed it: the link notices reach OIDC users too.
    bot_access = getattr(settings, "TELEGRAM_OIDC_REQUEST_BOT_ACCESS", None)
    return TelegramOIDCSettings(
        client_id=client_id,
        client_secret=secret,
        issuer=issuer,
        signing_algorithm=getattr(settings, "TELEGRAM_OIDC_SIGNING_ALGORITHM", "") or "RS256",
        request_phone=bool(getattr(settings, "TELEGRAM_OIDC_REQUEST_PHONE", False)),
        request_bot_access=deep_link.enabled if bot_access is None else bool(bot_access),
        timeout=float(getattr(settings, "TELEGRAM_OIDC_TIMEOUT", 5.0)),
        played=bool(deep_link.played),
    )


@cache
def _settings_with(stand_in: StandIn | None) -> TelegramOIDCSettings:
    return _read()


def get_oidc_settings() -> TelegramOIDCSettings:
    return _settings_with(plugged_stand_in())


@receiver(setting_changed)
def _forget_settings(**kwargs: object) -> None:
    _settings_with.cache_clear()


def issuer_origin(conf: TelegramOIDCSettings) -> str:
    """Where the browser is sent to log in ("https://oauth.telegram.org"); "" for an issuer a
    stand-in plays on this site."""
    if not conf.enabled or not conf.issuer:
        return ""
    parts = urlsplit(conf.issuer)
    return f"{parts.scheme}://{parts.netloc}"


def validate(conf: TelegramOIDCSettings, *, debug: bool) -> None:
    """Refuse to start with a combination that is unsafe or cannot work; say what to change."""
    if conf.played:
        return
    if not conf.client_id:
        if getattr(settings, "TELEGRAM_OIDC_CLIENT_SECRET", ""):
            raise ImproperlyConfigured(
                "TELEGRAM_OIDC_CLIENT_SECRET is set but TELEGRAM_OIDC_CLIENT_ID is not: set it to "
                "the bot's id (the digits before the colon in its token)."
            )
        return
    if not CLIENT_ID_RE.match(conf.client_id):
        raise ImproperlyConfigured(
            "TELEGRAM_OIDC_CLIENT_ID must be the bot's numeric id (the digits before the colon in "
            "its token), as BotFather's Web Login settings show it."
        )
    if not conf.client_secret:
        raise ImproperlyConfigured(
            "TELEGRAM_OIDC_CLIENT_ID is set but TELEGRAM_OIDC_CLIENT_SECRET is not: copy the "
            "client secret from BotFather (the bot's Web Login settings)."
        )
    if conf.signing_algorithm not in SIGNING_ALGORITHMS:
        raise ImproperlyConfigured(
            f"TELEGRAM_OIDC_SIGNING_ALGORITHM must be one of {', '.join(SIGNING_ALGORITHMS)} "
            "(the one chosen for the bot in BotFather; RS256 unless you changed it)."
        )
    parts = urlsplit(conf.issuer)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ImproperlyConfigured(
            f"TELEGRAM_OIDC_ISSUER must be an absolute URL, like {DEFAULT_ISSUER}."
        )
    if parts.scheme != "https" and not debug:
        raise ImproperlyConfigured(
            "TELEGRAM_OIDC_ISSUER must be an https:// URL with DEBUG off: the issuer's keys and "
            "tokens must not travel in the clear."
        )
