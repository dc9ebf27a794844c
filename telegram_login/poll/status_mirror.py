"""What a waiting poll learns without the database: its own count, and its request's status as
last written to a mirror in Redis, both in one round trip.

The database stays the only source of truth. The mirror only lets a poll answer "nothing
changed" (204); any other answer, and everything that signs a person in or changes a request,
reads the database. A missing mirror entry sends the poll to the database, which writes the
entry back. Entries move only forward (pending, claimed, approved, completed, then expired or
denied), so a late or out-of-order write can never take a request back to an earlier status.
An entry is written right after the UPDATE it mirrors, before its commit: a status the
database then rolls back is one no browser has been shown, so it can only send polls to the
database, never answer one. A write that failed (Redis briefly away) is corrected by the
database check every `TRUTH_CHECK_EVERY` polls, and a live entry lives only as long as its
request.

Without Redis (the SQLite default with a per-process cache) there is no mirror, the count is
kept in Django's cache, and the poll reads the status with one query.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.core.cache import cache as django_cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone

from telegram_login import outages
from telegram_login.conf import get_settings
from telegram_login.models import LoginRequest

logger = logging.getLogger(__name__)

Status = LoginRequest.Status
# Each move of a request goes up this order (signin/machine.py); the mirror never goes down.
RANK = {
    Status.PENDING: 0,
    Status.CLAIMED: 1,
    Status.APPROVED: 2,
    Status.COMPLETED: 3,
    Status.EXPIRED: 4,
    Status.DENIED: 4,
}
# One poll in this many reads the database even when the mirror says nothing changed.
TRUTH_CHECK_EVERY = 30

# KEYS: the poll counter, the status entry. ARGV: the counter's lifetime in seconds.
_GLANCE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('GET', KEYS[2])}
"""
# KEYS: the status entry. ARGV: the status, its rank, its lifetime in milliseconds.
_WRITE_FORWARD = """
local ranks = {pending=0, claimed=1, approved=2, completed=3, expired=4, denied=4}
local current = redis.call('GET', KEYS[1])
if current and ranks[current] and ranks[current] >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
"""


class _Scripts:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.glance = client.register_script(_GLANCE)
        self.write_forward = client.register_script(_WRITE_FORWARD)
        # Each thread keeps its own connection for the glance: no pool to take it from and give
        # it back to on every poll.
        self._local = threading.local()
        self.outage = outages.Outage("the status mirror (Redis)", logger, "polls read the database")

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            pool = self.client.connection_pool
            connection = self._local.connection = pool.connection_class(**pool.connection_kwargs)
        return connection

    def run_glance(self, *args: Any) -> Any:
        """EVALSHA of the glance on this thread's connection, without the client's command
        layer (its pool, retry and parsing wrappers cost more than the round trip here)."""
        from redis.exceptions import NoScriptError

        connection = self._connection()
        try:
            try:
                connection.send_command("EVALSHA", self.glance.sha, 2, *args)
                return connection.read_response()
            except NoScriptError:
                # The first call, or Redis restarted and forgot the script: load it.
                connection.send_command("SCRIPT", "LOAD", _GLANCE)
                connection.read_response()
                connection.send_command("EVALSHA", self.glance.sha, 2, *args)
                return connection.read_response()
        except BaseException:
            # Whatever was half read is gone with it; the next poll connects afresh.
            connection.disconnect()
            raise


@cache
def _scripts() -> _Scripts | None:
    url = get_settings().redis_url
    if not url:
        return None
    import redis

    return _Scripts(redis.Redis.from_url(url))


@receiver(setting_changed)
def _forget_client(**kwargs: object) -> None:
    _scripts.cache_clear()


def enabled() -> bool:
    return _scripts() is not None


# One hash tag per request, so both keys sit in the same slot of a Redis Cluster.
def _counter_key(request_id: uuid.UUID | str) -> str:
    return f"telegram_login:{{{request_id}}}:polls"


def _status_key(request_id: uuid.UUID | str) -> str:
    return f"telegram_login:{{{request_id}}}:status"


@dataclass(frozen=True)
class Glance:
    polls: int
    # The mirrored status; None without a mirror or without an entry.
    status: str | None

    @property
    def truth_check_due(self) -> bool:
        return self.polls % TRUTH_CHECK_EVERY == 0


def poll_glance(*, request_id: uuid.UUID) -> Glance:
    """Count a poll of this request and read its mirrored status, in one round trip."""
    counter_lifetime = get_settings().login_ttl + 60
    scripts = _scripts()
    if scripts is None:
        key = _counter_key(request_id)
        try:
            return Glance(django_cache.incr(key), None)
        except ValueError:
            django_cache.set(key, 1, timeout=counter_lifetime)
            return Glance(1, None)
    try:
        polls, status = scripts.run_glance(
            _counter_key(request_id), _status_key(request_id), counter_lifetime
        )
    except Exception as exc:
        # Redis away: the poll takes the database path (uncounted until Redis is back).
        _unavailable(scripts, exc)
        return Glance(0, None)
    scripts.outage.answered()
    return Glance(int(polls), status.decode() if status is not None else None)


def _unavailable(scripts: _Scripts, exc: Exception) -> None:
    """Redis away is said once, not once per poll; anything else each time, in full."""
    if outages.transient(exc):
        scripts.outage.failed(exc)
    else:
        logger.warning("status mirror failed; polls read the database", exc_info=True)


def _lifetime_ms(status: str, expires_at: datetime) -> int:
    if status in (Status.PENDING, Status.CLAIMED):
        # A live entry ends with its request: the poll then reads the database and expires it.
        return int((expires_at - timezone.now()).total_seconds() * 1000)
    return (get_settings().login_ttl + 60) * 1000


def mirror_write(*, statuses: Iterable[tuple[uuid.UUID, str, datetime]]) -> None:
    """Write (request id, status, expires_at) entries, each only forward; never raises (the
    mirror is an optimisation: a failed write costs speed, the truth check corrects it)."""
    scripts = _scripts()
    if scripts is None:
        return
    try:
        pipe = scripts.write_forward.registered_client.pipeline(transaction=False)
        for request_id, status, expires_at in statuses:
            lifetime = _lifetime_ms(status, expires_at)
            if lifetime > 0:
                scripts.write_forward(
                    keys=[_status_key(request_id)],
                    args=[str(status), RANK[Status(status)], lifetime],
                    client=pipe,
                )
        pipe.execute()
    except Exception as exc:
        _unavailable(scripts, exc)


def forget(*, request_ids: Iterable[uuid.UUID]) -> None:
    """Drop entries, so that these requests' polls read the database (and write them back)."""
    scripts = _scripts()
    if scripts is not None:
        scripts.glance.registered_client.delete(*(_status_key(i) for i in request_ids))
