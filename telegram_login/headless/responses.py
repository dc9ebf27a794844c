"""What the deep link's headless endpoints answer, in allauth.headless's JSON shape: `status`,
`data` and `errors` ({"message", "code", "param"}), and `meta` with an app's session token."""

from __future__ import annotations

import enum
import json
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from telegram_login.allauth_internals import headless_response
from telegram_login.conf import get_settings
from telegram_login.identity import PROVIDER_ID
from telegram_login.models import LoginRequest
from telegram_login.signin.responses import provider_of
from telegram_login.signin.widget import WidgetState, announcement, link_context

# The flow's name in the config (allauth's own config knows only its redirect and token flows).
FLOW = "telegram_deep_link"
# allauth.headless's flow of a social sign-up waiting for the form (an email address).
SIGNUP_FLOW = "provider_signup"
# Seconds between status calls, as the widget polls.
POLL_INTERVAL = 2


class State(enum.StrEnum):
    """A request as an app sees it: the request's own statuses, and the status calls' cap."""

    PENDING = "pending"
    CLAIMED = "claimed"
    APPROVED = "approved"
    COMPLETED = "completed"
    DENIED = "denied"
    EXPIRED = "expired"
    POLL_LIMIT = "poll_limit"

    @property
    def is_final(self) -> bool:
        return self not in (State.PENDING, State.CLAIMED, State.APPROVED)


def respond(request: HttpRequest, data: Any, *, status: int = HTTPStatus.OK) -> HttpResponse:
    return headless_response(request, data=data, status=status)


def refuse(
    request: HttpRequest,
    status: int,
    *,
    code: str,
    message: str,
    param: str | None = None,
    data: Any = None,
) -> HttpResponse:
    """A 4xx with one error, as allauth.headless words its own."""
    error = {"message": message, "code": code, **({"param": param} if param else {})}
    return headless_response(request, data=data, errors=[error], status=status)


def not_started_here(request: HttpRequest) -> HttpResponse:
    """The one answer for a request this session did not start, or that does not exist."""
    return refuse(
        request,
        HTTPStatus.NOT_FOUND,
        code="unknown_request",
        message=_("This sign-in was not started in this session."),
    )


def provider_data(request: HttpRequest) -> dict[str, Any]:
    """The provider as allauth.headless describes one, with the deep link's own flow."""
    return {"id": PROVIDER_ID, "name": str(provider_of(request).name), "flows": [FLOW]}


def with_pending_signup(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """allauth's 401 naming the social sign-up it waits on (an email address to give). allauth
    names it only where some provider offers the app its redirect or token flow, which Telegram
    does not: on a site with no other provider the app would not learn of it."""
    body = json.loads(response.content)
    flows = body.setdefault("data", {}).setdefault("flows", [])
    if not any(flow.get("id") == SIGNUP_FLOW for flow in flows):
        flows.append({"id": SIGNUP_FLOW, "provider": provider_data(request), "is_pending": True})
        response.content = json.dumps(body).encode()
    return response


def config_data(request: HttpRequest) -> dict[str, Any]:
    conf = get_settings()
    return {
        "provider": provider_data(request),
        "is_available": conf.enabled,
        "confirm_mode": conf.confirm_mode,
        "expires_in": conf.login_ttl,
        "poll_interval": POLL_INTERVAL,
    }


def start_data(request: HttpRequest, login_request: LoginRequest, token: str) -> dict[str, Any]:
    """The request as status gives it, with what only its start gives: the deep link, the command
    to send by hand, its QR code (SVG), and the code to pick in Telegram."""
    conf = get_settings()
    link = link_context(request, token)
    return {
        **request_data(login_request, state=State.PENDING),
        "deep_link": link["deep_link"],
        "start_command": link["start_command"],
        "bot_username": conf.bot_username,
        "qr_svg": str(link["qr_svg"]),
        "confirm_mode": conf.confirm_mode,
        # Only in match_code mode is there a code to show: in browser_code mode the bot shows it
        # and the app types it; in button mode the person presses Confirm.
        "code": login_request.match_code if conf.confirm_mode == "match_code" else "",
        "poll_interval": POLL_INTERVAL,
    }


def request_data(login_request: LoginRequest, *, state: State) -> dict[str, Any]:
    data = {
        "id": str(login_request.id),
        "state": state.value,
        "is_final": state.is_final,
        "message": state_message(login_request, state),
        "expires_at": login_request.expires_at.isoformat(),
        "expires_in": max(0, int((login_request.expires_at - timezone.now()).total_seconds())),
    }
    if state == State.DENIED:
        data["reason"] = login_request.deny_reason
    return data


def state_message(login_request: LoginRequest, state: State) -> str:
    """What the app may show for `state`, in the person's language (the widget's words)."""
    confirm_mode = get_settings().confirm_mode
    if state in (State.PENDING, State.CLAIMED):
        return announcement(WidgetState(state.value), login_request, confirm_mode=confirm_mode)
    if state == State.APPROVED:
        return _("Confirmed in Telegram. Going on…")
    if state == State.COMPLETED:
        return _("Signed in")
    if state == State.EXPIRED:
        return _("This sign-in request expired before it was confirmed.")
    if state == State.POLL_LIMIT:
        return _("The sign-in was checked on too many times. Please start again.")
    return denied_message(login_request)


def denied_message(login_request: LoginRequest) -> str:
    reason = login_request.deny_reason
    if reason == LoginRequest.DenyReason.WRONG_CODE:
        return _("A different code was picked in Telegram, so nobody was signed in.")
    if reason == LoginRequest.DenyReason.CANCELLED:
        return _("The sign-in was cancelled in Telegram.")
    if reason == LoginRequest.DenyReason.BOT_BLOCKED:
        return _(
            "Telegram says you have blocked @%(bot)s, so it cannot ask you to confirm. Open "
            "@%(bot)s in Telegram, press Restart (or Unblock), then start again."
        ) % {"bot": get_settings().bot_username}
    return _("The sign-in could not be completed.")


def wrong_code_message(tries_left: int) -> str:
    return ngettext(
        "That is not the code. %(left)s try left.",
        "That is not the code. %(left)s tries left.",
        tries_left,
    ) % {"left": tries_left}
