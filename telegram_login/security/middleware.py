"""Signs out a session whose browser was signed out from Telegram, whatever its key is now
(browsers.py), and keeps the "last seen" of each signed-in session (allauth.usersessions)
roughly current, for Settings > Sessions and the bot's /sessions, without costing the waiting
poll anything."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty

from telegram_login.security import browsers

logger = logging.getLogger(__name__)

# At most one write per session in this many seconds; "active now" means seen within five
# minutes (bot/messages.py), so a minute is fine-grained enough.
ACTIVITY_INTERVAL = 60


class SessionActivityMiddleware:
    """Before the view: a session whose browser was signed out from Telegram ("Not me", "Sign
    out everywhere") is signed out now, so the view sees nobody. After each request that loaded
    a signed-in user anyway, notes that its session was seen (allauth's own
    USERSESSIONS_TRACK_ACTIVITY writes on every request, and loads the session and the user for
    every request that has a cookie, the waiting poll's included); a sign-in's response carries
    the browser's cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = apps.is_installed("allauth.usersessions")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and settings.SESSION_COOKIE_NAME in request.COOKIES:
            # Checked when something first looks at the user, so a request that never does (the
            # waiting poll) pays nothing.
            request.user = SimpleLazyObject(partial(_user_unless_revoked, request, user))  # type: ignore[assignment]
        response = self.get_response(request)
        if self.enabled:
            session_seen(request)
        browsers.set_cookie(request, response)
        return response


def _user_unless_revoked(request: HttpRequest, user: Any) -> Any:
    if user.is_authenticated and browsers.session_revoked(request):
        logger.info("user %s: session of a browser signed out from Telegram ended", user.pk)
        user_logged_out.send(sender=user.__class__, request=request, user=user)
        request.session.flush()
        return AnonymousUser()
    return getattr(user, "_wrapped", user)


def _seen_key(session_key: str) -> str:
    return f"telegram_login:seen:{hashlib.sha256(session_key.encode()).hexdigest()[:32]}"


def seen_at_sign_in(request: HttpRequest) -> None:
    """A sign-in has just written its session's record, "last seen" included (allauth's
    usersessions, on the same signal): the request that signed in need not write it again."""
    if request.session.session_key:
        cache.add(_seen_key(request.session.session_key), 1, timeout=ACTIVITY_INTERVAL)


def session_seen(request: HttpRequest) -> None:
    user = getattr(request, "user", None)
    # The waiting poll's quick answer never looks at the user (one round trip, no session):
    # only a request that already did pays for this.
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return
    if not user.is_authenticated:
        return
    session_key = request.session.session_key
    if not session_key or not cache.add(_seen_key(session_key), 1, timeout=ACTIVITY_INTERVAL):
        return
    from allauth.account.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    seen = UserSession.objects.filter(session_key=session_key, user_id=user.pk).update(
        last_seen_at=timezone.now(), ip=get_adapter().get_client_ip(request)
    )
    if not seen:
        # A session opened without allauth's sign-in (or before sessions were kept).
        UserSession.objects.create_from_request(request)
