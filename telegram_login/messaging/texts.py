"""What the bot says: every text and keyboard it sends, built as BotCalls."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from telegram_login.conf import get_settings
from telegram_login.messaging.callbacks import ACTION_CANCEL, ACTION_CODE, callback_data
from telegram_login.messaging.client import BotCall
from telegram_login.models import LoginRequest
from telegram_login.site import site_name


def age_text(since: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    if seconds < 10:
        return _("just now")
    if seconds < 60:
        return ngettext("%(n)d second ago", "%(n)d seconds ago", seconds) % {"n": seconds}
    minutes = seconds // 60
    return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}


def site_of(login_request: LoginRequest) -> str:
    """The site's name as the browser that asked was shown it (stored when it asked: the
    prompt's edits are written where no request is at hand)."""
    return login_request.site_name or site_name()


# What a reauthentication unlocks, by the URL name of the page it resumes.
PURPOSES = {
    "account_set_password": gettext_lazy("set a password for the account"),
    "account_change_password": gettext_lazy("change the account's password"),
    "account_email": gettext_lazy("change the account's email addresses"),
    "socialaccount_connections": gettext_lazy("change how you sign in to the account"),
    "telegram_login_alerts": gettext_lazy("turn off the sign-in alerts in Telegram"),
    "telegram_disconnect": gettext_lazy(
        "disconnect this Telegram from the account (you would no longer be told of its sign-ins "
        "or able to sign them out from here)"
    ),
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
    site = site_of(login_request)
    process = login_request.process
    if process == LoginRequest.Process.CONNECT:
        return [
            _("Connect this Telegram account to the account %(account)s on %(site)s?")
            % {"account": label, "site": site},
            _(
                "If you confirm, it signs in to that account from now on, and whoever uses the "
                "account sees your Telegram name."
            ),
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
    mode = get_settings().confirm_mode
    cancel = [
        {
            "text": _("✖ Cancel, this was not me"),
            "callback_data": callback_data(login_request, ACTION_CANCEL),
        }
    ]
    if mode == "browser_code":
        how, rows = _typed_code_lines(login_request), [cancel]
    else:
        how, choices = _choice(login_request, mode)
        rows = [choices, cancel]
    return BotCall(
        "sendMessage",
        {
            "chat_id": chat_id,
            "text": "\n".join([*_context_lines(login_request, account, mode), *how]),
            "reply_markup": {"inline_keyboard": rows},
        },
        prompt_of=login_request.id,
    )


def _context_lines(login_request: LoginRequest, account: str, mode: str) -> list[str]:
    """What is asked, from which browser and address, how long ago, and the warning."""
    warning = (
        _(
            "⚠ If someone sent you this link or asks you for the code below, they are trying to "
            "take over your account: press Cancel."
        )
        if mode == "browser_code"
        else _(
            "⚠ If someone sent you this link or told you which button to press, they are trying "
            "to take over your account: press Cancel."
        )
    )
    return [
        *_title(login_request, account),
        "",
        _("Browser: %(agent)s") % {"agent": device_text(login_request)},
        _("IP address: %(ip)s") % {"ip": login_request.requester_ip or _("unknown")},
        _("Requested: %(age)s") % {"age": age_text(login_request.created_at)},
        "",
        warning,
        "",
    ]


def _typed_code_lines(login_request: LoginRequest) -> list[str]:
    code = login_request.match_code
    return [
        _("If you started this yourself just now, type this code in that browser:"),
        f"{code[:3]} {code[3:]}",
        "",
        _(
            "Never give this code to anyone and never type it anywhere else: nobody from "
            "%(site)s will ask you for it."
        )
        % {"site": site_of(login_request)},
    ]


def _choice(login_request: LoginRequest, mode: str) -> tuple[list[str], list[dict[str, str]]]:
    """The line that says what to press, and the buttons: one Confirm, or the codes."""
    if mode == "button":
        confirm = callback_data(login_request, ACTION_CODE, login_request.match_code)
        return [_("If you started this yourself just now, press Confirm.")], [
            {"text": _("✔ Confirm"), "callback_data": confirm}
        ]
    return [_("If you started this yourself just now, press the code that your browser shows.")], [
        {"text": code, "callback_data": callback_data(login_request, ACTION_CODE, code)}
        for code in login_request.code_choices
    ]


def text_message(*, chat_id: int, text: str) -> BotCall:
    return BotCall("sendMessage", {"chat_id": chat_id, "text": text})


def with_mini_app_button(call: BotCall) -> BotCall:
    """Where the site is also the bot's Mini App (TELEGRAM_LOGIN_MINI_APP_URL), a message that
    sends the person to the site's sign-in page carries the button that opens it here, in
    Telegram, signed in with one tap (mini_app/)."""
    url = get_settings().mini_app_url
    if not url:
        return call
    button = {
        "text": _("Open %(site)s in Telegram") % {"site": site_name()},
        "web_app": {"url": url},
    }
    return BotCall(call.method, {**call.params, "reply_markup": {"inline_keyboard": [[button]]}})


def welcome(*, chat_id: int) -> BotCall:
    return with_mini_app_button(
        text_message(
            chat_id=chat_id,
            text=_(
                "Hi! I sign you in to %(site)s. Open the sign-in page there and press "
                '"Sign in with Telegram", then follow the link it shows.'
            )
            % {"site": site_name()},
        )
    )


def token_unknown(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_("This sign-in link is not valid. Start again on the %(site)s sign-in page.")
        % {"site": site_name()},
    )


def token_used(*, chat_id: int) -> BotCall:
    return text_message(
        chat_id=chat_id,
        text=_(
            "This sign-in link has already been used. If you want to sign in, start again "
            "on the %(site)s sign-in page."
        )
        % {"site": site_name()},
    )


def token_expired(*, chat_id: int) -> BotCall:
    return with_mini_app_button(
        text_message(
            chat_id=chat_id,
            text=_("This sign-in link has expired. Start again on the %(site)s sign-in page.")
            % {"site": site_name()},
        )
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


def outcome_text(login_request: LoginRequest, *, connected: bool = True) -> str:
    """How the request ended, for its prompt. `connected`: a finished connect did link this
    Telegram (allauth may still have refused it)."""
    site = site_of(login_request)
    status = login_request.status
    if status == LoginRequest.Status.COMPLETED and not connected:
        return _("✖ The browser could not finish this, so nothing was changed.")
    if status == LoginRequest.Status.COMPLETED:
        return finished_text(login_request)
    if status == LoginRequest.Status.APPROVED:
        # The browser finishes it when it is looked at again: say so, and what to do if the
        # page was closed (the sign-in page picks up a request its browser started).
        if login_request.process == LoginRequest.Process.CONNECT:
            done = _(
                "✔ Done. Go back to the browser where you started: it finishes connecting "
                "Telegram on %(site)s."
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


def finished_text(login_request: LoginRequest) -> str:
    """The browser finished what was approved: nothing is left to do in it."""
    site = site_of(login_request)
    if login_request.process == LoginRequest.Process.CONNECT:
        return _("✔ Telegram is connected on %(site)s: it signs you in there from now on.") % {
            "site": site
        }
    if login_request.process == LoginRequest.Process.REAUTHENTICATE:
        return _("✔ Confirmed. The browser where you started has gone on.")
    return _("✔ Signed in to %(site)s.") % {"site": site}


def text_edit(*, chat_id: int, message_id: int, text: str) -> BotCall:
    """Replace a bot message's text; its buttons go with it."""
    return BotCall("editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": text})


def answer_callback(*, callback_query_id: str, text: str, alert: bool = False) -> BotCall:
    params: dict[str, object] = {"callback_query_id": callback_query_id, "text": text[:200]}
    if alert:
        params["show_alert"] = True
    return BotCall("answerCallbackQuery", params)
