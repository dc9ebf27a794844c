"""Every change to a login request: start, claim, confirm, cancel, expire, complete.

Each state change is one conditional UPDATE (`filter(pk=..., status=OLD).update(...)`) whose row
count says whether this caller won, so two webhooks or two polls racing can never both win.
"""

from __future__ import annotations

import enum
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from telegram_login.conf import get_settings
from telegram_login.identity import PROVIDER_ID, TelegramUser
from telegram_login.models import BotPrompt, LoginRequest
from telegram_login.poll import status_mirror
from telegram_login.signals import login_request_settled
from telegram_login.signin.tokens import TOKEN_RE, new_token, token_hash
from telegram_login.useragent import describe_user_agent

logger = logging.getLogger(__name__)

Status = LoginRequest.Status
LIVE: set[str] = {Status.PENDING, Status.CLAIMED}
CODE_ALPHABET = "0123456789"
CODE_LENGTH = 2
CODE_CHOICES = 3
TYPED_CODE_LENGTH = 6
TYPED_CODE_ATTEMPTS = 3

# The only moves a login request can make; `_move` refuses anything else.
TRANSITIONS: dict[str, set[str]] = {
    Status.PENDING: {Status.CLAIMED, Status.DENIED, Status.EXPIRED},
    Status.CLAIMED: {Status.APPROVED, Status.DENIED, Status.EXPIRED},
    Status.APPROVED: {Status.COMPLETED},
    Status.COMPLETED: {Status.DENIED},  # completion failed after the request was taken
    Status.DENIED: set(),
    Status.EXPIRED: set(),
}


def _move(
    rows: QuerySet[LoginRequest],
    *,
    old: set[str],
    new: str,
    live_only: bool = False,
    due_only: bool = False,
    **fields: Any,
) -> int:
    """The one place a status changes: move the requests in `rows` that are still in one of
    `old` to `new` (one conditional UPDATE); return how many moved. `live_only` moves only those
    with time left, `due_only` only those whose time is up."""
    for status in old:
        if new not in TRANSITIONS[status]:
            raise ValueError(f"login request cannot go from {status} to {new}")
    rows = rows.filter(status__in=old)
    if live_only:
        rows = rows.filter(expires_at__gt=timezone.now())
    if due_only:
        rows = rows.filter(expires_at__lte=timezone.now())
    # The waiting polls' mirror (where there is one) learns of the move (status_mirror.py).
    candidates = list(rows.values_list("pk", "expires_at")) if status_mirror.enabled() else []
    moved = rows.update(status=new, **fields)
    if moved:
        status_mirror.mirror_write(
            statuses=[(pk, new, expires_at) for pk, expires_at in candidates]
        )
    return moved


def _transition(*, request_id: uuid.UUID, old: set[str], new: str, **options: Any) -> bool:
    """Move one request; True if this call did (two racing callers never both win)."""
    return _move(LoginRequest.objects.filter(pk=request_id), old=old, new=new, **options) == 1


def _new_codes() -> tuple[str, list[str]]:
    if get_settings().confirm_mode == "browser_code":
        # Typed by the person into the browser: no choices, and long enough not to be guessed
        # in the few attempts allowed.
        return "".join(secrets.choice(CODE_ALPHABET) for _ in range(TYPED_CODE_LENGTH)), []
    choices: list[str] = []
    while len(choices) < CODE_CHOICES:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in choices:
            choices.append(code)
    return choices[secrets.randbelow(CODE_CHOICES)], choices


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
    match_code, code_choices = _new_codes()
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
    )
    status_mirror.mirror_write(
        statuses=[(login_request.pk, login_request.status, login_request.expires_at)]
    )
    return login_request, token


class ClaimOutcome(enum.Enum):
    CLAIMED = "claimed"
    ALREADY_CLAIMED_BY_YOU = "already_claimed_by_you"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    # A confirmation for an account whose linked Telegram is someone else.
    NOT_YOUR_ACCOUNT = "not_your_account"


@dataclass(frozen=True)
class ClaimResult:
    outcome: ClaimOutcome
    login_request: LoginRequest | None = None


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
        _move(
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


class DecisionOutcome(enum.Enum):
    APPROVED = "approved"
    WRONG_CODE = "wrong_code"
    CANCELLED = "cancelled"
    NOT_YOURS = "not_yours"
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    ALREADY_DECIDED = "already_decided"


@dataclass(frozen=True)
class DecisionResult:
    outcome: DecisionOutcome
    login_request: LoginRequest | None = None


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
        won = _transition(
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
        won = _transition(
            request_id=request_id,
            old={Status.CLAIMED},
            new=Status.APPROVED,
            live_only=True,
            decided_at=now,
        )
    else:
        outcome = DecisionOutcome.WRONG_CODE
        won = _transition(
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
        if _transition(
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
    if login_request.code_attempts >= TYPED_CODE_ATTEMPTS and _transition(
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
    won = _transition(
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


def login_request_take_for_completion(*, login_request: LoginRequest) -> bool:
    """The browser's poll found the request approved; only one poll may go on to sign in."""
    won = _transition(
        request_id=login_request.pk,
        old={Status.APPROVED},
        new=Status.COMPLETED,
        completed_at=timezone.now(),
    )
    if won:
        login_request.status = Status.COMPLETED
    return won


def login_request_fail(*, login_request: LoginRequest) -> None:
    """Completing the sign-in failed after the request was taken: record it as denied."""
    if _transition(
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
    return _move(
        LoginRequest.objects.filter(telegram_user_id=telegram_user_id),
        old={Status.CLAIMED},
        new=Status.DENIED,
        deny_reason=LoginRequest.DenyReason.BOT_BLOCKED,
        decided_at=timezone.now(),
    )


def login_requests_expire_all() -> int:
    """End every waiting request (the sandbox's reset for the browser suite)."""
    return _move(
        LoginRequest.objects.all(), old=LIVE, new=Status.EXPIRED, decided_at=timezone.now()
    )
