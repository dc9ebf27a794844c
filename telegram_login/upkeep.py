"""Upkeep of the flow's records: handled update ids, and pruning old rows."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import LoginRequest, ProcessedUpdate

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


def prune_now_and_then() -> None:
    """Called on each start: about one in PRUNE_EVERY prunes, so tables stay bounded without
    cron (outside the start's own transaction)."""
    if secrets.randbelow(PRUNE_EVERY) == 0:
        prune_old_records()
