"""What the linked Telegram is told about the account (models.SecurityNotice) and what its
buttons do: "Not me" signs out the browser the notice was about, wherever its session went since
(browsers.py), and undoes the change where allauth allows it; "Sign out everywhere" ends every
session of the account the notice was about. Only the Telegram user who was told may press
them, and they keep working if Telegram was unlinked since (an intruder may have unlinked it).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from telegram_login.models import SecurityNotice
from telegram_login.security import browsers, sessions
from telegram_login.security.sessions import SessionView
from telegram_login.security.undo import stop_removals, undo
from telegram_login.useragent import describe_user_agent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Where:
    """The browser a notice is about: its families, address, allauth's session record, mark."""

    browser: str
    os: str
    ip: str
    user_session_id: int | None
    mark: str


def where_of(request: HttpRequest, *, session: Any = None) -> Where:
    """The browser of `request` (a signed-in one is marked if it was not yet); `session`, its
    allauth record where the caller has it already."""
    if session is None and request.user.is_authenticated and sessions.sessions_kept():
        session = sessions.session_of_request(request=request)
    if session is not None:
        user_agent, ip = session.user_agent or "", session.ip
    else:
        user_agent = request.headers.get("User-Agent", "")
        try:
            ip = get_account_adapter().get_client_ip(request)
        except PermissionDenied:  # allauth cannot tell the address; the notice goes out anyway
            ip = ""
    device = describe_user_agent(user_agent)
    mark = browsers.mark_of_request(request).id if request.user.is_authenticated else ""
    return Where(
        browser=device.browser,
        os=device.os,
        ip=ip or "",
        user_session_id=session.pk if session is not None else None,
        mark=mark,
    )


def notice_create(
    *,
    kind: str,
    user: Any,
    telegram_user_id: int,
    where: Where,
    undo: dict[str, Any] | None = None,
) -> SecurityNotice:
    return SecurityNotice.objects.create(
        kind=kind,
        user=user,
        telegram_user_id=telegram_user_id,
        browser=where.mark,
        user_session_id=where.user_session_id,
        browser_name=where.browser,
        os_name=where.os,
        ip=where.ip or None,
        undo=undo or {},
    )


def session_view_of(notice: SecurityNotice) -> SessionView:
    """The browser the notice is about, as the bot shows a session."""
    return SessionView(
        id=notice.user_session_id or 0,
        browser=notice.browser_name,
        os=notice.os_name,
        ip=notice.ip or "",
        signed_in_at=notice.created_at,
        last_seen_at=notice.created_at,
    )


class PressOutcome(enum.Enum):
    DONE = "done"
    ALREADY = "already"
    NOT_YOURS = "not_yours"
    GONE = "gone"


@dataclass(frozen=True)
class PressResult:
    outcome: PressOutcome
    notice: SecurityNotice | None = None
    # Sessions allauth knew of that ended now (any other ends on its next request).
    ended: int = 0
    # What was put back, as the bot says it; empty if nothing was.
    undone: str = ""


def _notice_for(notice_id: int, telegram_user_id: int) -> PressResult | SecurityNotice:
    notice = (
        SecurityNotice.objects.select_for_update()
        .select_related("user")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        return PressResult(PressOutcome.GONE)
    if notice.telegram_user_id != telegram_user_id:
        return PressResult(PressOutcome.NOT_YOURS)
    return notice


@transaction.atomic
def notice_not_me(*, notice_id: int, telegram_user_id: int) -> PressResult:
    """ "Not me" under a notice: sign out the browser it was about and undo its change."""
    found = _notice_for(notice_id, telegram_user_id)
    if isinstance(found, PressResult):
        return found
    notice = found
    if notice.acted_at is not None:
        return PressResult(PressOutcome.ALREADY, notice)
    ended = 0
    if notice.browser:
        ended = browsers.browser_end(user_id=notice.user_id, browser=notice.browser)
    elif notice.user_session_id is not None:
        # A session from before browsers were marked: allauth's record of it.
        ended = browsers.session_end(session_id=notice.user_session_id)
    undone = undo(notice)
    if notice.browser and stop_removals(user_id=notice.user_id, browser=notice.browser):
        undone = " ".join(
            filter(None, [undone, _("The removal of Telegram it asked for is stopped.")])
        )
    notice.acted_at = timezone.now()
    notice.save(update_fields=["acted_at"])
    logger.info(
        "telegram user %s: not me on %s notice %s of user %s (%s session(s) ended)",
        telegram_user_id,
        notice.kind,
        notice.pk,
        notice.user_id,
        ended,
    )
    return PressResult(PressOutcome.DONE, notice, ended=ended, undone=undone)


@transaction.atomic
def notice_everywhere(*, notice_id: int, telegram_user_id: int) -> PressResult:
    """ "Sign out everywhere" under a notice: every session of the account it was about."""
    found = _notice_for(notice_id, telegram_user_id)
    if isinstance(found, PressResult):
        return found
    ended = browsers.browser_end_everywhere(user_id=found.user_id)
    # Someone the owner does not trust is in: no lost-Telegram removal goes on either.
    stop_removals(user_id=found.user_id)
    logger.info(
        "telegram user %s ended all %s session(s) of user %s",
        telegram_user_id,
        ended,
        found.user_id,
    )
    return PressResult(PressOutcome.DONE, found, ended=ended)
