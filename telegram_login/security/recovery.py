"""Removing a linked Telegram that its owner lost for good.

Disconnecting Telegram takes a confirmation in Telegram (reauthentication.py); a person who no
longer has that Telegram account goes this way instead: the password (a fresh check), then a
link sent to the account's verified address, then a wait that the bot announces to the linked
Telegram, whose owner can stop it there ("Not me" signs the asking browser out too). Only after
the wait can the browser remove Telegram, and the last way in is still never removed. An
intruder with the password alone gets nowhere; one with the password and the mailbox gets a
wait that the real owner hears of at once (docs/security.md, "A stolen password").
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from telegram_login.allauth_internals import disconnect
from telegram_login.conf import get_settings
from telegram_login.linking import rules as linking
from telegram_login.linking.notices import verified_email_for
from telegram_login.messaging.outbox import tell
from telegram_login.models import SecurityNotice, TelegramRemoval
from telegram_login.security import change_messages
from telegram_login.security import notices as security_notices
from telegram_login.security.messages import moment_text
from telegram_login.site import site_name

logger = logging.getLogger(__name__)

SIGNING_SALT = "telegram_login.security.recovery"
# The emailed link works this long.
LINK_MAX_AGE = 3600
ACTIVE = (TelegramRemoval.Status.EMAIL_SENT, TelegramRemoval.Status.WAITING)


def active_removal(*, user: Any) -> TelegramRemoval | None:
    return (
        TelegramRemoval.objects.filter(user_id=user.pk, status__in=ACTIVE)
        .order_by("-requested_at")
        .first()
    )


class RemovalRefused(Exception):
    """Why a lost Telegram cannot be removed this way now (the page says it)."""

    def __init__(self, *, until: Any = None) -> None:
        super().__init__(until)
        # Set when the account's addresses changed lately: the day it may ask again.
        self.until = until


def email_changed_lately(*, user: Any) -> Any:
    """When the account's addresses last changed, if within the wait: an address added or made
    primary with the password alone must not be where a lost Telegram's removal is confirmed
    (the intruder's own, verified and made primary, would be); None if they did not."""
    kinds = [SecurityNotice.Kind.EMAIL_ADDED, SecurityNotice.Kind.EMAIL_PRIMARY]
    return (
        SecurityNotice.objects.filter(
            user_id=user.pk, kind__in=kinds, created_at__gt=timezone.now() - wait()
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def removal_request(*, request: HttpRequest) -> TelegramRemoval:
    """The browser (password freshly checked) asks to remove its lost Telegram: a link goes to
    the verified address. Refused where there is no Telegram, removing it would leave no way in,
    or the addresses changed within the wait."""
    user: Any = request.user
    account = linking.telegram_account_for_user(user=user)
    email = verified_email_for(user)
    if account is None or not account.uid.isdigit() or email is None:
        raise RemovalRefused()
    if not linking.can_disconnect_telegram(user=user):
        raise RemovalRefused()
    changed = email_changed_lately(user=user)
    if changed is not None:
        raise RemovalRefused(until=changed + wait())
    where = security_notices.where_of(request)
    with transaction.atomic():
        removal = active_removal(user=user)
        if removal is None:
            removal = TelegramRemoval.objects.create(
                user=user,
                telegram_user_id=int(account.uid),
                email=email,
                browser=where.mark,
                browser_name=where.browser,
                os_name=where.os,
                ip=where.ip or None,
            )
    if removal.status == TelegramRemoval.Status.EMAIL_SENT:
        _send_link(request, removal)
    return removal


def _send_link(request: HttpRequest, removal: TelegramRemoval) -> None:
    token = signing.dumps({"removal": removal.pk}, salt=SIGNING_SALT)
    url = request.build_absolute_uri(reverse("telegram_login_lost_confirm", args=[token]))
    get_account_adapter(request).send_mail(
        "telegram_login/email/lost_telegram",
        removal.email,
        {
            "user": removal.user,
            "site_name": site_name(request),
            "confirm_url": url,
            "wait_days": wait().days,
        },
    )


def wait() -> timedelta:
    return timedelta(seconds=get_settings().recovery_wait)


def removal_for_link(token: str) -> TelegramRemoval | None:
    """The removal an emailed link names, while the link is fresh and the removal waits for it."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("removal"), int):
        return None
    return (
        TelegramRemoval.objects.select_related("user")
        .filter(pk=data["removal"], status=TelegramRemoval.Status.EMAIL_SENT)
        .first()
    )


def removal_confirm_email(*, removal: TelegramRemoval) -> bool:
    """The emailed link was followed (and its page's button pressed): the wait begins, and the
    linked Telegram hears of it with a button that stops it."""
    now = timezone.now()
    with transaction.atomic():
        moved = TelegramRemoval.objects.filter(
            pk=removal.pk, status=TelegramRemoval.Status.EMAIL_SENT
        ).update(status=TelegramRemoval.Status.WAITING, confirmed_at=now, effective_at=now + wait())
        if not moved:
            return False
        removal.refresh_from_db()
        _announce(removal)
    logger.info("user %s: removal of Telegram %s waits", removal.user_id, removal.telegram_user_id)
    return True


def _announce(removal: TelegramRemoval) -> None:
    where = security_notices.Where(
        browser=removal.browser_name,
        os=removal.os_name,
        ip=removal.ip or "",
        user_session_id=None,
        mark=removal.browser,
    )
    notice = security_notices.notice_create(
        kind=SecurityNotice.Kind.TELEGRAM_REMOVAL,
        user=removal.user,
        telegram_user_id=removal.telegram_user_id,
        where=where,
        undo={"removal": removal.pk},
    )
    account = linking.telegram_account_for_user(user=removal.user)
    language = account.extra_data.get("language_code") if account is not None else None
    effective_at = removal.effective_at
    assert effective_at is not None
    tell(
        language,
        lambda: change_messages.change_notice(
            chat_id=removal.telegram_user_id,
            notice=notice,
            account=linking.account_label(removal.user),
            session=security_notices.session_view_of(notice),
            details={"when": moment_text(effective_at)},
        ),
    )


def removal_complete(*, request: HttpRequest, removal: TelegramRemoval) -> bool:
    """After the wait, the browser removes the Telegram (allauth's own disconnect, so both
    sides are told). False if it is not due, was stopped, or would leave no way in."""
    user: Any = request.user
    with transaction.atomic():
        current = (
            TelegramRemoval.objects.select_for_update()
            .filter(pk=removal.pk, user_id=user.pk, status=TelegramRemoval.Status.WAITING)
            .first()
        )
        if current is None or not current.due:
            return False
        account = linking.telegram_account_for_user(user=user)
        if account is None or account.uid != str(current.telegram_user_id):
            current.status = TelegramRemoval.Status.STOPPED
            current.ended_at = timezone.now()
            current.save(update_fields=["status", "ended_at"])
            return False
        if not linking.can_disconnect_telegram(user=user):
            return False
        disconnect(request, account)
        # The lost Telegram may be in someone else's hands now: its old notices' buttons (which
        # end sessions and undo changes) stop working.
        SecurityNotice.objects.filter(
            user_id=user.pk, telegram_user_id=current.telegram_user_id
        ).delete()
        current.status = TelegramRemoval.Status.DONE
        current.ended_at = timezone.now()
        current.save(update_fields=["status", "ended_at"])
    logger.info("user %s removed their lost Telegram %s", user.pk, current.telegram_user_id)
    return True
