"""What the linked Telegram is told about the account (models.SecurityNotice) and what its
buttons do: "Not me" signs out the browser the notice was about, wherever its session went since
(browsers.py), and undoes the change where allauth allows it; "Sign out everywhere" ends every
session of the account the notice was about. Only the Telegram user who was told may press
them, and they keep working if Telegram was unlinked since (an intruder may have unlinked it).
"""

from __future__ import annotations

import enum
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from . import browsers, sessions
from .identity import PROVIDER_ID
from .models import AlertPreference, SecurityNotice, TelegramRemoval
from .sessions import SessionView
from .useragent import describe_user_agent

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
        except Exception:  # allauth refuses addresses it cannot trust; the notice goes out anyway
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
    if notice.browser and _stop_removals(user_id=notice.user_id, browser=notice.browser):
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
    _stop_removals(user_id=found.user_id)
    logger.info(
        "telegram user %s ended all %s session(s) of user %s",
        telegram_user_id,
        ended,
        found.user_id,
    )
    return PressResult(PressOutcome.DONE, found, ended=ended)


def _stop_removals(*, user_id: Any, browser: str | None = None) -> int:
    """Stop the account's lost-Telegram removals under way (those `browser` asked for)."""
    removals = TelegramRemoval.objects.filter(
        user_id=user_id,
        status__in=[TelegramRemoval.Status.EMAIL_SENT, TelegramRemoval.Status.WAITING],
    )
    if browser is not None:
        removals = removals.filter(browser=browser)
    return removals.update(status=TelegramRemoval.Status.STOPPED, ended_at=timezone.now())


def password_tag(user: Any) -> str:
    """Which password the account has now, without keeping its hash: so that "Not me" voids
    the password a change set, never a later one."""
    return hashlib.sha256(f"telegram_login.password:{user.password}".encode()).hexdigest()[:32]


def _telegram_linked(user_id: Any) -> bool:
    from allauth.socialaccount.models import SocialAccount

    return SocialAccount.objects.filter(user_id=user_id, provider=PROVIDER_ID).exists()


def undo(notice: SecurityNotice) -> str:
    """Put back what the notice's change did, where allauth allows it; what the bot says of it."""
    kind, data, user = notice.kind, notice.undo, notice.user
    Kind = SecurityNotice.Kind
    if kind in {Kind.PASSWORD_CHANGED, Kind.PASSWORD_SET, Kind.PASSWORD_RESET}:
        if data.get("password") != password_tag(user):
            return _("The password was changed again since: it stays.")
        if not _telegram_linked(user.pk):
            return _("The password stays: Telegram is no longer linked, so it is a way in.")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        return _(
            "The password set from that browser no longer works: sign in with Telegram and set "
            "a new one."
        )
    if kind == Kind.EMAIL_ADDED:
        return _undo_email_added(user, data.get("email", ""))
    if kind == Kind.EMAIL_REMOVED:
        return _undo_email_removed(user, data)
    if kind == Kind.EMAIL_PRIMARY:
        primary = EmailAddress.objects.filter(user_id=user.pk, primary=True).first()
        if primary is None or primary.email.lower() != str(data.get("to", "")).lower():
            return ""  # the primary address changed again since: left as the owner has it
        before = EmailAddress.objects.filter(
            user_id=user.pk, email__iexact=data.get("from", ""), verified=True
        ).first()
        if before is None:
            return ""
        before.set_as_primary()
        return _("%(email)s is the primary address again.") % {"email": before.email}
    if kind == Kind.MFA_ADDED:
        return _undo_authenticator_added(user, data.get("authenticator"))
    if kind == Kind.MFA_REMOVED:
        return _("Two-factor authentication cannot be restored from here: turn it on again.")
    if kind == Kind.ALERTS_OFF:
        AlertPreference.objects.update_or_create(user=user, defaults={"sign_in_alerts": True})
        return _("Sign-in alerts are on again.")
    if kind == Kind.TELEGRAM_REMOVAL:
        stopped = TelegramRemoval.objects.filter(
            pk=data.get("removal"),
            status__in=[TelegramRemoval.Status.EMAIL_SENT, TelegramRemoval.Status.WAITING],
        ).update(status=TelegramRemoval.Status.STOPPED, ended_at=timezone.now())
        if stopped:
            return _("The removal of Telegram is stopped: Telegram stays linked.")
        return ""
    if kind == Kind.SOCIAL_ADDED:
        from allauth.socialaccount.models import SocialAccount

        removed, _by_model = SocialAccount.objects.filter(
            pk=data.get("account"), user_id=user.pk
        ).delete()
        if removed:
            return _("%(provider)s no longer signs in to the account.") % {
                "provider": data.get("provider", "")
            }
        return ""
    return ""


def _undo_authenticator_added(user: Any, authenticator_id: Any) -> str:
    from django.apps import apps

    if not apps.is_installed("allauth.mfa"):
        return ""
    from allauth.mfa.base.internal.flows import delete_dangling_recovery_codes
    from allauth.mfa.models import Authenticator

    removed, _by_model = Authenticator.objects.filter(pk=authenticator_id, user_id=user.pk).delete()
    if not removed:
        return ""
    # Its recovery codes go with it, as allauth's own deactivation does.
    delete_dangling_recovery_codes(user)
    return _("The two-factor authentication it turned on is removed.")


def _undo_email_added(user: Any, email: str) -> str:
    address = EmailAddress.objects.filter(user_id=user.pk, email__iexact=email).first()
    if address is None:
        return ""
    if address.primary:
        other = (
            EmailAddress.objects.filter(user_id=user.pk, verified=True)
            .exclude(pk=address.pk)
            .order_by("pk")
            .first()
        )
        if other is not None:
            other.set_as_primary()
    address.delete()
    return _("%(email)s is removed from the account.") % {"email": email}


def _undo_email_removed(user: Any, data: dict[str, Any]) -> str:
    email = data.get("email", "")
    if not email or EmailAddress.objects.filter(email__iexact=email).exists():
        return ""
    address = EmailAddress.objects.create(
        user=user, email=email, verified=bool(data.get("verified")), primary=False
    )
    if data.get("primary") and address.verified:
        address.set_as_primary()
    return _("%(email)s is back on the account.") % {"email": email}
