"""System checks for the Telegram settings that are not fatal at start-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from telegram_login.conf import get_settings, queue_keeps_tasks

# The allauth adapters with the Telegram account rules, which the site names (README) or extends;
# allauth's own, where it names none.
ADAPTERS = {
    "ACCOUNT_ADAPTER": "telegram_login.adapter.AccountAdapter",
    "SOCIALACCOUNT_ADAPTER": "telegram_login.adapter.SocialAccountAdapter",
}
ALLAUTH_ADAPTERS = {
    "ACCOUNT_ADAPTER": "allauth.account.adapter.DefaultAccountAdapter",
    "SOCIALACCOUNT_ADAPTER": "allauth.socialaccount.adapter.DefaultSocialAccountAdapter",
}

BUTTON_MODE_WARNING = (
    'TELEGRAM_LOGIN_CONFIRM_MODE is "button": a person lured into pressing Start and Confirm '
    "signs the sender in; the match code makes them pick what only the asking browser shows."
)


@checks.register(checks.Tags.security, deploy=False)
def check_telegram_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    conf = get_settings()
    messages: list[checks.CheckMessage] = []
    if not conf.enabled:
        messages.append(
            checks.Warning(
                "No Telegram bot is configured, so signing in with Telegram is off.",
                hint="Set TELEGRAM_BOT_TOKEN, TELEGRAM_BOT_USERNAME and TELEGRAM_WEBHOOK_SECRET.",
                id="telegram_login.W001",
            )
        )
    elif conf.confirm_mode == "button" and not settings.DEBUG:
        messages.append(
            checks.Warning(
                BUTTON_MODE_WARNING,
                hint='Leave TELEGRAM_LOGIN_CONFIRM_MODE at "match_code" (docs/security.md).',
                id="telegram_login.W003",
            )
        )
    messages += _adapter_messages()
    messages += _alert_messages(conf)
    messages += _middleware_messages()
    if conf.enabled and not conf.webhook_secret:
        messages.append(
            checks.Warning(
                "TELEGRAM_WEBHOOK_SECRET is not set: the webhook refuses every update.",
                hint="Set it to a random string of 32+ characters from A-Z, a-z, 0-9, _ and -.",
                id="telegram_login.W002",
            )
        )
    return messages


def _adapter_messages() -> list[checks.CheckMessage]:
    from django.utils.module_loading import import_string

    found: list[checks.CheckMessage] = []
    for setting, ours in ADAPTERS.items():
        theirs = getattr(settings, setting, ALLAUTH_ADAPTERS[setting])
        if not issubclass(import_string(theirs), import_string(ours)):
            # An error, not a warning: without them the password alone disconnects Telegram.
            found.append(
                checks.Error(
                    f"{setting} ({theirs}) does not extend {ours}: the Telegram account rules "
                    "are off (the password alone would disconnect the linked Telegram, the "
                    "account's security key; no fresh proof before changing a way in; the last "
                    "way in not kept; notices to unverified addresses).",
                    hint=f'Set {setting} = "{ours}", or make {theirs} a subclass of it.',
                    id="telegram_login.E005",
                )
            )
    return found


def _alert_messages(conf: Any) -> list[checks.CheckMessage]:
    """Sign-in alerts and the bot's /sessions need allauth's sessions; the bot's messages
    survive a restart or a Telegram outage only in a queue that keeps them."""
    from django.apps import apps

    found: list[checks.CheckMessage] = []
    if conf.enabled and not apps.is_installed("allauth.usersessions"):
        found.append(
            checks.Warning(
                "allauth.usersessions is not installed: the bot sends no sign-in alerts and "
                "/sessions lists nothing.",
                hint='Add "allauth.usersessions" to INSTALLED_APPS (README, "Add it to your '
                'site").',
                id="telegram_login.W006",
            )
        )
    if conf.enabled and not settings.DEBUG and not conf.played and not queue_keeps_tasks():
        found.append(
            checks.Warning(
                "The bot's messages (prompts, their edits, sign-in alerts) are sent by the web "
                "process alone: a restart or a Telegram outage loses them.",
                hint="Install django-tasks-db, add it to INSTALLED_APPS, set TASKS to its "
                'DatabaseBackend and run "manage.py telegram_worker" (docs/deploy.md).',
                id="telegram_login.W007",
            )
        )
    return found


WAITING_POLL_MIDDLEWARE = "telegram_login.poll.middleware.WaitingPollMiddleware"
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
SESSION_ACTIVITY_MIDDLEWARE = "telegram_login.security.middleware.SessionActivityMiddleware"
AUTHENTICATION_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


def _middleware_messages() -> list[checks.CheckMessage]:
    """The waiting poll's middleware answers before everything after it: after the security
    middleware, so that its answers keep the HTTPS redirect and the security headers. The
    session middleware of this app is what signs out a browser ended from Telegram whatever its
    session key is now (browsers.py)."""
    middleware = list(settings.MIDDLEWARE)
    found: list[checks.CheckMessage] = []
    if SESSION_ACTIVITY_MIDDLEWARE not in middleware or (
        AUTHENTICATION_MIDDLEWARE in middleware
        and middleware.index(SESSION_ACTIVITY_MIDDLEWARE)
        < middleware.index(AUTHENTICATION_MIDDLEWARE)
    ):
        found.append(
            checks.Warning(
                '"Not me" in Telegram ends only the sessions allauth has a record of: a browser '
                "whose session got a new key since (a password change) may stay signed in.",
                hint=f"Add {SESSION_ACTIVITY_MIDDLEWARE} after allauth's AccountMiddleware "
                '(README, "Add it to your site").',
                id="telegram_login.W009",
            )
        )
    if (
        WAITING_POLL_MIDDLEWARE in middleware
        and SECURITY_MIDDLEWARE in middleware
        and middleware.index(WAITING_POLL_MIDDLEWARE) < middleware.index(SECURITY_MIDDLEWARE)
    ):
        found.append(
            checks.Warning(
                "WaitingPollMiddleware comes before SecurityMiddleware: the waiting poll's "
                "answers skip its HTTPS redirect and its headers.",
                hint=f"Put {WAITING_POLL_MIDDLEWARE} right after {SECURITY_MIDDLEWARE}.",
                id="telegram_login.W008",
            )
        )
    return found
