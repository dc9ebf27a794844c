"""The telegram_login app's settings: one typed object, read in one place, each field from the
Django setting TELEGRAM_LOGIN_<NAME> with a default (README's table), Telegram's login page a
part of it (`get_settings().oidc`). What they must be is checked in checks.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from telegram_login.compat import default_task_backend
from telegram_login.hooks import PlayedTelegram, StandIn, plugged_stand_in

PREFIX = "TELEGRAM_LOGIN_"
# Settings named otherwise before they all took PREFIX: the old name is still read where the new
# one is unset (checks.py warns of each in use, telegram_login.W025).
RENAMED = {
    "TELEGRAM_BOT_TOKEN": "TELEGRAM_LOGIN_BOT_TOKEN",
    "TELEGRAM_BOT_USERNAME": "TELEGRAM_LOGIN_BOT_USERNAME",
    "TELEGRAM_WEBHOOK_SECRET": "TELEGRAM_LOGIN_WEBHOOK_SECRET",
    "TELEGRAM_API_BASE_URL": "TELEGRAM_LOGIN_API_BASE_URL",
    "TELEGRAM_API_TIMEOUT": "TELEGRAM_LOGIN_API_TIMEOUT",
    "TELEGRAM_API_RETRY_BACKOFF": "TELEGRAM_LOGIN_API_RETRY_BACKOFF",
    "SITE_NAME": "TELEGRAM_LOGIN_SITE_NAME",
    "TELEGRAM_OIDC_CLIENT_ID": "TELEGRAM_LOGIN_OIDC_CLIENT_ID",
    "TELEGRAM_OIDC_CLIENT_SECRET": "TELEGRAM_LOGIN_OIDC_CLIENT_SECRET",
    "TELEGRAM_OIDC_ISSUER": "TELEGRAM_LOGIN_OIDC_ISSUER",
    "TELEGRAM_OIDC_SIGNING_ALGORITHM": "TELEGRAM_LOGIN_OIDC_SIGNING_ALGORITHM",
    "TELEGRAM_OIDC_REQUEST_PHONE": "TELEGRAM_LOGIN_OIDC_REQUEST_PHONE",
    "TELEGRAM_OIDC_REQUEST_BOT_ACCESS": "TELEGRAM_LOGIN_OIDC_REQUEST_BOT_ACCESS",
    "TELEGRAM_OIDC_TIMEOUT": "TELEGRAM_LOGIN_OIDC_TIMEOUT",
}
OLD_NAMES = {new: old for old, new in RENAMED.items()}

REDIS_CACHE_BACKENDS = (
    "django.core.cache.backends.redis.RedisCache",
    "telegram_login.cache.TolerantRedisCache",
)
# allauth forgets a stashed state after 10 minutes; a login request must not outlive it.
MAX_LOGIN_TTL = 600
# A lost Telegram stays linked at least this long after its removal was confirmed by email.
MIN_RECOVERY_WAIT = 24 * 3600
# match_code: the person picks, in Telegram, the code their browser shows (the default).
# browser_code: the bot shows a code and the person types it into the browser that asked.
# button: one Confirm button (weaker; see docs/security.md).
CONFIRM_MODES = ("match_code", "browser_code", "button")
DEFAULT_ISSUER = "https://oauth.telegram.org"
# What a bot may choose in BotFather for its ID tokens; RS256 unless it chose another.
SIGNING_ALGORITHMS = ("RS256", "ES256", "EdDSA")
CLIENT_ID_RE = re.compile(r"^[0-9]{1,20}$")
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram allows 1 to 256 characters; a short secret can be guessed, so production asks for 32.
MIN_WEBHOOK_SECRET_LENGTH = 32
BOT_USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
# TELEGRAM_LOGIN_REDIS_URL's default: the Redis of the site's default cache, if it has one.
CACHE_REDIS = object()
# Rates as allauth writes them (limits.py); TELEGRAM_LOGIN_RATE_LIMITS overrides each one.
DEFAULT_RATE_LIMITS = {
    # Starting a sign-in, per client address and per browser session.
    "start": "20/m/ip,10/m/key",
    # "/start <token>" and button presses, per Telegram user id.
    "bot": "20/m/key",
    # Codes typed into the browser (browser_code mode), per sign-in request.
    "code": "10/m/key",
}


def _setting(name: str, default: Any) -> Any:
    """A field read from the Django setting PREFIX + `name`, `default` where it is unset."""
    return field(metadata={"setting": PREFIX + name, "default": default})


@dataclass(frozen=True)
class OIDCSettings:
    """Telegram's login page (OpenID Connect) as a second way in."""

    client_id: str = _setting("OIDC_CLIENT_ID", "")
    client_secret: str = _setting("OIDC_CLIENT_SECRET", "")
    # "" while a stand-in plays the issuer (hooks.py): it lives on this site, at the request's
    # own origin.
    issuer: str = _setting("OIDC_ISSUER", DEFAULT_ISSUER)
    signing_algorithm: str = _setting("OIDC_SIGNING_ALGORITHM", "RS256")
    request_phone: bool = _setting("OIDC_REQUEST_PHONE", False)
    # Unset: asked for where a bot is configured (the link notices reach OIDC users too).
    request_bot_access: bool = _setting("OIDC_REQUEST_BOT_ACCESS", None)
    timeout: float = _setting("OIDC_TIMEOUT", 5.0)
    # A stand-in for Telegram plays the issuer and this client.
    played: bool = False

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

    @property
    def issuer_origin(self) -> str:
        """Where the browser is sent to log in ("https://oauth.telegram.org"); "" for an issuer
        a stand-in plays on this site."""
        if not self.enabled or not self.issuer:
            return ""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class TelegramLoginSettings:
    # Telegram's login page, the part of these settings named TELEGRAM_LOGIN_OIDC_...
    oidc: OIDCSettings
    bot_token: str = _setting("BOT_TOKEN", "")
    bot_username: str = _setting("BOT_USERNAME", "")
    webhook_secret: str = _setting("WEBHOOK_SECRET", "")
    api_base_url: str = _setting("API_BASE_URL", "https://api.telegram.org")
    api_timeout: float = _setting("API_TIMEOUT", 5.0)
    api_retry_backoff: float = _setting("API_RETRY_BACKOFF", 0.5)
    # The name the bot and the mails give the site; empty: the Sites framework's name, else the
    # domain (site.py decides, from a host ALLOWED_HOSTS names).
    site_name: str = _setting("SITE_NAME", "")
    login_ttl: int = _setting("TTL", 300)
    # How old a Mini App's initData may be when it signs in (seconds since Telegram made it).
    mini_app_max_age: int = _setting("MINI_APP_MAX_AGE", 300)
    # The site's page that opens as the bot's Mini App (https://); set: the bot's welcome and
    # "start again" messages carry a button that opens it.
    mini_app_url: str = _setting("MINI_APP_URL", "")
    confirm_mode: str = _setting("CONFIRM_MODE", "match_code")
    max_update_bytes: int = _setting("MAX_UPDATE_BYTES", 64 * 1024)
    polls_per_request: int = _setting("POLLS_PER_REQUEST", 600)
    # Live requests waiting for Telegram, from one client address and in all.
    max_pending_per_ip: int = _setting("MAX_PENDING_PER_IP", 30)
    max_pending: int = _setting("MAX_PENDING", 10_000)
    rate_limits: dict[str, str] = _setting("RATE_LIMITS", DEFAULT_RATE_LIMITS)  # noqa: RUF009
    # Tests send follow-up Bot API calls in the request thread to observe them in order.
    send_inline: bool = _setting("SEND_INLINE", False)
    # Where the waiting poll keeps its counter and the status mirror (status_mirror.py); unset:
    # the Redis of the site's default cache, empty: none.
    redis_url: str = _setting("REDIS_URL", CACHE_REDIS)
    # Seconds between the emailed confirmation and the removal of a lost Telegram (recovery.py).
    recovery_wait: int = _setting("RECOVERY_WAIT", 3 * 24 * 3600)
    # What a stand-in for Telegram plays (hooks.py), or None: the bot above is then its own.
    played: PlayedTelegram | None = None
    recent_requests_per_session: int = 5

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)


def setting_names(cls: type[Any] = TelegramLoginSettings) -> dict[str, str]:
    """{Django setting: field} of the settings object, Telegram's login page's as "oidc.<field>"."""
    names: dict[str, str] = {}
    for each in fields(cls):
        if "setting" in each.metadata:
            names[each.metadata["setting"]] = each.name
    if cls is TelegramLoginSettings:
        names |= {name: f"oidc.{part}" for name, part in setting_names(OIDCSettings).items()}
    return names


def read_setting(name: str, default: Any = None) -> Any:
    """The Django setting `name`, else its old name (RENAMED), else `default`."""
    if hasattr(settings, name):
        return getattr(settings, name)
    old = OLD_NAMES.get(name)
    return getattr(settings, old) if old and hasattr(settings, old) else default


def _configured(cls: type[Any]) -> dict[str, Any]:
    """The fields of `cls` that are settings, as the site set them or their defaults."""
    return {
        each.name: read_setting(each.metadata["setting"], each.metadata["default"])
        for each in fields(cls)
        if "setting" in each.metadata
    }


def _played(stand_in: StandIn | None, *, bot_token: str, client_id: str) -> PlayedTelegram | None:
    """What a plugged-in stand-in plays: never next to a real bot or a real Telegram login."""
    if stand_in is None or bot_token or client_id:
        return None
    return stand_in.plays()


def _read_oidc(raw: dict[str, Any], *, played: PlayedTelegram | None, bot: bool) -> OIDCSettings:
    client_id = str(raw["client_id"] or "").strip()
    secret = str(raw["client_secret"] or "").strip()
    issuer = str(raw["issuer"] or DEFAULT_ISSUER).rstrip("/")
    # A stand-in plays Telegram's issuer too (it plays only where no real client is configured).
    if played:
        client_id, secret, issuer = played.oidc_client_id, played.oidc_client_secret, ""
    bot_access = raw["request_bot_access"]
    return OIDCSettings(
        client_id=client_id,
        client_secret=secret,
        issuer=issuer,
        signing_algorithm=raw["signing_algorithm"] or "RS256",
        request_phone=bool(raw["request_phone"]),
        request_bot_access=bot if bot_access is None else bool(bot_access),
        timeout=float(raw["timeout"]),
        played=bool(played),
    )


def _read(stand_in: StandIn | None) -> TelegramLoginSettings:
    raw, oidc = _configured(TelegramLoginSettings), _configured(OIDCSettings)
    token = str(raw["bot_token"] or "")
    username = str(raw["bot_username"] or "").lstrip("@")
    secret = str(raw["webhook_secret"] or "")
    base_url = str(raw["api_base_url"]).rstrip("/")
    played = _played(stand_in, bot_token=token, client_id=str(oidc["client_id"] or "").strip())
    if played:
        token = played.bot_token
        username = username or played.bot_username
        secret = secret or played.webhook_secret
        base_url = played.api_base_url
    redis_url = raw["redis_url"]
    return TelegramLoginSettings(
        bot_token=token,
        bot_username=username,
        webhook_secret=secret,
        api_base_url=base_url,
        api_timeout=float(raw["api_timeout"]),
        api_retry_backoff=float(raw["api_retry_backoff"]),
        site_name=str(raw["site_name"] or ""),
        login_ttl=int(raw["login_ttl"]),
        mini_app_max_age=int(raw["mini_app_max_age"]),
        mini_app_url=str(raw["mini_app_url"] or ""),
        confirm_mode=raw["confirm_mode"],
        max_update_bytes=int(raw["max_update_bytes"]),
        polls_per_request=int(raw["polls_per_request"]),
        max_pending_per_ip=int(raw["max_pending_per_ip"]),
        max_pending=int(raw["max_pending"]),
        # The site's rates override the defaults one by one.
        rate_limits={**DEFAULT_RATE_LIMITS, **raw["rate_limits"]},
        send_inline=bool(raw["send_inline"]),
        redis_url=_default_cache_redis() if redis_url is CACHE_REDIS else str(redis_url or ""),
        recovery_wait=int(raw["recovery_wait"]),
        oidc=_read_oidc(oidc, played=played, bot=bool(token)),
        played=played,
    )


def _default_cache_redis() -> str:
    """The Redis of the site's default cache, when it is Django's Redis cache (or ours,
    cache.TolerantRedisCache)."""
    default = getattr(settings, "CACHES", {}).get("default", {})
    if default.get("BACKEND") not in REDIS_CACHE_BACKENDS:
        return ""
    location = default.get("LOCATION", "")
    # Several servers: the first is the one that takes writes.
    return location[0] if isinstance(location, list | tuple) else str(location).split(",")[0]


@cache
def _settings_with(stand_in: StandIn | None) -> TelegramLoginSettings:
    return _read(stand_in)


def get_settings() -> TelegramLoginSettings:
    """The settings, read once (again when a setting changes or a stand-in is plugged in)."""
    return _settings_with(plugged_stand_in())


@receiver(setting_changed)
def _forget_settings(**kwargs: object) -> None:
    _settings_with.cache_clear()


def queue_keeps_tasks() -> bool:
    """The task backend of the bot's queue (messaging/tasks.py: the default one) keeps tasks
    until they run, unlike Django's ImmediateBackend, the default without a TASKS setting."""
    return bool(default_task_backend.supports_defer)
