"""What the bot says of the account's sessions: the sign-in alert, the consent prompt of a
finished Telegram sign-in, the /sessions list and the answers to its buttons (alerts.py,
bot/sessions.py, bot/prompts.py), and the bot's command menu."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from telegram_login.messaging.callbacks import EndAll, NoticePress, encode
from telegram_login.messaging.client import BotCall
from telegram_login.messaging.texts import (
    device_of,
    text_edit,
    text_message,
)
from telegram_login.security.sessions import SessionView
from telegram_login.site import site_name


def moment_text(when: datetime) -> str:
    """ "March 5, 2026, 2:03 p.m. UTC" in the site's time zone, named, in the current language
    (the person's Telegram language): the bot cannot know the person's own zone."""
    local = timezone.localtime(when)
    return f"{date_format(local, 'DATETIME_FORMAT')} {zone_name(local)}"


def zone_name(local: datetime) -> str:
    """The zone's abbreviation ("UTC", "CET", "MSK"), or its offset from UTC ("UTC+04:00") where
    the abbreviation is only a bare offset ("+04") or missing."""
    name = local.tzname() or ""
    if name.isalpha():
        return name
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# How the person signed in, by allauth's name of the method (alerts.py).
SIGN_IN_METHODS = {
    "password": gettext_lazy("email and password"),
    "password_reset": gettext_lazy("a password reset link from email"),
    "code": gettext_lazy("a sign-in code from email"),
    "telegram": gettext_lazy("Telegram"),
    "telegram_oidc": gettext_lazy("Telegram's login page"),
    "telegram_mini_app": gettext_lazy("Telegram Mini App"),
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


def notice_buttons(notice_id: int, *, not_me: str | None = None) -> dict[str, Any]:
    """ "Not me" (unless it was pressed already: `not_me` None) and "Sign out everywhere",
    both acting on the notice (models.SecurityNotice)."""
    rows = []
    if not_me is not None:
        rows.append([{"text": not_me, "callback_data": encode(NoticePress(notice_id))}])
    rows.append(
        [
            {
                "text": _("Sign out everywhere"),
                "callback_data": encode(NoticePress(notice_id, everywhere=True)),
            }
        ]
    )
    return {"inline_keyboard": rows}


def not_me_text() -> str:
    return _("Not me: sign this session out")


def sign_in_alert(
    *, chat_id: int, account: str, session: SessionView, method: str, notice_id: int
) -> BotCall:
    """Told to the linked Telegram after a sign-in to the account by any other way."""
    lines = [
        _("🔐 New sign-in to %(site)s as %(account)s") % {"account": account, "site": site_name()},
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
            "reply_markup": notice_buttons(notice_id, not_me=not_me_text()),
        },
    )


def signed_in_edit(
    *,
    chat_id: int,
    message_id: int,
    account: str,
    session: SessionView,
    session_open: bool,
    notice_id: int,
    site: str,
) -> BotCall:
    """A sign-in through Telegram finished: its consent prompt becomes the alert, with the
    button that ends the session it opened (as long as that session lasts). `site` is the name
    its prompt gave the site."""
    lines = [
        _("✔ Signed in to %(site)s as %(account)s.") % {"account": account, "site": site},
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
            "reply_markup": notice_buttons(notice_id, not_me=not_me_text()),
        },
    )


def alerts_changed_notice(
    *,
    chat_id: int,
    account: str,
    enabled: bool,
    session: SessionView | None,
    notice_id: int | None = None,
) -> BotCall:
    """Told to the linked Telegram when the account's sign-in alerts are turned on or off."""
    if enabled:
        return text_message(
            chat_id=chat_id,
            text=_(
                "🔔 Sign-in alerts for %(account)s on %(site)s are on: I will tell you of every "
                "new sign-in."
            )
            % {"account": account, "site": site_name()},
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
        "you, press Not me: that browser is signed out and the alerts come back on."
    ) % {"account": account, "site": site_name(), "where": where}
    params: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if notice_id is not None:
        params["reply_markup"] = notice_buttons(notice_id, not_me=undo_button_text())
    return BotCall("sendMessage", params)


def undo_button_text() -> str:
    return _("Not me: sign that browser out and undo")


def _change_password_hint(has_password: bool) -> list[str]:
    if not has_password:
        return []
    return [
        "",
        _(
            "If you did not sign in yourself, change your password on %(site)s: whoever did "
            "may know it."
        )
        % {"site": site_name()},
    ]


def session_ended_edit(
    *,
    chat_id: int,
    message_id: int,
    account: str,
    session: SessionView,
    has_password: bool,
    undone: str = "",
    notice_id: int | None = None,
) -> BotCall:
    """The alert after its "Not me" was pressed: that browser is signed out (and the change
    undone, `undone` says how); "Sign out everywhere" stays."""
    lines = [
        _("✔ Signed out: %(agent)s (IP %(ip)s) no longer has access to %(account)s on %(site)s.")
        % {
            "agent": device_of(browser=session.browser, system=session.os),
            "ip": session.ip or _("unknown"),
            "account": account,
            "site": site_name(),
        },
        *([undone] if undone else []),
        *_change_password_hint(has_password),
    ]
    params: dict[str, Any] = {
        "chat_id": chat_id,
        "message_id": message_id,
        "text": "\n".join(lines),
    }
    if notice_id is not None:
        params["reply_markup"] = notice_buttons(notice_id)
    else:
        params["reply_markup"] = {
            "inline_keyboard": [
                [{"text": _("Sign out everywhere"), "callback_data": encode(EndAll())}]
            ]
        }
    return BotCall("editMessageText", params)


def all_ended_edit(
    *, chat_id: int, message_id: int, account: str, count: int, has_password: bool
) -> BotCall:
    lines = [
        ngettext(
            "✔ Signed out everywhere: %(count)d session of %(account)s on %(site)s ended.",
            "✔ Signed out everywhere: %(count)d sessions of %(account)s on %(site)s ended.",
            count,
        )
        % {"count": count, "account": account, "site": site_name()},
        *_change_password_hint(has_password),
    ]
    return text_edit(chat_id=chat_id, message_id=message_id, text="\n".join(lines))
