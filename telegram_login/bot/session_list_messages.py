"""What the bot says for /sessions: the browsers signed in to the linked account, each with the
button that signs it out (bot/sessions.py), and the bot's command menu."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from telegram_login.messaging.callbacks import FROM_LIST, EndAll, EndSession, encode
from telegram_login.messaging.client import BotCall
from telegram_login.messaging.texts import age_text, device_of, text_message
from telegram_login.security.sessions import SessionView
from telegram_login.site import site_name

# How many sessions one /sessions message lists, each with its button.
MAX_LISTED_SESSIONS = 10


def since_text(since: datetime, now: datetime | None = None) -> str:
    """How long ago, in the largest unit that fits: seconds, minutes, hours or days."""
    now = now or timezone.now()
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return age_text(since, now)
    hours = seconds // 3600
    if hours < 48:
        return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}


def sessions_list(
    *,
    chat_id: int,
    account: str,
    sessions: list[SessionView],
    message_id: int | None = None,
    now: datetime | None = None,
) -> BotCall:
    """The answer to /sessions (or, with `message_id`, that answer shown again after a session
    ended): each session with a button that ends it, and one that ends them all."""
    now = now or timezone.now()
    site = site_name()
    if not sessions:
        text = _("No browser is signed in to %(site)s as %(account)s now.") % {
            "account": account,
            "site": site,
        }
        markup: dict[str, Any] = {"inline_keyboard": []}
    else:
        shown = sessions[:MAX_LISTED_SESSIONS]
        lines = [
            _("Browsers signed in to %(site)s as %(account)s:")
            % {"account": account, "site": site},
            "",
        ]
        buttons = []
        for number, session in enumerate(shown, start=1):
            entry, button = _listed(number, session, now)
            lines += entry
            buttons.append([button])
        if len(sessions) > len(shown):
            more = len(sessions) - len(shown)
            lines.append(ngettext("…and %(n)d more.", "…and %(n)d more.", more) % {"n": more})
        lines += ["", _("Press a session to sign it out.")]
        buttons.append([{"text": _("Sign out everywhere"), "callback_data": encode(EndAll())}])
        text = "\n".join(lines)
        markup = {"inline_keyboard": buttons}
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "reply_markup": markup}
    if message_id is None:
        return BotCall("sendMessage", params)
    return BotCall("editMessageText", {**params, "message_id": message_id})


def _listed(number: int, session: SessionView, now: datetime) -> tuple[list[str], dict[str, str]]:
    """One session's two lines in the list, and its button."""
    device = device_of(browser=session.browser, system=session.os)
    seen = (
        _("active now")
        if session.active(now)
        else _("last seen %(ago)s") % {"ago": since_text(session.last_seen_at, now)}
    )
    # How long ago, not a time of day in the site's zone: the list is written when it is asked for.
    lines = [
        f"{number}. {device} · {seen}",
        "    "
        + _("IP %(ip)s · signed in %(ago)s")
        % {"ip": session.ip or _("unknown"), "ago": since_text(session.signed_in_at, now)},
    ]
    button = {
        "text": f"✖ {number}. {device}",
        "callback_data": encode(EndSession(session.id, FROM_LIST)),
    }
    return lines, button


def sessions_not_linked(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_(
            "This Telegram account is not connected to an account on %(site)s, so it has no "
            "sessions to show. Sign in there with Telegram, or connect Telegram in Settings "
            "under Connected accounts."
        )
        % {"site": site_name()},
    )


# The bot's command menu (setMyCommands, telegram_webhook_set): private chats only, where the
# commands work.
BOT_COMMANDS = [("sessions", gettext_lazy("Browsers signed in to your account; sign them out"))]


def my_commands(*, language_code: str = "") -> BotCall:
    params: dict[str, Any] = {
        "commands": [
            {"command": command, "description": str(description)}
            for command, description in BOT_COMMANDS
        ],
        "scope": {"type": "all_private_chats"},
    }
    if language_code:
        params["language_code"] = language_code
    return BotCall("setMyCommands", params)
