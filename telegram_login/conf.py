"""The telegram_login app's settings: read in one place, with defaults and start-up checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django_tasks import default_task_backend

from telegram_login.hooks import PlayedTelegram, StandIn, plugged_stand_in
from telegram_login.rates import parse_rates

REDIS_CACHE_BACKENDS = (
    "django.core.cache.backends.redis.RedisCache",
    "telegram_login.cache.TolerantRedisCache",
)
# allauth forgets a stashed state after 10 minutes; a login request must not outlive it.
MAX_LOGIN_TTL = 600
# A lost Telegram stays linked at least this long after its removal was confirmed by email.
MIN_RECOVERY_WAIT = 24 * 3600
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram allows 1 to 256 characters; a short secret can be guessed, so production asks for 32.
MIN_WEBHOOK_SECRET_LENGTH = 32
BOT_USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
# match_code: the person picks, in Telegram, the code their browser shows (the default).
# browser_code: the bot shows a code and the person types it into the browser that asked.
# button: one Confirm button (weaker; see docs/security.md).
CONFIRM_MODES = ("match_code", "browser_code", "button")
# Rates as allauth writes them (limits.py); TELEGRAM_LOGIN_RATE_LIMITS overrides each one.
DEFAULT_RATE_LIMITS = {
    # Starting a sign-in, per client address and per browser session.
    "start": "20/m/ip,10/m/key",
    # "/start <token>" and button presses, per Telegram user id.
    "bot": "20/m/key",
    # Codes typed into the browser (browser_code mode), per sign-in request.
    "code": "10/m/key",
}


@dataclass(frozen=True)
class TelegramLoginSettings:
    bot_token: str
    bot_username: str
    webhook_secret: str
    api_base_url: str
    login_ttl: int
    # What a stand-in for Telegram plays (hooks.py), or None: the bot above is then its own.
    played: PlayedTelegram | None
    confirm_mode: str
    site_name: str
    max_update_bytes: int
    api_timeout: float
    api_retry_backoff: float
    polls_per_request: int
    recent_requests_per_session: int
    max_pending_per_ip: int
    max_pending: int
    rate_limits: dict[str, str]
    send_inline: bool
    # Where the waiting poll keeps its counter and the status mirror (status_mirror.py).
    redis_url: str
    # Seconds between the emailed confirmation and the removal of a lost Telegram (recovery.py).
    recovery_wait: int

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)


def _played(stand_in: StandIn | None, *, bot_token: str) -> PlayedTelegram | None:
    """What a plugged-in stand-in plays: never next to a real bot or a real Telegram login."""
    if stand_in is None or bot_token or getattr(settings, "TELEGRAM_OIDC_CLIENT_ID", ""):
        return None
    return stand_in.plays()


def _read(stand_in: StandIn | None) -> TelegramLoginSettings:
    token = getattr(settings, "TELEGRAM_BOT_TOKEN", "")
    username = getattr(settings, "TELEGRAM_BOT_USERNAME", "").lstrip("@")
    secret = getattr(settings, "TELEGRAM_WEBHOOK_SECRET", "")
    base_url = getattr(settings, "TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip("/")
    played = _played(stand_in, bot_token=token)
    if played:
        token = played.bot_token
        username = username or played.bot_username
        secret = secret or played.webhook_secret
        base_url = played.api_base_url
    return TelegramLoginSettings(
        bot_token=token,
        bot_username=username,
        webhook_secret=secret,
        api_base_url=base_url,
        login_ttl=int(getattr(settings, "TELEGRAM_LOGIN_TTL", 300)),
        played=played,
        confirm_mode=getattr(settings, "TELEGRAM_LOGIN_CONFIRM_MODE", "match_code"),
        site_name=getattr(settings, "SITE_NAME", "telegram-login"),
        max_update_bytes=int(getattr(settings, "TELEGRAM_LOGIN_MAX_UPDATE_BYTES", 64 * 1024)),
        api_timeout=float(getattr(settings, "TELEGRAM_API_TIMEOUT", 5.0)),
        api_retry_backoff=float(getattr(settings, "TELEGRAM_API_RETRY_BACKOFF", 0.5)),
        polls_per_request=int(getattr(settings, "TELEGRAM_LOGIN_POLLS_PER_REQUEST", 600)),
        recent_requests_per_session=5,
        # Live requests waiting for Telegram, from one client address and in all.
        max_pending_per_ip=int(getattr(settings, "TELEGRAM_LOGIN_MAX_PENDING_PER_IP", 30)),
        max_pending=int(getattr(settings, "TELEGRAM_LOGIN_MAX_PENDING", 10_000)),
        rate_limits={**DEFAULT_RATE_LIMITS, **getattr(settings, "TELEGRAM_LOGIN_RATE_LIMITS", {})},
        # Tests send follow-up Bot API calls in the request thread to observe them in order.
        send_inline=bool(getattr(settings, "TELEGRAM_LOGIN_SEND_INLINE", False)),
        # An empty TELEGRAM_LOGIN_REDIS_URL turns the mirror off.
        redis_url=getattr(settings, "TELEGRAM_LOGIN_REDIS_URL", None)
        or (_default_cache_redis() if not hasattr(settings, "TELEGRAM_LOGIN_REDIS_URL") else ""),
        recovery_wait=int(getattr(settings, "TELEGRAM_LOGIN_RECOVERY_WAIT", 3 * 24 * 3600)),
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


def validate(conf: TelegramLoginSettings, *, debug: bool) -> None:
    """Refuse to start with a combination that is unsafe or cannot work; say what to change."""
    if not 1 <= conf.login_ttl <= MAX_LOGIN_TTL:
        raise ImproperlyConfigured(
            f"TELEGRAM_LOGIN_TTL is {conf.login_ttl}; set it to between 1 and {MAX_LOGIN_TTL} "
            "seconds (allauth forgets the sign-in state after 10 minutes)."
        )
    if conf.recovery_wait < MIN_RECOVERY_WAIT:
        raise ImproperlyConfigured(
            f"TELEGRAM_LOGIN_RECOVERY_WAIT is {conf.recovery_wait}; set it to at least "
            f"{MIN_RECOVERY_WAIT} seconds: the wait is what lets the owner of the linked Telegram "
            "hear of its removal and stop it."
        )
    for action, rates in conf.rate_limits.items():
        try:
            parse_rates(rates)
        except ValueError as exc:
            raise ImproperlyConfigured(f"TELEGRAM_LOGIN_RATE_LIMITS[{action!r}]: {exc}") from None
    if conf.confirm_mode not in CONFIRM_MODES:
        raise ImproperlyConfigured(
            f"TELEGRAM_LOGIN_CONFIRM_MODE must be one of {', '.join(CONFIRM_MODES)}."
        )
    if conf.bot_token:
        _validate_bot(conf, debug=debug)


def _validate_bot(conf: TelegramLoginSettings, *, debug: bool) -> None:
    """A bot is configured: its webhook secret and its username."""
    if not conf.webhook_secret:
        if not debug:
            raise ImproperlyConfigured(
                "TELEGRAM_BOT_TOKEN is set but TELEGRAM_WEBHOOK_SECRET is not. Set "
                "TELEGRAM_WEBHOOK_SECRET to a random string of 32+ characters from A-Z, a-z, 0-9, "
                "_ and - (Telegram sends it back on every webhook call)."
            )
    elif not WEBHOOK_SECRET_RE.match(conf.webhook_secret):
        raise ImproperlyConfigured(
            "TELEGRAM_WEBHOOK_SECRET may only hold 1-256 characters from A-Z, a-z, 0-9, _ and -."
        )
    elif not debug and len(conf.webhook_secret) < MIN_WEBHOOK_SECRET_LENGTH:
        raise ImproperlyConfigured(
            f"TELEGRAM_WEBHOOK_SECRET is {len(conf.webhook_secret)} characters long; with DEBUG "
            f"off it must be at least {MIN_WEBHOOK_SECRET_LENGTH} (anyone who guesses it can play "
            "any Telegram user). Make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if not BOT_USERNAME_RE.match(conf.bot_username):
        raise ImproperlyConfigured(
            "TELEGRAM_BOT_USERNAME must be set to the bot's username (without @) when "
            "TELEGRAM_BOT_TOKEN is set; the sign-in link is https://t.me/<username>?start=<token>."
        )


def queue_keeps_tasks() -> bool:
    """The task backend of the bot's queue (messaging/tasks.py: the default one) keeps tasks
    until they run, unlike Django's ImmediateBackend, the default without a TASKS setting."""
    return bool(default_task_backend.supports_defer)
