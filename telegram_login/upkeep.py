"""Upkeep of the flow's records: the poll counter, handled update ids, and pruning old rows."""

from __future__ import annotations

import contextlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from .conf import get_settings
from .models import LoginRequest, ProcessedUpdate


@lru_cache(maxsize=1)
def _redis() -> Any:
    # Its own client: Django's cache needs two round trips for an increment (EXISTS, INCR),
    # and this runs on every poll. Only where REDIS_URL is set (the "redis" extra).
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url)


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


def prune_now_and_then() -> None:
    """Called on each start: about one in PRUNE_EVERY prunes, so tables stay bounded without
    cron (outside the start's own transaction)."""
    if secrets.randbelow(PRUNE_EVERY) == 0:
        prune_old_records()
