"""The account's signed-in browsers (allauth.usersessions), as the bot lists and ends them.

allauth keeps one UserSession per signed-in browser session; ending one deletes the session
itself, so that browser is signed out on its next request. The Telegram user may end only the
sessions of the site account their Telegram is linked to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.utils import timezone

from telegram_login.identity import PROVIDER_ID
from telegram_login.useragent import describe_user_agent

if TYPE_CHECKING:
    from allauth.usersessions.models import UserSession

logger = logging.getLogger(__name__)

SESSIONS_APP = "allauth.usersessions"
# Seen this recently (middleware.py notes a visit at most once a minute): "active now".
ACTIVE_WINDOW = timedelta(minutes=5)


def sessions_kept() -> bool:
    """allauth.usersessions is installed: sessions are kept, so they can be listed and ended."""
    return apps.is_installed(SESSIONS_APP)


@dataclass(frozen=True)
class SessionView:
    """What the bot says about a session: known browser and OS families only (never the raw
    User-Agent), the address, and when it signed in and was last seen."""

    id: int
    browser: str
    os: str
    ip: str
    signed_in_at: datetime
    last_seen_at: datetime

    def active(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) - self.last_seen_at <= ACTIVE_WINDOW


def session_view(session: UserSession) -> SessionView:
    device = describe_user_agent(session.user_agent or "")
    return SessionView(
        id=session.pk,
        browser=device.browser,
        os=device.os,
        ip=session.ip,
        signed_in_at=session.created_at,
        last_seen_at=max(session.last_seen_at, session.created_at),
    )


def session_of_request(*, request: Any, data: dict[str, Any] | None = None) -> UserSession | None:
    """The signed-in session of this request, made now if allauth has not made it yet; `data`
    goes into its record (in the one INSERT where it is made here)."""
    from allauth.usersessions.models import UserSession

    if not request.user.is_authenticated:
        return None
    if not request.session.session_key:
        request.session.save()
    found = UserSession.objects.filter(session_key=request.session.session_key).first()
    if found is None:
        # As allauth's create_from_request makes it, with `data`: one INSERT.
        from allauth.account.adapter import get_adapter

        max_length = UserSession._meta.get_field("user_agent").max_length
        found, _ = UserSession.objects.get_or_create(
            session_key=request.session.session_key,
            defaults={
                "user": request.user,
                "ip": get_adapter(request).get_client_ip(request),
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:max_length],
                "data": dict(data or {}),
            },
        )
        return found
    if data and any(found.data.get(key) != value for key, value in data.items()):
        found.data = {**found.data, **data}
        found.save(update_fields=["data"])
    return found


# Where a session's way in is kept, in allauth's UserSession.data: allauth's name of the method
# (or a Telegram way's, alerts.sign_in_method), and a provider's name for another provider.
SIGNED_IN_WITH = "telegram_login_signed_in_with"


def sign_in_method_data(*, method: str, provider: str) -> dict[str, Any]:
    """How a session signed in, as its record keeps it for Settings > Sessions (the filter
    telegram_sign_in_method)."""
    return {SIGNED_IN_WITH: [method, provider]} if method else {}


def sessions_of_user(*, user: Any) -> list[SessionView]:
    """The account's live sessions, the most recently seen first (ended ones are dropped)."""
    from allauth.usersessions.models import UserSession

    views = [session_view(s) for s in UserSession.objects.purge_and_list(user)]
    return sorted(views, key=lambda v: v.last_seen_at, reverse=True)


def telegram_account_of(*, telegram_user_id: int) -> SocialAccount | None:
    """The site account this Telegram user's Telegram is linked to, if any."""
    return (
        SocialAccount.objects.select_related("user")
        .filter(provider=PROVIDER_ID, uid=str(telegram_user_id))
        .first()
    )
