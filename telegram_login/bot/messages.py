"""What the bot says: every text and keyboard it sends, built as BotCalls."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..conf import get_settings
from ..models import LoginRequest
from ..sessions import SessionView
from .client import BotCall

CALLBACK_PREFIX = "tl"
ACTION_CODE = "c"
ACTION_CANCEL = "x"
ACTION_UNLINK = "u"
# Strict shapes (ASCII only): "tl:c:<request id hex>:<code>", "tl:x:<request id hex>:",
# "tl:u:<social account id>:". str.isdigit() would accept "١٢" and crash the comparison.
DECISION_DATA_RE = re.compile(r"^tl:(?P<action>[cx]):(?P<id>[0-9a-f]{32}):(?P<code>[0-9]{0,4})$")
UNLINK_DATA_RE = re.compile(r"^tl:u:(?P<id>[1-9][0-9]{0,18}):$")


def callback_data(login_request: LoginRequest, action: str, code: str = "") -> str:
    return ":".join([CALLBACK_PREFIX, action, login_request.id.hex, code])


def parse_callback_data(data: str) -> tuple[uuid.UUID, str | None] | None:
    """(request id, chosen code or None for Cancel), or None if the data is not a decision."""
    found = DECISION_DATA_RE.match(data)
    if found is None:
        return None
    request_id = uuid.UUID(hex=found["id"])
    if found["action"] == ACTION_CANCEL:
        return request_id, None
    if not found["code"]:
        return None
    return request_id, found["code"]


def unlink_callback_data(social_account_id: int) -> str:
    return f"{CALLBACK_PREFIX}:{ACTION_UNLINK}:{social_account_id}:"


def parse_unlink_data(data: str) -> int | None:
    found = UNLINK_DATA_RE.match(data)
    return int(found["id"]) if found else None


def age_text(since: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    if seconds < 10:
        return _("just now")
    if seconds < 60:
        return ngettext("%(n)d second ago", "%(n)d seconds ago", seconds) % {"n": seconds}
    minutes = seconds // 60
    return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}


def _site() -> str:
    return get_settings().site_name


# What a reauthentication unlocks, by the URL name of the page it resumes.
PURPOSES = {
    "account_set_password": gettext_lazy("set a password for the account"),
    "account_change_password": gettext_lazy("change the account's password"),
    "account_email": gettext_lazy("change the account's email addresses"),
    "socialaccount_connections": gettext_lazy("change how you sign in to the account"),
    "telegram_login_alerts": gettext_lazy("turn off the sign-in alerts in Telegram"),
}
DEFAULT_PURPOSE = gettext_lazy("change the account's security settings")


def device_text(login_request: LoginRequest) -> str:
    """ "Chrome 120 on Windows 10", from the known families stored at the start (useragent.py)."""
    return device_of(browser=login_request.requester_browser, system=login_request.requester_os)


def device_of(*, browser: str, system: str) -> str:
    """ "Chrome 120 on Windows 10" from known browser and OS families (useragent.py)."""
    if browser and system:
        return _("%(browser)s on %(os)s") % {"browser": browser, "os": system}
    if browser:
        return browser
    if system:
        return _("an unknown browser on %(os)s") % {"os": system}
    return _("an unknown browser")


def _title(login_request: LoginRequest, label: str) -> list[str]:
    site = _site()
    process = login_request.process
    if process == LoginRequest.Process.CONNECT:
        return [
            _("Link this Telegram account to the account %(account)s on %(site)s?")
            % {"account": label, "site": site},
            _(
                "If you confirm, this Telegram account signs in to %(account)s from now on, "
                "and whoever uses %(account)s sees your Telegram name."
            )
            % {"account": label},
        ]
    if process == LoginRequest.Process.REAUTHENTICATE:
        purpose = PURPOSES.get(login_request.purpose, DEFAULT_PURPOSE)
        return [
            _("Confirm that it is you on %(site)s (account %(account)s)?")
            % {"site": site, "account": label},
            _(
                "Confirming lets that browser %(purpose)s, and make other changes to how you "
                "sign in for the next 5 minutes."
            )
            % {"purpose": purpose},
        ]
    return [_("Sign in to %(site)s with this Telegram account?") % {"site": site}]


def confirm_prompt(*, chat_id: int, login_request: LoginRequest, account: str = "") -> BotCall:
    """The consent step: what is asked and by whom, a warning against relayed instructions, then
    the code choice with Cancel beside it (or, in browser_code mode, the code to type into the
    browser). `account` names the site account of a connect or confirmation request, as the
    site shows it."""
    lines = [
        *_title(login_request, account),
        "",
        _("Browser: %(agent)s") % {"agent": device_text(login_request)},
        _("IP address: %(ip)s") % {"ip": login_request.requester_ip or _("unknown")},
        _("Requested: %(age)s") % {"age": age_text(login_request.created_at)},
        "",
        _(
            "⚠ If someone sent you this link or asks you for the code below, they are trying to "
            "take over your account: press Cancel."
        )
        if get_settings().confirm_mode == "browser_code"
        else _(
            "⚠ If someone sent you this link or told you which button to press, they are trying "
            "to take over your account: press Cancel."
        ),
        "",
    ]
    cancel = [
        {
            "text": _("✖ Cancel, this was not me"),
            "callback_data": callback_data(login_request, ACTION_CANCEL),
        }
    ]
    mode = get_settings().confirm_mode
    if mode == "browser_code":
        code = login_request.match_code
        lines += [
            _("If you started this yourself just now, type this code in that browser:"),
            f"{code[:3]} {code[3:]}",
            "",
            _(
                "Never give this code to anyone and never type it anywhere else: nobody from "
                "%(site)s will ask you for it."
            )
            % {"site": _site()},
        ]
        return BotCall(
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": "\n".join(lines),
                "reply_markup": {"inline_keyboard": [cancel]},
            },
            prompt_of=login_request.id,
        )
    if mode == "button":
        lines.append(_("If you started this yourself just now, press Confirm."))
        choices = [
            {
                "text": _("✔ Confirm"),
                "callback_data": callback_data(
                    login_request, ACTION_CODE, login_request.match_code
                ),
            }
        ]
    else:
        lines.append(
            _("If you started this yourself just now, press the code that your browser shows.")
        )
        choices = [
            {"text": code, "callback_data": callback_data(login_request, ACTION_CODE, code)}
            for code in login_request.code_choices
        ]
    return BotCall(
        "sendMessage",
        {
            "chat_id": chat_id,
            "text": "\n".join(lines),
            "reply_markup": {"inline_keyboard": [choices, cancel]},
        },
        prompt_of=login_request.id,
    )


def link_notice(*, chat_id: int, social_account_id: int, account: str) -> BotCall:
    """Told to the Telegram user when their Telegram was linked to a site account."""
    return BotCall(
        "sendMessage",
        {
            "chat_id": chat_id,
            "text": _(
                "🔗 This Telegram account is now linked to the account %(account)s on %(site)s "
                "and can sign in to it. If you did not mean to link it, press Unlink."
            )
            % {"account": account, "site": _site()},
            "reply_markup": {
                "inline_keyboard": [
                    [
                        {
                            "text": _("Unlink"),
                            "callback_data": unlink_callback_data(social_account_id),
                        }
                    ]
                ]
            },
        },
    )


def unlink_notice(*, chat_id: int, account: str) -> BotCall:
    """Told to the Telegram user when their Telegram was unlinked from a site account."""
    return text_message(
        chat_id=chat_id,
        text=_(
            "This Telegram account was unlinked from the account %(account)s on %(site)s and no "
            "longer signs in to it."
        )
        % {"account": account, "site": _site()},
    )


def text_message(*, chat_id: int, text: str) -> BotCall:
    return BotCall("sendMessage", {"chat_id": chat_id, "text": text})


def welcome(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_(
            "Hi! I sign you in to %(site)s. Open the sign-in page there and press "
            '"Sign in with Telegram", then follow the link it shows.'
        )
        % {"site": _site()},
    )


def token_unknown(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_("This sign-in link is not valid. Start again on the %(site)s sign-in page.")
        % {"site": _site()},
    )


def token_used(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_(
            "This sign-in link has already been used. If you want to sign in, start again "
            "on the %(site)s sign-in page."
        )
        % {"site": _site()},
    )


def token_expired(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_("This sign-in link has expired. Start again on the %(site)s sign-in page.")
        % {"site": _site()},
    )


def private_chat_only(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_("For your safety, sign-in works only in a private chat with me."),
    )


def slow_down(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_("Too many attempts. Please wait a minute and try again."),
    )


def outcome_text(login_request: LoginRequest) -> str:
    site = _site()
    status = login_request.status
    if status in {LoginRequest.Status.APPROVED, LoginRequest.Status.COMPLETED}:
        # The browser finishes it when it is looked at again: say so, and what to do if the
        # page was closed (the sign-in page picks up a request its browser started).
        if login_request.process == LoginRequest.Process.CONNECT:
            done = _(
                "✔ Done. Go back to the browser where you started: it finishes linking Telegram "
                "on %(site)s."
            )
        elif login_request.process == LoginRequest.Process.REAUTHENTICATE:
            done = _("✔ Confirmed. Go back to the browser where you started to go on.")
        else:
            done = _(
                "✔ Done. Go back to the browser where you started: it finishes signing you in to "
                "%(site)s."
            )
        closed = _(
            "If you closed that page, open the %(site)s page again in the same browser within a "
            "few minutes."
        )
        return f"{done % {'site': site}}\n{closed % {'site': site}}"
    if status == LoginRequest.Status.EXPIRED:
        return _("This sign-in request has expired. Nobody was signed in.")
    if login_request.deny_reason == LoginRequest.DenyReason.WRONG_CODE:
        return _(
            "✖ Denied: that was not the code the browser showed, so nobody was signed in. "
            "If someone sent you this link, do not follow their instructions."
        )
    if login_request.deny_reason == LoginRequest.DenyReason.CANCELLED:
        return _("✖ Cancelled. Nobody was signed in.")
    if login_request.deny_reason == LoginRequest.DenyReason.FAILED:
        return _("✖ The browser could not finish this, so nothing was changed.")
    return _("This sign-in request is no longer active.")


def text_edit(*, chat_id: int, message_id: int, text: str) -> BotCall:
    """Replace a bot message's text; its buttons go with it."""
    return BotCall("editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": text})


def answer_callback(*, callback_query_id: str, text: str, alert: bool = False) -> BotCall:
    params: dict[str, object] = {"callback_query_id": callback_query_id, "text": text[:200]}
    if alert:
        params["show_alert"] = True
    return BotCall("answerCallbackQuery", params)


# -- Sign-in alerts and the account's sessions (alerts.py, bot/sessions.py) ------------------------

ACTION_END_SESSION = "s"
ACTION_END_ALL = "e"
# Where a "sign this session out" button is: under an alert (or a Telegram sign-in's own
# message), or under the /sessions list, which is shown again without the ended session.
FROM_ALERT = "a"
FROM_LIST = "l"
# "tl:s:<session id>:a", "tl:s:<session id>:l", "tl:e::" (ASCII only, as above).
SESSION_DATA_RE = re.compile(r"^tl:(?:s:(?P<id>[1-9][0-9]{0,18}):(?P<origin>[al])|e::)$")
# How many sessions one /sessions message lists, each with its button.
MAX_LISTED_SESSIONS = 10


@dataclass(frozen=True)
class SessionPress:
    """A press on a session button: end `session_id` (from an alert or the list), or, with
    `session_id` None, every session of the account."""

    session_id: int | None
    origin: str = ""


def end_session_data(session_id: int, origin: str) -> str:
    return f"{CALLBACK_PREFIX}:{ACTION_END_SESSION}:{session_id}:{origin}"


def end_all_data() -> str:
    return f"{CALLBACK_PREFIX}:{ACTION_END_ALL}::"


def parse_session_data(data: str) -> SessionPress | None:
    found = SESSION_DATA_RE.match(data)
    if found is None:
        return None
    if found["id"] is None:
        return SessionPress(None)
    return SessionPress(int(found["id"]), found["origin"])


def moment_text(when: datetime) -> str:
    """ "March 5, 2026, 2:03 p.m. UTC" in the site's time zone, in the current language."""
    local = timezone.localtime(when)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname() or ''}".strip()


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


# How the person signed in, by allauth's name of the method (alerts.py).
SIGN_IN_METHODS = {
    "password": gettext_lazy("email and password"),
    "password_reset": gettext_lazy("a password reset link from email"),
    "code": gettext_lazy("a sign-in code from email"),
    "telegram": gettext_lazy("Telegram"),
}


def sign_in_method_text(method: str, provider_name: str = "") -> str:
    if method in SIGN_IN_METHODS:
        return str(SIGN_IN_METHODS[method])
    if provider_name:
        return provider_name
    return _("another way")


def _session_lines(session: SessionView) -> list[str]:
    return [
        _("Browser: %(agent)s") % {"agent": device_of(browser=session.browser, system=session.os)},
        _("IP address: %(ip)s") % {"ip": session.ip or _("unknown")},
        _("Time: %(time)s") % {"time": moment_text(session.signed_in_at)},
    ]


def _session_buttons(session_id: int | None) -> dict[str, Any]:
    rows = []
    if session_id is not None:
        rows.append(
            [
                {
                    "text": _("Not me: sign this session out"),
                    "callback_data": end_session_data(session_id, FROM_ALERT),
                }
            ]
        )
    rows.append([{"text": _("Sign out everywhere"), "callback_data": end_all_data()}])
    return {"inline_keyboard": rows}


def sign_in_alert(*, chat_id: int, account: str, session: SessionView, method: str) -> BotCall:
    """Told to the linked Telegram after a sign-in to the account by any other way."""
    lines = [
        _("🔐 New sign-in to %(account)s on %(site)s") % {"account": account, "site": _site()},
        "",
        _("Signed in with: %(method)s") % {"method": method},
        *_session_lines(session),
        "",
        _(
            "If this was you, there is nothing to do. If it was not, sign that session out "
            "now, and change your password."
        ),
    ]
    return BotCall(
        "sendMessage",
        {
            "chat_id": chat_id,
            "text": "\n".join(lines),
            "reply_markup": _session_buttons(session.id),
        },
    )


def signed_in_edit(
    *,
    chat_id: int,
    message_id: int,
    account: str,
    session: SessionView,
    session_open: bool,
) -> BotCall:
    """A sign-in through Telegram finished: its consent prompt becomes the alert, with the
    button that ends the session it opened (as long as that session lasts)."""
    lines = [
        _("✔ Signed in to %(account)s on %(site)s.") % {"account": account, "site": _site()},
        "",
        _("Signed in with: %(method)s") % {"method": sign_in_method_text("telegram")},
        *_session_lines(session),
        "",
    ]
    if not session_open:
        lines.append(_("That session has ended since."))
        return text_edit(chat_id=chat_id, message_id=message_id, text="\n".join(lines))
    lines.append(_("If this was not you, sign that session out now."))
    return BotCall(
        "editMessageText",
        {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": "\n".join(lines),
            "reply_markup": _session_buttons(session.id),
        },
    )


def alerts_changed_notice(
    *, chat_id: int, account: str, enabled: bool, session: SessionView | None
) -> BotCall:
    """Told to the linked Telegram when the account's sign-in alerts are turned on or off."""
    if enabled:
        return text_message(
            chat_id=chat_id,
            text=_(
                "🔔 Sign-in alerts for %(account)s on %(site)s are on: I will tell you of every "
                "new sign-in."
            )
            % {"account": account, "site": _site()},
        )
    where = (
        _(" from %(agent)s (IP %(ip)s)")
        % {
            "agent": device_of(browser=session.browser, system=session.os),
            "ip": session.ip or _("unknown"),
        }
        if session is not None
        else ""
    )
    text = _(
        "🔕 Sign-in alerts for %(account)s on %(site)s were turned off%(where)s. If it was not "
        "you, sign out everywhere and change your password."
    ) % {"account": account, "site": _site(), "where": where}
    return BotCall(
        "sendMessage",
        {"chat_id": chat_id, "text": text, "reply_markup": _session_buttons(None)},
    )


def _change_password_hint(has_password: bool) -> list[str]:
    if not has_password:
        return []
    return [
        "",
        _(
            "If you did not sign in yourself, change your password on %(site)s: whoever did "
            "may know it."
        )
        % {"site": _site()},
    ]


def session_ended_edit(
    *, chat_id: int, message_id: int, account: str, session: SessionView, has_password: bool
) -> BotCall:
    """The alert after its "Not me" was pressed: that session is over; everywhere stays."""
    lines = [
        _("✔ Signed out: %(agent)s (IP %(ip)s) no longer has access to %(account)s on %(site)s.")
        % {
            "agent": device_of(browser=session.browser, system=session.os),
            "ip": session.ip or _("unknown"),
            "account": account,
            "site": _site(),
        },
        *_change_password_hint(has_password),
    ]
    return BotCall(
        "editMessageText",
        {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": "\n".join(lines),
            "reply_markup": _session_buttons(None),
        },
    )


def all_ended_edit(
    *, chat_id: int, message_id: int, account: str, count: int, has_password: bool
) -> BotCall:
    lines = [
        ngettext(
            "✔ Signed out everywhere: %(count)d session of %(account)s on %(site)s ended.",
            "✔ Signed out everywhere: %(count)d sessions of %(account)s on %(site)s ended.",
            count,
        )
        % {"count": count, "account": account, "site": _site()},
        *_change_password_hint(has_password),
    ]
    return text_edit(chat_id=chat_id, message_id=message_id, text="\n".join(lines))


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
    site = _site()
    if not sessions:
        text = _("No browser is signed in to %(account)s on %(site)s now.") % {
            "account": account,
            "site": site,
        }
        markup: dict[str, Any] = {"inline_keyboard": []}
    else:
        shown = sessions[:MAX_LISTED_SESSIONS]
        lines = [
            _("Browsers signed in to %(account)s on %(site)s:")
            % {"account": account, "site": site},
            "",
        ]
        buttons = []
        for number, session in enumerate(shown, start=1):
            device = device_of(browser=session.browser, system=session.os)
            seen = (
                _("active now")
                if session.active(now)
                else _("last seen %(ago)s") % {"ago": since_text(session.last_seen_at, now)}
            )
            lines += [
                f"{number}. {device} · {seen}",
                "    "
                + _("IP %(ip)s · signed in %(time)s")
                % {"ip": session.ip or _("unknown"), "time": moment_text(session.signed_in_at)},
            ]
            buttons.append(
                [
                    {
                        "text": f"✖ {number}. {device}",
                        "callback_data": end_session_data(session.id, FROM_LIST),
                    }
                ]
            )
        if len(sessions) > len(shown):
            more = len(sessions) - len(shown)
            lines.append(ngettext("…and %(n)d more.", "…and %(n)d more.", more) % {"n": more})
        lines += ["", _("Press a session to sign it out.")]
        buttons.append([{"text": _("Sign out everywhere"), "callback_data": end_all_data()}])
        text = "\n".join(lines)
        markup = {"inline_keyboard": buttons}
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "reply_markup": markup}
    if message_id is None:
        return BotCall("sendMessage", params)
    return BotCall("editMessageText", {**params, "message_id": message_id})


def sessions_not_linked(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_(
            "This Telegram account is not linked to an account on %(site)s, so it has no "
            "sessions to show. Sign in there with Telegram, or link Telegram in Settings under "
            "Connected accounts."
        )
        % {"site": _site()},
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
