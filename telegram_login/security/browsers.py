"""Which browser a signed-in session is, so that "Not me" ends that browser wherever its session
went since.

A sign-in marks its session with the browser: an id kept in the session's own data, which Django
carries over to a new session key (a password change, allauth's cycling of the key), and in a
long-lived cookie, so that signing out and in again in the same browser keeps the id. Ending a
browser records it (models.BrowserRevocation) and ends at once every session of the account that
allauth keeps a record of and that carries the id; SessionActivityMiddleware signs out any other
such session on its next request, whatever its key is by then.
"""

from __future__ import annotations

import enum
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from telegram_login.models import BrowserRevocation
from telegram_login.security.sessions import (
    SessionView,
    session_view,
    sessions_kept,
    telegram_account_of,
)

logger = logging.getLogger(__name__)

BROWSER_SESSION_KEY = "telegram_login_browser"
BROWSER_COOKIE = "telegram_login_browser"
# Browsers keep a cookie for at most 400 days.
BROWSER_COOKIE_AGE = 400 * 24 * 3600
# Set on a request that marked its session: the response carries the cookie (middleware.py).
NEW_MARK_ATTRIBUTE = "_telegram_login_new_browser_mark"
MARK_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")


@dataclass(frozen=True)
class BrowserMark:
    """The browser's id, and when this session signed in there (seconds since the epoch)."""

    id: str
    signed_in_at: float


def mark_sign_in(request: HttpRequest) -> BrowserMark:
    """A sign-in on `request` (Django's user_logged_in): mark its session with the browser, the
    one its cookie names if it has one."""
    cookie = request.COOKIES.get(BROWSER_COOKIE, "")
    mark = BrowserMark(
        id=cookie if MARK_RE.match(cookie) else secrets.token_urlsafe(16),
        signed_in_at=time.time(),
    )
    request.session[BROWSER_SESSION_KEY] = [mark.id, mark.signed_in_at]
    setattr(request, NEW_MARK_ATTRIBUTE, mark.id)
    return mark


def mark_in(data: Any) -> BrowserMark | None:
    """The mark kept in a session's data, if any."""
    try:
        mark_id, signed_in_at = data.get(BROWSER_SESSION_KEY)
        return BrowserMark(id=str(mark_id), signed_in_at=float(signed_in_at))
    except (TypeError, ValueError):
        return None


def mark_of_request(request: HttpRequest) -> BrowserMark:
    """The browser of a signed-in request; a session signed in before marks existed is marked
    now (so that it can be ended from now on)."""
    return mark_in(request.session) or mark_sign_in(request)


def set_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """The response of a request that marked its session carries the browser's id, so that a
    later sign-in in this browser gets the same one."""
    mark_id = getattr(request, NEW_MARK_ATTRIBUTE, None)
    if mark_id is None or request.COOKIES.get(BROWSER_COOKIE) == mark_id:
        return
    response.set_cookie(
        BROWSER_COOKIE,
        mark_id,
        max_age=BROWSER_COOKIE_AGE,
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _session_data(session_key: str) -> Any:
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return store.load()


def _moment(signed_in_at: float) -> datetime:
    return datetime.fromtimestamp(signed_in_at, tz=UTC)


def _revoked(user_id: Any, mark: BrowserMark | None) -> bool:
    revocations = BrowserRevocation.objects.filter(user_id=user_id)
    if mark is None:
        # Signed in before sessions were marked: before any "Sign out everywhere".
        return revocations.filter(browser="").exists()
    return revocations.filter(
        Q(browser="") | Q(browser=mark.id), revoked_at__gte=_moment(mark.signed_in_at)
    ).exists()


def session_revoked(request: HttpRequest) -> bool:
    """This signed-in session's browser was signed out from Telegram after it signed in."""
    user_id = request.session.get(SESSION_KEY)
    if user_id is None:
        return False
    return _revoked(user_id, mark_in(request.session))


def browser_ended_since(*, user_id: Any, browser: str, since: datetime) -> bool:
    """The browser (or every browser of the account) was signed out from Telegram since."""
    return BrowserRevocation.objects.filter(
        Q(browser="") | Q(browser=browser), user_id=user_id, revoked_at__gte=since
    ).exists()


def _sessions_of(*, user_id: Any, browser: str) -> list[Any]:
    """allauth's records of the account's live sessions signed in from `browser`."""
    if not sessions_kept():
        return []
    from allauth.usersessions.models import UserSession

    found = []
    for session in UserSession.objects.filter(user_id=user_id):
        data = _session_data(session.session_key)
        if str(data.get(SESSION_KEY, "")) != str(user_id):
            continue
        mark = mark_in(data)
        if mark is not None and mark.id == browser:
            found.append(session)
    return found


def browser_end(*, user_id: Any, browser: str) -> int:
    """Sign out every session of the account that signed in from `browser` until now; returns
    how many allauth knew of (any other is signed out on its next request)."""
    if not browser:
        raise ValueError("no browser to end (an empty one would mean every browser)")
    BrowserRevocation.objects.create(user_id=user_id, browser=browser, revoked_at=timezone.now())
    # Each was found through its live session's data.
    found = _sessions_of(user_id=user_id, browser=browser)
    _end(found)
    return len(found)


def browser_end_everywhere(*, user_id: Any) -> int:
    """Sign out every session of the account, from every browser; returns how many allauth
    knew of."""
    BrowserRevocation.objects.create(user_id=user_id, browser="", revoked_at=timezone.now())
    if not sessions_kept():
        return 0
    from allauth.usersessions.models import UserSession

    records = list(UserSession.objects.filter(user_id=user_id))
    live = [record for record in records if record.exists()]
    _end(records)
    return len(live)


def _end(sessions: list[Any]) -> None:
    if not sessions:
        return
    from allauth.usersessions.adapter import get_adapter

    get_adapter().end_sessions(sessions)


def browser_of_session(*, session_key: str) -> BrowserMark | None:
    """The browser a session (by its key) signed in from."""
    return mark_in(_session_data(session_key))


class EndOutcome(enum.Enum):
    ENDED = "ended"
    GONE = "gone"
    NOT_YOURS = "not_yours"


def session_end_by_telegram_user(
    *, session_id: int, telegram_user_id: int
) -> tuple[EndOutcome, SessionView | None]:
    """A session under /sessions was pressed: sign its browser out, if it belongs to the account
    this Telegram user is linked to. Returns what it was, to say so."""
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.filter(pk=session_id).first()
    if session is None:
        return EndOutcome.GONE, None
    owner = telegram_account_of(telegram_user_id=telegram_user_id)
    if owner is None or owner.user_id != session.user_id:
        return EndOutcome.NOT_YOURS, None
    if session.purge():
        # Signed out already (allauth keeps the record until it looks).
        return EndOutcome.GONE, None
    view = session_view(session)
    mark = browser_of_session(session_key=session.session_key)
    if mark is None:
        _end([session])
    else:
        browser_end(user_id=session.user_id, browser=mark.id)
    logger.info(
        "telegram user %s ended session %s of user %s", telegram_user_id, view.id, session.user_id
    )
    return EndOutcome.ENDED, view


def session_end(*, session_id: int) -> int:
    """End one session by allauth's record of it (a session that was never marked)."""
    if not sessions_kept():
        return 0
    from allauth.usersessions.models import UserSession

    records = list(UserSession.objects.filter(pk=session_id))
    live = [record for record in records if record.exists()]
    _end(records)
    return len(live)
