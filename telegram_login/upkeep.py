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
from django.db.models import QuerySet
from django.utils import timezone

from telegram_login.conf import get_settings
from telegram_login.models import (
    BrowserRevocation,
    LoginRequest,
    ProcessedUpdate,
    SecurityNotice,
    UsedInitData,
)

# Telegram gives up re-sending an update after about a day; keep ids a little longer.
PROCESSED_UPDATE_KEEP = timedelta(days=2)
FINISHED_REQUEST_KEEP = timedelta(days=1)
# A start prunes old rows about once in this many calls, so tables stay bounded without cron.
PRUNE_EVERY = 200
# ...and then at most this many of each kind, so that no visitor's start waits for a backlog
# (weeks of rows after a pause, with their prompts) to be deleted: 500 every 200 starts clears
# more than the starts make. telegram_cleanup deletes in batches of this size until none is left.
PRUNE_BATCH = 500
# An alert's or a change notice's buttons work this long (its browser's session lasts at most
# SESSION_COOKIE_AGE, two weeks by default, unless it keeps coming back).
NOTICE_KEEP = timedelta(days=60)


def revocation_keep() -> timedelta:
    """A signed-out browser's record outlives every session that signed in before it: such a
    session was ended then, or on its next request, or expired (SESSION_COOKIE_AGE unused)."""
    return timedelta(seconds=settings.SESSION_COOKIE_AGE) + timedelta(days=1)


@dataclass(frozen=True)
class Pruned:
    requests: int
    updates: int


def prune_old_records(*, batch: int = PRUNE_BATCH) -> Pruned:
    """Delete requests that ended (or expired) a day ago, update ids past Telegram's retries, old
    notices and signed-out browsers' records, and expired sessions (every cookie-less start
    makes one; see views.start for their lifetime); at most `batch` of each kind of row (any of
    them: no order to sort by)."""
    now = timezone.now()
    requests = _delete_some(
        LoginRequest.objects.filter(expires_at__lt=now - FINISHED_REQUEST_KEEP), batch
    )
    updates = _delete_some(
        ProcessedUpdate.objects.filter(received_at__lt=now - PROCESSED_UPDATE_KEEP), batch
    )
    _delete_some(SecurityNotice.objects.filter(created_at__lt=now - NOTICE_KEEP), batch)
    # A Mini App's data is refused as too old long before its row goes.
    used_keep = timedelta(seconds=2 * get_settings().mini_app_max_age + 3600)
    _delete_some(UsedInitData.objects.filter(used_at__lt=now - used_keep), batch)
    _delete_some(BrowserRevocation.objects.filter(revoked_at__lt=now - revocation_keep()), batch)
    session_store: Any = import_module(settings.SESSION_ENGINE).SessionStore
    # An engine that expires its own entries (cache, signed cookies) has nothing to clear.
    with contextlib.suppress(NotImplementedError):
        session_store.clear_expired()
    return Pruned(requests=requests, updates=updates)


def _delete_some(queryset: QuerySet[Any], batch: int) -> int:
    """Delete up to `batch` of the queryset's rows (with what cascades from them); how many of
    the queryset's own model went."""
    model = queryset.model
    ids = list(queryset.values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    _, per_model = model.objects.filter(pk__in=ids).delete()
    return per_model.get(model._meta.label, 0)


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
