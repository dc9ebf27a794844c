"""Every change to a login request: start, claim, confirm, cancel, expire, complete, each one
move of its state machine (machine.py)."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta
from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from telegram_login.conf import get_settings
from telegram_login.identity import PROVIDER_ID, TelegramUser
from telegram_login.models import BotPrompt, LoginRequest
from telegram_login.poll import status_mirror
from telegram_login.signals import login_request_settled
from telegram_login.signin.codes import TYPED_CODE_ATTEMPTS, new_codes
from telegram_login.signin.machine import (
    LIVE,
    ClaimOutcome,
    ClaimResult,
    DecisionOutcome,
    DecisionResult,
    Status,
    move,
    transition,
)
from telegram_login.signin.tokens import TOKEN_RE, new_token, token_hash
from telegram_login.site import site_name
from telegram_login.useragent import describe_user_agent

logger = logging.getLogger(__name__)


class TooManyPendingRequests(Exception):
    """Too many sign-ins are waiting for Telegram, from this address or in all."""


def login_request_start(
    *,
    process: str,
    requester_ip: str | None,
    user_agent: str,
    user: Any = None,
    purpose: str = "",
) -> tuple[LoginRequest, str]:
    """Create a pending request; return it with its one-time token (the caller binds it to the
    browser's session and hands the token to that browser only).

    `user` is the signed-in account that connects or confirms (None for a sign-in). Raises
    TooManyPendingRequests past the caps on live requests per address and in total.
    """
    conf = get_settings()
    now = timezone.now()
    live = LoginRequest.objects.filter(status__in=LIVE, expires_at__gt=now)
    if requester_ip and live.filter(requester_ip=requester_ip).count() >= conf.max_pending_per_ip:
        raise TooManyPendingRequests
    if live.count() >= conf.max_pending:
        logger.warning("%s sign-ins are waiting; new ones refused", conf.max_pending)
        raise TooManyPendingRequests
    token = new_token()
    match_code, code_choices = new_codes()
    device = describe_user_agent(user_agent)
    login_request = LoginRequest.objects.create(
        token_hash=token_hash(token),
        process=process,
        user=user,
        purpose=purpose,
        match_code=match_code,
        code_choices=code_choices,
        created_at=now,
        expires_at=now + timedelta(seconds=conf.login_ttl),
        requester_ip=requester_ip,
        requester_browser=device.browser,
        requester_os=device.os,
        # Named now, for the host this browser asked on: the prompt's edits are written later,
        # by the queue, with no request to tell by.
        site_name=site_name()[:255],
    )
    status_mirror.mirror_write(
        statuses=[(login_request.pk, login_request.status, login_request.expires_at)]
    )
    return login_request, token


def login_request_claim(*, token: str, telegram_user: TelegramUser) -> ClaimResult:
    """A Telegram user sent /start <token>: the first one to do so holds the request.

    A confirmation of an account (reauthenticate) can be claimed only by the Telegram account
    linked to it; anyone else is told so and the request stays open for its owner.
    """
    if not TOKEN_RE.match(token):
        return ClaimResult(ClaimOutcome.UNKNOWN)
    digest = token_hash(token)
    rows = LoginRequest.objects.filter(token_hash=digest).exclude(
        Q(process=LoginRequest.Process.REAUTHENTICATE)
        & ~Exists(
            SocialAccount.objects.filter(
                user_id=OuterRef("user_id"), provider=PROVIDER_ID, uid=str(telegram_user.id)
            )
        )
    )
    won = (
        move(
            rows,
            old={Status.PENDING},
            new=Status.CLAIMED,
            live_only=True,
            telegram_user_id=telegram_user.id,
            telegram_user=telegram_user.as_dict(),
            claimed_at=timezone.now(),
        )
        == 1
    )
    login_request = LoginRequest.objects.filter(token_hash=digest).first()
    if login_request is None:
        return ClaimResult(ClaimOutcome.UNKNOWN)
    if won:
        return ClaimResult(ClaimOutcome.CLAIMED, login_request)
    if login_request_expire_if_due(login_request=login_request):
        return ClaimResult(ClaimOutcome.EXPIRED, login_request)
    if login_request.status == Status.EXPIRED:
        return ClaimResult(ClaimOutcome.EXPIRED, login_request)
    if (
        login_request.status == Status.CLAIMED
        and login_request.telegram_user_id == telegram_user.id
    ):
        return ClaimResult(ClaimOutcome.ALREADY_CLAIMED_BY_YOU, login_request)
    if (
        login_request.status == Status.PENDING
        and login_request.process == LoginRequest.Process.REAUTHENTICATE
    ):
        return ClaimResult(ClaimOutcome.NOT_YOUR_ACCOUNT, login_request)
    return ClaimResult(ClaimOutcome.USED, login_request)


def login_request_decide(
    *, request_id: uuid.UUID, telegram_user_id: int, code: str | None
) -> DecisionResult:
    """The claiming Telegram user pressed a code (`code`) or Cancel (`code=None`)."""
    login_request = LoginRequest.objects.filter(pk=request_id).first()
    if login_request is None:
        return DecisionResult(DecisionOutcome.UNKNOWN)
    if login_request.telegram_user_id != telegram_user_id:
        return DecisionResult(DecisionOutcome.NOT_YOURS, login_request)
    now = timezone.now()
    if code is None:
        outcome = DecisionOutcome.CANCELLED
        won = transition(
            request_id=request_id,
            old={Status.CLAIMED},
            new=Status.DENIED,
            deny_reason=LoginRequest.DenyReason.CANCELLED,
            decided_at=now,
        )
    elif login_request.code_choices == []:
        # browser_code mode: the code is typed into the browser, never pressed in Telegram.
        return DecisionResult(DecisionOutcome.UNKNOWN, login_request)
    elif secrets.compare_digest(code, login_request.match_code):
        outcome = DecisionOutcome.APPROVED
        won = transition(
            request_id=request_id,
            old={Status.CLAIMED},
            new=Status.APPROVED,
            live_only=True,
            decided_at=now,
        )
    else:
        outcome = DecisionOutcome.WRONG_CODE
        won = transition(
            request_id=request_id,
            old={Status.CLAIMED},
            new=Status.DENIED,
            deny_reason=LoginRequest.DenyReason.WRONG_CODE,
            decided_at=now,
        )
    login_request.refresh_from_db()
    if won:
        login_request_settled.send(sender=LoginRequest, login_request=login_request)
        return DecisionResult(outcome, login_request)
    login_request_expire_if_due(login_request=login_request)
    if login_request.status == Status.EXPIRED:
        return DecisionResult(DecisionOutcome.EXPIRED, login_request)
    return DecisionResult(DecisionOutcome.ALREADY_DECIDED, login_request)


def login_request_enter_code(*, login_request: LoginRequest, code: str) -> DecisionOutcome:
    """The asking browser typed the code the bot showed (browser_code mode). A right code
    approves; each wrong one counts, and the last allowed wrong one denies the request."""
    now = timezone.now()
    if login_request_expire_if_due(login_request=login_request):
        return DecisionOutcome.EXPIRED
    if login_request.status != Status.CLAIMED:
        return DecisionOutcome.ALREADY_DECIDED
    if secrets.compare_digest(code.encode(), login_request.match_code.encode()):
        if transition(
            request_id=login_request.pk,
            old={Status.CLAIMED},
            new=Status.APPROVED,
            live_only=True,
            decided_at=now,
        ):
            login_request.status = Status.APPROVED
            login_request_settled.send(sender=LoginRequest, login_request=login_request)
            return DecisionOutcome.APPROVED
        login_request.refresh_from_db()
        return DecisionOutcome.ALREADY_DECIDED
    LoginRequest.objects.filter(pk=login_request.pk, status=Status.CLAIMED).update(
        code_attempts=F("code_attempts") + 1
    )
    login_request.refresh_from_db()
    if login_request.code_attempts >= TYPED_CODE_ATTEMPTS and transition(
        request_id=login_request.pk,
        old={Status.CLAIMED},
        new=Status.DENIED,
        deny_reason=LoginRequest.DenyReason.WRONG_CODE,
        decided_at=now,
    ):
        login_request.refresh_from_db()
        login_request_settled.send(sender=LoginRequest, login_request=login_request)
    return DecisionOutcome.WRONG_CODE


def login_request_expire_if_due(*, login_request: LoginRequest) -> bool:
    """Mark a live request whose time is up as expired; True if this call did it."""
    now = timezone.now()
    if not login_request.has_timed_out(now):
        return False
    won = transition(
        request_id=login_request.pk, old=LIVE, new=Status.EXPIRED, due_only=True, decided_at=now
    )
    if won:
        login_request.status = Status.EXPIRED
        login_request.decided_at = now
        login_request_settled.send(sender=LoginRequest, login_request=login_request)
    else:
        # Someone else moved it first (expired it, or decided it in time): show what they did.
        login_request.refresh_from_db()
    return won


def login_request_cancel_in_browser(*, login_request: LoginRequest) -> bool:
    """The browser that asked pressed Cancel while it waited: the request ends as cancelled (its
    prompt in Telegram says so and loses its buttons). False if it was no longer waiting (an
    approved request goes on to be completed by the next poll)."""
    won = transition(
        request_id=login_request.pk,
        old=LIVE,
        new=Status.DENIED,
        deny_reason=LoginRequest.DenyReason.CANCELLED,
        decided_at=timezone.now(),
    )
    login_request.refresh_from_db()
    if won:
        login_request_settled.send(sender=LoginRequest, login_request=login_request)
    return won


def login_request_take_for_completion(*, login_request: LoginRequest) -> bool:
    """The browser's poll found the request approved; only one poll may go on to sign in."""
    won = transition(
        request_id=login_request.pk,
        old={Status.APPROVED},
        new=Status.COMPLETED,
        completed_at=timezone.now(),
    )
    if won:
        login_request.status = Status.COMPLETED
    return won


def login_request_finished(*, login_request: LoginRequest) -> None:
    """The browser finished the link or the confirmation Telegram approved: the bot's prompt
    says so, instead of still asking to go back to the browser (a sign-in's prompt becomes its
    alert instead, security/alerts.py)."""
    login_request_settled.send(sender=LoginRequest, login_request=login_request)


def login_request_fail(*, login_request: LoginRequest) -> None:
    """Completing the sign-in failed after the request was taken: record it as denied."""
    if transition(
        request_id=login_request.pk,
        old={Status.COMPLETED},
        new=Status.DENIED,
        deny_reason=LoginRequest.DenyReason.FAILED,
    ):
        login_request.status = Status.DENIED
        login_request.deny_reason = LoginRequest.DenyReason.FAILED
        login_request_settled.send(sender=LoginRequest, login_request=login_request)


def login_request_record_prompt(
    *, request_id: uuid.UUID, chat_id: int, message_id: int
) -> LoginRequest | None:
    """The bot's consent prompt for a request was delivered: remember where, to edit it later."""
    login_request = LoginRequest.objects.filter(pk=request_id).first()
    if login_request is not None:
        BotPrompt.objects.create(
            login_request=login_request, chat_id=chat_id, message_id=message_id
        )
    return login_request


def telegram_user_blocked_bot(*, telegram_user_id: int) -> int:
    """The user blocked the bot, so it cannot ask them anything: end their waiting requests.

    Returns how many requests ended; their browsers then say how to unblock the bot.
    """
    return move(
        LoginRequest.objects.filter(telegram_user_id=telegram_user_id),
        old={Status.CLAIMED},
        new=Status.DENIED,
        deny_reason=LoginRequest.DenyReason.BOT_BLOCKED,
        decided_at=timezone.now(),
    )


def login_requests_expire_all() -> int:
    """End every waiting request (a fresh start for the browser suite)."""
    return move(LoginRequest.objects.all(), old=LIVE, new=Status.EXPIRED, decided_at=timezone.now())
