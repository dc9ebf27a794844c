"""What the bot tells the linked Telegram when the account is changed in a browser (a new
password, an email address added or removed, a new primary address, two-factor authentication
turned off; account_changes.py), with "Not me" and "Sign out everywhere"."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from telegram_login.messaging.client import BotCall
from telegram_login.messaging.texts import device_of
from telegram_login.models import SecurityNotice
from telegram_login.security.messages import (
    moment_text,
    not_me_text,
    notice_buttons,
    undo_button_text,
)
from telegram_login.security.sessions import SessionView
from telegram_login.site import site_name

Kind = SecurityNotice.Kind

# The first line, by the kind of change; %(account)s, %(site)s and the change's own details.
HEADLINES: dict[str, Any] = {
    Kind.PASSWORD_CHANGED: gettext_lazy("🔑 The password of %(account)s on %(site)s was changed."),
    Kind.PASSWORD_SET: gettext_lazy("🔑 A password was set for %(account)s on %(site)s."),
    Kind.EMAIL_ADDED: gettext_lazy(
        "✉️ The email address %(email)s was added to %(account)s on %(site)s."
    ),
    Kind.EMAIL_REMOVED: gettext_lazy(
        "✉️ The email address %(email)s was removed from %(account)s on %(site)s."
    ),
    Kind.EMAIL_PRIMARY: gettext_lazy(
        "✉️ The primary email address of %(account)s on %(site)s is now %(email)s "
        "(it was %(before)s)."
    ),
    Kind.MFA_REMOVED: gettext_lazy(
        "🛡 Two-factor authentication (%(method)s) was turned off for %(account)s on %(site)s."
    ),
    Kind.MFA_ADDED: gettext_lazy(
        "🛡 Two-factor authentication (%(method)s) was turned on for %(account)s on %(site)s: "
        "signing in now asks for it."
    ),
    Kind.PASSWORD_RESET: gettext_lazy(
        "🔑 The password of %(account)s on %(site)s was reset from a link sent by email."
    ),
    Kind.SOCIAL_ADDED: gettext_lazy(
        "🔗 %(provider)s now signs in to %(account)s on %(site)s: it was connected."
    ),
    Kind.TELEGRAM_REMOVAL: gettext_lazy(
        "⚠️ Someone is removing this Telegram from %(account)s on %(site)s, saying it was lost "
        "(they have the password and the email). It can be removed after %(when)s."
    ),
}
# What "Not me" puts back, said before it is pressed.
UNDO_HINTS: dict[str, Any] = {
    Kind.PASSWORD_CHANGED: gettext_lazy(
        "If it was not you, press Not me: that browser is signed out and its password stops "
        "working (sign in with Telegram and set a new one)."
    ),
    Kind.EMAIL_ADDED: gettext_lazy(
        "If it was not you, press Not me: that browser is signed out and the address removed."
    ),
    Kind.EMAIL_REMOVED: gettext_lazy(
        "If it was not you, press Not me: that browser is signed out and the address put back."
    ),
    Kind.EMAIL_PRIMARY: gettext_lazy(
        "If it was not you, press Not me: that browser is signed out and the old address is "
        "primary again."
    ),
    Kind.MFA_REMOVED: gettext_lazy(
        "If it was not you, press Not me: that browser is signed out; then turn two-factor "
        "authentication on again."
    ),
    Kind.TELEGRAM_REMOVAL: gettext_lazy(
        "If it was not you, press Not me: the removal stops and that browser is signed out. "
        "Then change your password and your email's."
    ),
}
UNDO_HINTS[Kind.PASSWORD_SET] = UNDO_HINTS[Kind.PASSWORD_CHANGED]
UNDO_HINTS[Kind.MFA_ADDED] = gettext_lazy(
    "If it was not you, press Not me: that browser is signed out and its second factor removed, "
    "so that it cannot lock you out."
)
UNDO_HINTS[Kind.PASSWORD_RESET] = gettext_lazy(
    "If it was not you, press Not me: the new password stops working (sign in with Telegram "
    "and set another), and change your email's password: whoever did it can read your mail."
)
UNDO_HINTS[Kind.SOCIAL_ADDED] = gettext_lazy(
    "If it was not you, press Not me: that browser is signed out and %(provider)s is disconnected."
)
# Kinds whose change "Not me" cannot put back: its button only signs the browser out.
NOTHING_TO_UNDO = {Kind.MFA_REMOVED}


def change_notice(
    *,
    chat_id: int,
    notice: SecurityNotice,
    account: str,
    session: SessionView,
    details: dict[str, Any],
) -> BotCall:
    lines = [
        str(HEADLINES[notice.kind]) % {"account": account, "site": site_name(), **details},
        "",
        _("From: %(agent)s") % {"agent": device_of(browser=session.browser, system=session.os)},
        _("IP address: %(ip)s") % {"ip": session.ip or _("unknown")},
        _("Time: %(time)s") % {"time": moment_text(session.signed_in_at)},
        "",
        str(UNDO_HINTS[notice.kind]) % {"provider": "", **details},
    ]
    not_me = not_me_text() if notice.kind in NOTHING_TO_UNDO else undo_button_text()
    if notice.kind == Kind.TELEGRAM_REMOVAL:
        not_me = _("Not me: stop it and sign that browser out")
    return BotCall(
        "sendMessage",
        {
            "chat_id": chat_id,
            "text": "\n".join(lines),
            "reply_markup": notice_buttons(notice.pk, not_me=not_me),
        },
    )
