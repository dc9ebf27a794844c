"""Every change to a login request: start, claim, confirm, cancel, expire, complete.

Each state change is one conditional UPDATE (`filter(pk=..., status=OLD).update(...)`) whose row
count says whether this caller won, so two webhooks or two polls racing can never both win.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import import_module
from typing import Any

import redis
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from .bot.updates import TelegramUser
from .conf import get_settings
from .models import BotPrompt, LoginRequest, ProcessedUpdate
from .provider import TelegramLoginProvider
from .selectors import SESSION_KEY, session_login_requests, token_hash
from .signals import login_request_settled
from .useragent import describe_user_agent

logger = logging.getLogger(__name__)

Status = LoginRequest.Status
PROVIDER_ID = TelegramLoginProvider.id
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
CODE_ALPHABET = "0123456789"
CODE_LENGTH = 2
CODE_CHOICES = 3
TYPED_CODE_LENGTH = 6
TYPED_CODE_ATTEMPTS = 3

# The only moves a login request can make; `_transition` refuses anything else.
TRANSITIONS: dict[str, set[str]] = {
    Status.PENDING: {Status.CLAIMED, Status.DENIED, Status.EXPIRED},
    Status.CLAIMED: {Status.APPROVED, Status.DENIED, Status.EXPIRED},
    Status.APPROVED: {Status.COMPLETED},
    Status.COMPLETED: {Status.DENIED},  # completion failed after the request was taken
    Status.DENIED: set(),
    Status.EXPIRED: set(),
}


def _transition(
    *,
    request_id: uuid.UUID,
    old: set[str],
    new: str,
    live_only: bool = False,
    **fields: Any,
) -> bool:
    """Move the request from one of `old` to `new` if it is still there; True if this call did."""
    for status in old:
        if new not in TRANSITIONS[status]:
            raise ValueError(f"login request cannot go from {status} to {new}")
    rows = LoginRequest.objects.filter(pk=request_id, status__in=old)
    if live_only:
        rows = rows.filter(expires_at__gt=timezone.now())
    return rows.update(status=new, **fields) == 1


def new_token() -> str:
    return secrets.token_urlsafe(32)


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


@transaction.atomic
def login_request_start(
    *,
    session: SessionBase,
    state_id: str,
    process: str,
    requester_ip: str | None,
    user_agent: str,
    user: Any = None,
    purpose: str = "",
) -> tuple[LoginRequest, str]:
    """Create a pending request bound to this session; return it with its one-time token.

    `user` is the signed-in account that connects or confirms (None for a sign-in). Raises
    TooManyPendingRequests past the caps on live requests per address and in total.
    """
    conf = get_settings()
    now = timezone.now()
    if secrets.randbelow(PRUNE_EVERY) == 0:
        prune_old_records()
    live = LoginRequest.objects.filter(
        status__in=[Status.PENDING, Status.CLAIMED], expires_at__gt=now
    )
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
    recent = session_login_requests(session=session)
    recent[str(login_request.id)] = state_id
    # Keep the newest few (a person may have two tabs); dicts keep insertion order.
    session[SESSION_KEY] = dict(list(recent.items())[-conf.recent_requests_per_session :])
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
    now = timezone.now()
    rows = LoginRequest.objects.filter(token_hash=digest, status=Status.PENDING, expires_at__gt=now)
    rows = rows.exclude(
        Q(process=LoginRequest.Process.REAUTHENTICATE)
        & ~Exists(
            SocialAccount.objects.filter(
                user_id=OuterRef("user_id"), provider=PROVIDER_ID, uid=str(telegram_user.id)
            )
        )
    )
    won = (
        rows.update(
            status=Status.CLAIMED,
            telegram_user_id=telegram_user.id,
            telegram_user=telegram_user.as_dict(),
            claimed_at=now,
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
    won = (
        LoginRequest.objects.filter(
            pk=login_request.pk,
            status__in=[Status.PENDING, Status.CLAIMED],
            expires_at__lte=now,
        ).update(status=Status.EXPIRED, decided_at=now)
        == 1
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
    return LoginRequest.objects.filter(
        telegram_user_id=telegram_user_id, status=Status.CLAIMED
    ).update(
        status=Status.DENIED,
        deny_reason=LoginRequest.DenyReason.BOT_BLOCKED,
        decided_at=timezone.now(),
    )


@lru_cache(maxsize=1)
def _redis() -> redis.Redis | None:
    # Its own client: Django's cache needs two round trips for an increment (EXISTS, INCR),
    # and this runs on every poll.
    url = getattr(settings, "REDIS_URL", "")
    return redis.Redis.from_url(url) if url else None


def login_request_count_poll(*, request_id: uuid.UUID) -> int:
    """Count a browser poll of this request (one cache round trip); return the count."""
    key = f"telegram_login:polls:{request_id}"
    ttl = get_settings().login_ttl + 60
    client = _redis()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, ttl, nx=True)
        count, _ = pipe.execute()
        return int(count)
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=ttl)
        return 1


# Telegram gives up re-sending an update after about a day; keep ids a little longer.
PROCESSED_UPDATE_KEEP = timedelta(days=2)
FINISHED_REQUEST_KEEP = timedelta(days=1)
# A start prunes old rows about once in this many calls, so tables stay bounded without cron.
PRUNE_EVERY = 200


@dataclass(frozen=True)
class Pruned:
    requests: int
    updates: int


def prune_old_records() -> Pruned:
    """Delete requests that ended (or expired) a day ago, update ids past Telegram's retries, and
    expired sessions (every cookie-less start makes one; see views.start for their lifetime)."""
    now = timezone.now()
    requests_deleted, _ = LoginRequest.objects.filter(
        expires_at__lt=now - FINISHED_REQUEST_KEEP
    ).delete()
    updates_deleted, _ = ProcessedUpdate.objects.filter(
        received_at__lt=now - PROCESSED_UPDATE_KEEP
    ).delete()
    session_store: Any = import_module(settings.SESSION_ENGINE).SessionStore
    # An engine that expires its own entries (cache, signed cookies) has nothing to clear.
    with contextlib.suppress(NotImplementedError):
        session_store.clear_expired()
    return Pruned(requests=requests_deleted, updates=updates_deleted)


def update_mark_processed(*, update_id: int) -> bool:
    """Record an update id; False if it was already handled (Telegram re-sent it)."""
    try:
        with transaction.atomic():
            ProcessedUpdate.objects.create(update_id=update_id)
    except IntegrityError:
        return False
    return True
