"""Every start-up problem of the app as a system check with a code, a message and a hint, in one
table (PROBLEMS): `manage.py check` reports them all at once, and an error stops the site."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from telegram_login.conf import (
    BOT_USERNAME_RE,
    CLIENT_ID_RE,
    CONFIRM_MODES,
    DEFAULT_ISSUER,
    MAX_LOGIN_TTL,
    MIN_RECOVERY_WAIT,
    MIN_WEBHOOK_SECRET_LENGTH,
    RENAMED,
    SIGNING_ALGORITHMS,
    WEBHOOK_SECRET_RE,
    TelegramLoginSettings,
    get_settings,
    queue_keeps_tasks,
)
from telegram_login.rates import parse_rates
from telegram_login.site_fit import site_traps

# The shape of a token from @BotFather: the bot's id, a colon, then the secret part.
BOT_TOKEN_RE = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")
SECRET_CHARACTERS = "A-Z, a-z, 0-9, _ and -"  # noqa: S105  what a secret may hold
NEW_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105
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
WAITING_POLL_MIDDLEWARE = "telegram_login.poll.middleware.WaitingPollMiddleware"
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
SESSION_ACTIVITY_MIDDLEWARE = "telegram_login.security.middleware.SessionActivityMiddleware"
AUTHENTICATION_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


Problem = tuple[type[checks.Error] | type[checks.Warning], str, str]


def E(message: str, hint: str) -> Problem:
    return checks.Error, message, hint


def W(message: str, hint: str) -> Problem:
    return checks.Warning, message, hint


# {code: (level, message, hint)}, each reported as telegram_login.<code>. Codes from 100 up
# belong to apps that plug into this one.
PROBLEMS: dict[str, Problem] = {
    "W001": W(
        "No Telegram bot is configured, so signing in with Telegram is off.",
        "Set TELEGRAM_LOGIN_BOT_TOKEN, _BOT_USERNAME and _WEBHOOK_SECRET (README).",
    ),
    "W002": W(
        "TELEGRAM_LOGIN_WEBHOOK_SECRET is not set: the webhook refuses every update.",
        f"Set it to a random string of 32+ characters from {SECRET_CHARACTERS}.",
    ),
    "W003": W(
        'TELEGRAM_LOGIN_CONFIRM_MODE is "button": a person lured into pressing Start and Confirm '
        "signs the sender in; the match code makes them pick what only the asking browser shows.",
        'Leave TELEGRAM_LOGIN_CONFIRM_MODE at "match_code" (docs/security.md).',
    ),
    "E005": E(
        "{setting} ({theirs}) does not extend {ours}: the Telegram account rules are off (the "
        "password alone would disconnect the linked Telegram, the account's security key).",
        'Set {setting} = "{ours}", or make {theirs} a subclass of it.',
    ),
    "W006": W(
        "allauth.usersessions is not installed: no sign-in alerts, and /sessions lists nothing.",
        'Add "allauth.usersessions" to INSTALLED_APPS (README, "Add it to your site").',
    ),
    "W007": W(
        "The bot's messages (prompts, their edits, sign-in alerts) are sent by the web process "
        "alone: a restart or a Telegram outage loses them.",
        "Set TASKS to django-tasks-db's queue and run manage.py telegram_worker (docs/deploy.md).",
    ),
    "W008": W(
        "WaitingPollMiddleware comes before SecurityMiddleware: the waiting poll's answers skip "
        "its HTTPS redirect and its headers.",
        f"Put {WAITING_POLL_MIDDLEWARE} right after {SECURITY_MIDDLEWARE}.",
    ),
    "W009": W(
        '"Not me" in Telegram ends only the sessions allauth has a record of: a browser whose '
        "session got a new key since (a password change) may stay signed in.",
        f"Add {SESSION_ACTIVITY_MIDDLEWARE} after allauth's AccountMiddleware (README).",
    ),
    "W010": W(
        "TELEGRAM_LOGIN_OIDC_CLIENT_ID ({client_id}) is not the id of the bot in "
        "TELEGRAM_LOGIN_BOT_TOKEN ({bot_id}): people who log in on Telegram's page allow one "
        "bot, and the notices about their links come from another.",
        "Use the Web Login settings of the same bot in BotFather.",
    ),
    "E011": E(
        "TELEGRAM_LOGIN_TTL is {ttl}; it must be between 1 and 600 seconds (allauth forgets the "
        "sign-in state after 10 minutes).",
        "Set it to between 1 and 600 seconds, or leave it at 300.",
    ),
    "E012": E(
        "TELEGRAM_LOGIN_RECOVERY_WAIT is {wait}; it must be at least {least} seconds: the wait "
        "is what lets the owner of the linked Telegram hear of its removal and stop it.",
        "Set it to {least} or more, or leave it at three days.",
    ),
    "E013": E(
        "TELEGRAM_LOGIN_RATE_LIMITS[{action!r}]: {error}.",
        'Write rates as allauth does, e.g. "20/m/ip,10/m/key".',
    ),
    "E014": E(
        "TELEGRAM_LOGIN_CONFIRM_MODE is {mode!r}; it must be one of {modes}.",
        'Leave it at "match_code" (docs/security.md).',
    ),
    "E015": E(
        "TELEGRAM_LOGIN_BOT_TOKEN is set but TELEGRAM_LOGIN_WEBHOOK_SECRET is not (Telegram "
        "sends it back on every webhook call).",
        f"Set it to a random string of 32+ characters from {SECRET_CHARACTERS}: {NEW_SECRET}",
    ),
    "E016": E(
        f"TELEGRAM_LOGIN_WEBHOOK_SECRET may only hold 1-256 characters from {SECRET_CHARACTERS}.",
        f"Make one with: {NEW_SECRET}",
    ),
    "E017": E(
        "TELEGRAM_LOGIN_WEBHOOK_SECRET is {length} characters long; with DEBUG off it must be "
        "at least 32 (anyone who guesses it can play any Telegram user).",
        f"Make one with: {NEW_SECRET}",
    ),
    "E018": E(
        "TELEGRAM_LOGIN_BOT_USERNAME must be set to the bot's username (without @) when "
        "TELEGRAM_LOGIN_BOT_TOKEN is set; the sign-in link is "
        "https://t.me/<username>?start=<token>.",
        "Copy it from @BotFather: 5 to 32 of A-Z, a-z, 0-9 and _, starting with a letter.",
    ),
    "E019": E(
        "TELEGRAM_LOGIN_OIDC_CLIENT_SECRET is set but TELEGRAM_LOGIN_OIDC_CLIENT_ID is not.",
        "Set the id to the bot's id (the digits before the colon in its token).",
    ),
    "E020": E(
        "TELEGRAM_LOGIN_OIDC_CLIENT_ID must be the bot's numeric id, as BotFather's Web Login "
        "settings show it.",
        "The digits before the colon in the bot's token.",
    ),
    "E021": E(
        "TELEGRAM_LOGIN_OIDC_CLIENT_ID is set but TELEGRAM_LOGIN_OIDC_CLIENT_SECRET is not.",
        "Copy the client secret from BotFather (the bot's Web Login settings).",
    ),
    "E022": E(
        "TELEGRAM_LOGIN_OIDC_SIGNING_ALGORITHM must be one of {algorithms}.",
        "The one chosen for the bot in BotFather; RS256 unless you changed it.",
    ),
    "E023": E(
        f"TELEGRAM_LOGIN_OIDC_ISSUER must be an absolute URL, like {DEFAULT_ISSUER}.",
        f"Leave it unset for {DEFAULT_ISSUER}.",
    ),
    "E024": E(
        "TELEGRAM_LOGIN_OIDC_ISSUER must be an https:// URL with DEBUG off: the issuer's keys "
        "and tokens must not travel in the clear.",
        f"Leave it unset for {DEFAULT_ISSUER}.",
    ),
    "W025": W("{old} is now named {new}; {what}.", "{hint}"),
    # The site around the app (site_fit.py): traps of real allauth sites.
    "W026": W(
        "{app} is installed too: allauth's own Telegram provider (Telegram's older login widget, "
        'listed as "Telegram" beside this app\'s "Telegram (bot)"). Its accounts are separate: '
        "a person who signs in by both gets two accounts.",
        'Keep one: remove "{app}" from INSTALLED_APPS (and its SocialApp), unless people '
        "already sign in with it (docs/sites.md).",
    ),
    "E027": E(
        "Email verification is mandatory but SOCIALACCOUNT_EMAIL_REQUIRED is False: a new "
        "Telegram user (Telegram gives no address) would wait forever for a confirmation mail.",
        "Remove SOCIALACCOUNT_EMAIL_REQUIRED = False (allauth then asks each new Telegram user "
        'for an address), or set SOCIALACCOUNT_EMAIL_VERIFICATION = "optional".',
    ),
    "E028": E(
        "{model}.{field} is unique but SOCIALACCOUNT_EMAIL_REQUIRED is False: every new Telegram "
        'user would be saved with the address "", and the second one cannot be.',
        "Remove SOCIALACCOUNT_EMAIL_REQUIRED = False: allauth then asks each new Telegram user "
        "for an address.",
    ),
    "E029": E(
        "ACCOUNT_USER_MODEL_USERNAME_FIELD is {field!r}, a field {model} does not have.",
        "Set it to the model's username field, or to None for a model without usernames.",
    ),
    "E031": E(
        "ACCOUNT_USER_MODEL_USERNAME_FIELD is None but {model}.{field} is a unique username: "
        'every new Telegram user would be saved with the username "", and the second one '
        "cannot be.",
        'Set ACCOUNT_USER_MODEL_USERNAME_FIELD = "{field}".',
    ),
    "E033": E(
        "TELEGRAM_LOGIN_BOT_TOKEN is not a bot token (the bot's id, a colon, then letters, "
        "digits, _ and -): the sign-in link would open a bot that does not answer.",
        "Copy it from @BotFather, or leave it unset in development, where Telegram can be "
        "played without a bot (README).",
    ),
    "E034": E(
        "TELEGRAM_LOGIN_MINI_APP_URL must be an https:// URL: Telegram opens only HTTPS pages "
        "as a bot's Mini App.",
        "The site's sign-in page, e.g. https://example.com/accounts/login/, or leave it empty.",
    ),
    "E035": E(
        "TELEGRAM_LOGIN_MINI_APP_MAX_AGE must be 1 to {most} seconds: older initData is no "
        "proof that the person is there now.",
        "Leave it unset for 300 (five minutes).",
    ),
    "W030": W(
        "The site's own sign-in or sign-up page ({template}) lists no way in but its form: no "
        "Telegram button there.",
        "Put {{% load telegram_login %}}{{% telegram_login_widget %}} where the button goes "
        "(docs/templates.md), or silence telegram_login.W030 if an included template lists them.",
    ),
    "W032": W(
        "allauth.headless is installed, but the Telegram endpoints for its apps are not "
        "mounted: single-page and mobile apps cannot sign in with Telegram (allauth's own "
        "headless config does not offer it: the deep link is no provider redirect).",
        'Add path("_allauth/", include("telegram_login.headless.urls")) beside allauth\'s '
        "headless URLs (docs/headless.md), or silence telegram_login.W032 if no app signs in "
        "with Telegram.",
    ),
}


# A day: Telegram's clients hand a Mini App fresh initData each time it opens.
MAX_MINI_APP_AGE = 24 * 3600


def found(code: str, **values: Any) -> checks.CheckMessage:
    """The check message of PROBLEMS[code], with `values` put in."""
    level, message, hint = PROBLEMS[code]
    return level(message.format(**values), hint=hint.format(**values), id=f"telegram_login.{code}")


def check_telegram_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every problem at once: the settings (conf.py), the names they are set under, what they
    leave off, and what the app needs of the site around it."""
    conf = get_settings()
    problems = settings_problems(conf, debug=settings.DEBUG) + _renamed_settings()
    problems += _adapter_problems() + _middleware_problems() + _headless_problems()
    problems += [found(code, **values) for code, values in site_traps()]
    if conf.enabled and not apps.is_installed("allauth.usersessions"):
        problems.append(found("W006"))
    if conf.enabled and not settings.DEBUG and not conf.played and not queue_keeps_tasks():
        problems.append(found("W007"))
    if not conf.enabled:
        problems.append(found("W001"))
    elif conf.confirm_mode == "button" and not settings.DEBUG:
        problems.append(found("W003"))
    if conf.enabled and not conf.webhook_secret and settings.DEBUG:
        problems.append(found("W002"))
    bot_id = "" if conf.played else conf.bot_token.split(":")[0]
    if conf.oidc.client_id and bot_id and bot_id != conf.oidc.client_id:
        problems.append(found("W010", client_id=conf.oidc.client_id, bot_id=bot_id))
    return problems


def settings_problems(conf: TelegramLoginSettings, *, debug: bool) -> list[checks.CheckMessage]:
    """What is unsafe or cannot work in `conf`, each with what to change."""
    problems = []
    if not 1 <= conf.login_ttl <= MAX_LOGIN_TTL:
        problems.append(found("E011", ttl=conf.login_ttl))
    if conf.recovery_wait < MIN_RECOVERY_WAIT:
        problems.append(found("E012", wait=conf.recovery_wait, least=MIN_RECOVERY_WAIT))
    for action, rates in conf.rate_limits.items():
        try:
            parse_rates(rates)
        except ValueError as error:
            problems.append(found("E013", action=action, error=error))
    if conf.confirm_mode not in CONFIRM_MODES:
        problems.append(found("E014", mode=conf.confirm_mode, modes=", ".join(CONFIRM_MODES)))
    if conf.mini_app_url and not conf.mini_app_url.startswith("https://"):
        problems.append(found("E034"))
    if not 1 <= conf.mini_app_max_age <= MAX_MINI_APP_AGE:
        problems.append(found("E035", most=MAX_MINI_APP_AGE))
    if conf.bot_token:
        problems += _bot_problems(conf, debug=debug)
    return problems + _oidc_problems(conf, debug=debug)


def _bot_problems(conf: TelegramLoginSettings, *, debug: bool) -> list[checks.CheckMessage]:
    """A bot is configured: its webhook secret and its username."""
    problems = []
    if not conf.webhook_secret:
        if not debug:
            problems.append(found("E015"))
    elif not WEBHOOK_SECRET_RE.match(conf.webhook_secret):
        problems.append(found("E016"))
    elif not debug and len(conf.webhook_secret) < MIN_WEBHOOK_SECRET_LENGTH:
        problems.append(found("E017", length=len(conf.webhook_secret)))
    if not BOT_USERNAME_RE.match(conf.bot_username):
        problems.append(found("E018"))
    if not BOT_TOKEN_RE.match(conf.bot_token):
        problems.append(found("E033"))
    return problems


def _oidc_problems(conf: TelegramLoginSettings, *, debug: bool) -> list[checks.CheckMessage]:
    """Telegram's login page, where the site configured it (a stand-in's is always usable)."""
    oidc = conf.oidc
    if oidc.played:
        return []
    if not oidc.client_id:
        return [found("E019")] if oidc.client_secret else []
    problems = []
    if not CLIENT_ID_RE.match(oidc.client_id):
        problems.append(found("E020"))
    if not oidc.client_secret:
        problems.append(found("E021"))
    if oidc.signing_algorithm not in SIGNING_ALGORITHMS:
        problems.append(found("E022", algorithms=", ".join(SIGNING_ALGORITHMS)))
    issuer = urlsplit(oidc.issuer)
    if issuer.scheme not in ("https", "http") or not issuer.netloc:
        problems.append(found("E023"))
    elif issuer.scheme != "https" and not debug:
        problems.append(found("E024"))
    return problems


def _renamed_settings() -> list[checks.CheckMessage]:
    """Each old name the site still sets (conf.RENAMED): read while the new one is unset."""
    problems = []
    for old, new in RENAMED.items():
        if not hasattr(settings, old):
            continue
        if not hasattr(settings, new):
            what, hint = "the old name still works, for now", f"Rename {old} to {new}."
        elif getattr(settings, new) != getattr(settings, old):
            what, hint = f"{old} is not read, as {new} is set", f"Remove {old}."
        else:
            continue
        problems.append(found("W025", old=old, new=new, what=what, hint=hint))
    return problems


def _adapter_problems() -> list[checks.CheckMessage]:
    """An error, not a warning: without the rules the password alone disconnects Telegram."""
    theirs = {name: getattr(settings, name, ALLAUTH_ADAPTERS[name]) for name in ADAPTERS}
    return [
        found("E005", setting=name, theirs=theirs[name], ours=ours)
        for name, ours in ADAPTERS.items()
        if not issubclass(import_string(theirs[name]), import_string(ours))
    ]


def _middleware_problems() -> list[checks.CheckMessage]:
    """The waiting poll's answers keep the security middleware's redirect and headers only after
    it; this app's session middleware signs out a browser ended from Telegram (browsers.py)."""
    middleware = list(settings.MIDDLEWARE)

    def before(first: str, then: str) -> bool:
        return {first, then} <= set(middleware) and middleware.index(first) < middleware.index(then)

    problems = []
    if SESSION_ACTIVITY_MIDDLEWARE not in middleware or before(
        SESSION_ACTIVITY_MIDDLEWARE, AUTHENTICATION_MIDDLEWARE
    ):
        problems.append(found("W009"))
    if before(WAITING_POLL_MIDDLEWARE, SECURITY_MIDDLEWARE):
        problems.append(found("W008"))
    return problems


def _headless_problems() -> list[checks.CheckMessage]:
    """With allauth.headless, apps find the deep link only at its own endpoints (headless/)."""
    if not apps.is_installed("allauth.headless"):
        return []
    for client in ("browser", "app"):
        try:
            reverse(f"telegram_login_headless:{client}:config")
        except NoReverseMatch:
            continue
        return []
    return [found("W032")]
