"""Starting a deep-link request for the session that asks (the widget's page, or an app through
allauth.headless): counted, created, and bound to that session, the only way back to it."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django.http import HttpRequest

from telegram_login import limits, upkeep
from telegram_login.conf import get_settings
from telegram_login.linking.reauthentication import SHORT_SESSION_GRACE, SHORT_SESSION_KEY
from telegram_login.models import LoginRequest
from telegram_login.poll.browser_session import session_remember_request
from telegram_login.signin import services
from telegram_login.signin.responses import provider_of


def start_in_session(
    request: HttpRequest,
    *,
    process: str,
    next_url: str = "",
    user: Any = None,
    purpose: str = "",
) -> tuple[LoginRequest, str] | None:
    """A new request of `process` bound to `request.session`, with its one-time token; None when
    this address or session started too many, or too many wait in all (the caller says so)."""
    # Counted per IP and per session (a fresh session counts by its IP twice).
    client_ip = get_account_adapter().get_client_ip(request)
    session_key = request.session.session_key or client_ip
    if not limits.consume(limits.START, ip=client_ip, key=session_key):
        return None
    _shorten_a_new_anonymous_session(request)
    state_id = provider_of(request).stash_redirect_state(request, process, next_url or None)
    upkeep.prune_now_and_then()
    try:
        login_request, token = services.login_request_start(
            process=process,
            user=user,
            purpose=purpose,
            requester_ip=client_ip,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.TooManyPendingRequests:
        return None
    _remember_in_session(request, login_request, state_id)
    return login_request, token


def _shorten_a_new_anonymous_session(request: HttpRequest) -> None:
    """A session made only for this sign-in ends with it; signing in makes it a normal one."""
    if request.user.is_anonymous and request.session.session_key is None:
        request.session.set_expiry(get_settings().login_ttl + SHORT_SESSION_GRACE)
        request.session[SHORT_SESSION_KEY] = True


def _remember_in_session(request: HttpRequest, login_request: LoginRequest, state_id: str) -> None:
    """The session finds its request only through this (poll/browser_session.py)."""
    session_remember_request(
        session=request.session,
        request_id=login_request.id,
        state_id=state_id,
        keep=get_settings().recent_requests_per_session,
    )
    if request.session.session_key is None:
        # The poll URL's MAC needs the session's key, and an app its session token: a new
        # session gets its key when saved.
        request.session.save()
