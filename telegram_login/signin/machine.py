"""A login request's state machine: the moves it can make, and the one place a move is made.

Each move is one conditional UPDATE (`filter(pk=..., status=OLD).update(...)`) whose row count
says whether this caller won, so two webhooks or two polls racing can never both win.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from telegram_login.models import LoginRequest
from telegram_login.poll import status_mirror

Status = LoginRequest.Status
LIVE: set[str] = {Status.PENDING, Status.CLAIMED}

# The only moves a login request can make; `move` refuses anything else.
TRANSITIONS: dict[str, set[str]] = {
    Status.PENDING: {Status.CLAIMED, Status.DENIED, Status.EXPIRED},
    Status.CLAIMED: {Status.APPROVED, Status.DENIED, Status.EXPIRED},
    Status.APPROVED: {Status.COMPLETED},
    Status.COMPLETED: {Status.DENIED},  # completion failed after the request was taken
    Status.DENIED: set(),
    Status.EXPIRED: set(),
}


def move(
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


def transition(*, request_id: uuid.UUID, old: set[str], new: str, **options: Any) -> bool:
    """Move one request; True if this call did (two racing callers never both win)."""
    return move(LoginRequest.objects.filter(pk=request_id), old=old, new=new, **options) == 1


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
