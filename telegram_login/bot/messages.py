"""What the bot says: every text and keyboard it sends, built as BotCalls."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..conf import get_settings
from ..models import LoginRequest
from .client import BotCall

CALLBACK_PREFIX = "tl"
ACTION_CODE = "c"
ACTION_CANCEL = "x"


def callback_data(login_request: LoginRequest, action: str, code: str = "") -> str:
    return ":".join([CALLBACK_PREFIX, action, login_request.id.hex, code])


def parse_callback_data(data: str) -> tuple[uuid.UUID, str | None] | None:
    """(request id, chosen code or None for Cancel), or None if the data is not ours."""
    parts = data.split(":")
    if (
        len(parts) != 4
        or parts[0] != CALLBACK_PREFIX
        or parts[1] not in {ACTION_CODE, ACTION_CANCEL}
    ):
        return None
    try:
        request_id = uuid.UUID(hex=parts[2])
    except ValueError:
        return None
    if parts[1] == ACTION_CANCEL:
        return request_id, None
    if not parts[3].isdigit() or len(parts[3]) > 4:
        return None
    return request_id, parts[3]


def age_text(since: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    if seconds < 60:
        return ngettext("%(n)d second ago", "%(n)d seconds ago", seconds) % {"n": seconds}
    minutes = seconds // 60
    return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}


def _site() -> str:
    return get_settings().site_name


def confirm_prompt(*, chat_id: int, login_request: LoginRequest) -> BotCall:
    """The consent step: who asked, from where, and the code choice with Cancel beside it."""
    site = login_request.site_domain or _site()
    if login_request.process == LoginRequest.Process.CONNECT:
        title = _("Connect this Telegram account to your account on %(site)s?") % {"site": site}
    else:
        title = _("Sign in to %(site)s with this Telegram account?") % {"site": site}
    lines = [
        title,
        "",
        _("Browser: %(agent)s") % {"agent": login_request.requester_agent or _("unknown")},
        _("IP address: %(ip)s") % {"ip": login_request.requester_ip or _("unknown")},
        _("Requested: %(age)s") % {"age": age_text(login_request.created_at)},
        "",
    ]
    cancel = [
        {
            "text": _("✖ Cancel, this was not me"),
            "callback_data": callback_data(login_request, ACTION_CANCEL),
        }
    ]
    if get_settings().confirm_mode == "button":
        lines.append(_("If this was you, press Confirm. If not, press Cancel."))
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
            _(
                "If this was you, press the code that your browser shows. "
                "If you did not ask for this, press Cancel."
            )
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
    site = login_request.site_domain or _site()
    status = login_request.status
    if status in {LoginRequest.Status.APPROVED, LoginRequest.Status.COMPLETED}:
        return _("✔ Done. Return to your browser; it finishes signing you in to %(site)s.") % {
            "site": site
        }
    if status == LoginRequest.Status.EXPIRED:
        return _("This sign-in request has expired. Nobody was signed in.")
    if login_request.deny_reason == LoginRequest.DenyReason.WRONG_CODE:
        return _(
            "✖ Denied: that was not the code the browser showed, so nobody was signed in. "
            "If someone sent you this link, do not follow their instructions."
        )
    if login_request.deny_reason == LoginRequest.DenyReason.CANCELLED:
        return _("✖ Cancelled. Nobody was signed in.")
    return _("This sign-in request is no longer active.")


def outcome_edit(*, chat_id: int, message_id: int, login_request: LoginRequest) -> BotCall:
    """Replace the confirmation message (and its buttons) with how it ended."""
    return BotCall(
        "editMessageText",
        {"chat_id": chat_id, "message_id": message_id, "text": outcome_text(login_request)},
    )


def answer_callback(*, callback_query_id: str, text: str, alert: bool = False) -> BotCall:
    params: dict[str, object] = {"callback_query_id": callback_query_id, "text": text[:200]}
    if alert:
        params["show_alert"] = True
    return BotCall("answerCallbackQuery", params)
