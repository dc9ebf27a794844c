"""The waiting widget: its states, what it shows in each, and picking up a sign-in after a reload.

A reload (or a phone discarding the background tab) must not lose the sign-in: the browser's
session remembers its requests, and a short-lived signed cookie keeps the newest one's token, so
the page can show the same link and code again. The token stays out of the database and the
session store (only its SHA-256 is kept there); it lives where it already was, in this browser.
"""

from __future__ import annotations

import enum
from datetime import timedelta
from typing import Any

import segno
from allauth.account.utils import get_next_redirect_url
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from telegram_login.conf import get_settings
from telegram_login.hooks import plugged_stand_in
from telegram_login.linking.rules import ConnectRefusal
from telegram_login.models import LoginRequest
from telegram_login.poll.browser_session import poll_binding, session_login_requests

RESUME_COOKIE = "telegram_login_resume"
RESUME_SALT = "telegram_login.resume"


class WidgetState(enum.StrEnum):
    """Every state the widget can show; the request's own statuses, then the browser's."""

    START = "start"
    PENDING = "pending"
    CLAIMED = "claimed"
    COMPLETED = "completed"
    DENIED = "denied"
    EXPIRED = "expired"
    FAILED = "failed"
    UNKNOWN = "unknown"
    POLL_LIMIT = "poll_limit"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    REFUSED_HAS_TELEGRAM = "refused_has_telegram"
    REFUSED_UNVERIFIED_EMAIL = "refused_unverified_email"
    REFUSED_NO_PASSWORD = "refused_no_password"  # noqa: S105  a state, not a password
    REFUSED_NO_TELEGRAM = "refused_no_telegram"
    REFUSED_CHANGED_ACCOUNT = "refused_changed_account"
    REFUSED_PROOF_LAPSED = "refused_proof_lapsed"

    # Templates compare with the members: the class must not be called there.
    do_not_call_in_templates = enum.nonmember(True)

    @property
    def is_refusal(self) -> bool:
        return self.value.startswith("refused_")

    @classmethod
    def of(cls, login_request: LoginRequest) -> WidgetState:
        """The state that shows a request as it is (an approved one waits on its browser)."""
        if login_request.status == LoginRequest.Status.APPROVED:
            return cls.CLAIMED
        return cls(login_request.status)

    @classmethod
    def refusal(cls, refusal: ConnectRefusal) -> WidgetState:
        """The widget's state for a reason an account cannot link Telegram now."""
        return cls(f"refused_{refusal.value}")


def deep_link(token: str) -> str:
    conf = get_settings()
    if conf.played and (stand_in := plugged_stand_in()):
        return stand_in.deep_link(token)
    return f"https://t.me/{conf.bot_username}?{urlencode({'start': token})}"


def widget_context(
    request: HttpRequest,
    login_request: LoginRequest | None,
    *,
    state: str,
    process: str = LoginRequest.Process.LOGIN,
    token: str | None = None,
    resumed: bool = False,
) -> dict[str, Any]:
    """What the widget template needs to show `state`."""
    conf = get_settings()
    next_url = get_next_redirect_url(request) or ""
    context: dict[str, Any] = {
        "login_request": login_request,
        "state": state,
        "process": login_request.process if login_request else process,
        "next_url": next_url,
        "confirm_mode": conf.confirm_mode,
        # The widget's words about the bot ("send this to @bot"), on any page that shows it.
        "telegram_bot_username": conf.bot_username,
        "ttl_minutes": max(1, round(conf.login_ttl / 60)),
        "telegram_user": login_request.telegram_user if login_request else None,
        "resumed": resumed,
        # The template compares with these, not with strings of its own.
        "states": WidgetState,
        "announce": announcement(state, login_request, confirm_mode=conf.confirm_mode),
    }
    if login_request is not None:
        # The poll says which state the page shows, so an unchanged state costs a bare 204.
        query = {"shown": state, **({"next": next_url} if next_url else {})}
        session_key = request.session.session_key
        if session_key:
            query["b"] = poll_binding(request_id=login_request.id, session_key=session_key)
        context["poll_url"] = (
            f"{reverse('telegram_login_poll', args=[login_request.id])}?{urlencode(query)}"
        )
        context["expires_in_seconds"] = max(
            0, int((login_request.expires_at - timezone.now()).total_seconds())
        )
    if token is not None:
        context.update(link_context(request, token))
    return context


def link_context(request: HttpRequest, token: str) -> dict[str, Any]:
    """The deep link, the command to send the bot by hand, and the link's QR code as inline SVG."""
    link = deep_link(token)
    absolute = request.build_absolute_uri(link) if link.startswith("/") else link
    return {
        "deep_link": link,
        "start_command": f"/start {token}",
        "qr_svg": mark_safe(  # noqa: S308  segno escapes the data it encodes
            segno.make(absolute, error="m").svg_inline(scale=4, border=2, omitsize=True)
        ),
    }


def announcement(state: str, login_request: LoginRequest | None, *, confirm_mode: str) -> str:
    """What the live region says when the widget turns to `state` (the code included)."""
    code = login_request.match_code if login_request else ""
    if state == WidgetState.PENDING:
        if confirm_mode == "browser_code":
            return _("Waiting for Telegram. Open the link; the bot will show a code to type here.")
        if confirm_mode == "button":
            return _("Waiting for Telegram. Open the link, press Start, then Confirm.")
        return _("Waiting for Telegram. Open the link and pick %(code)s there.") % {"code": code}
    if state == WidgetState.CLAIMED:
        if confirm_mode == "browser_code":
            return _("Someone opened the link in Telegram. Type the code the bot shows.")
        if confirm_mode == "button":
            return _("Someone opened the link in Telegram. Press Confirm there if it was you.")
        return _("Someone opened the link in Telegram. Pick %(code)s there.") % {"code": code}
    if state == WidgetState.COMPLETED:
        return _("Done.")
    return _("Stopped. Start again when you are ready.")


def remember_token(response: HttpResponse, login_request: LoginRequest, token: str) -> None:
    """Keep the newest request's token in this browser, for as long as the request lives."""
    value = signing.dumps({"id": login_request.id.hex, "token": token}, salt=RESUME_SALT)
    response.set_cookie(
        RESUME_COOKIE,
        value,
        max_age=get_settings().login_ttl,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _remembered_token(request: HttpRequest, login_request: LoginRequest) -> str | None:
    try:
        value = signing.loads(
            request.COOKIES.get(RESUME_COOKIE, ""),
            salt=RESUME_SALT,
            max_age=timedelta(seconds=get_settings().login_ttl),
        )
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("id") != login_request.id.hex:
        return None
    token = value.get("token")
    return token if isinstance(token, str) else None


def resumable_request(
    request: HttpRequest, *, process: str
) -> tuple[LoginRequest, str | None] | None:
    """The newest sign-in of `process` this browser started that can still go on, with its token
    when this browser kept it (a pending request needs it to show the link again)."""
    ids = list(session_login_requests(session=request.session))
    if not ids:
        return None
    candidates = LoginRequest.objects.filter(
        pk__in=ids,
        process=process,
        status__in=[
            LoginRequest.Status.PENDING,
            LoginRequest.Status.CLAIMED,
            LoginRequest.Status.APPROVED,
        ],
    )
    if process != LoginRequest.Process.LOGIN:
        if not request.user.is_authenticated:
            return None
        candidates = candidates.filter(user_id=request.user.pk)
    login_request = candidates.order_by("-created_at").first()
    if login_request is None or login_request.has_timed_out():
        return None
    token = _remembered_token(request, login_request)
    if login_request.status == LoginRequest.Status.PENDING and token is None:
        return None
    return login_request, token
