"""Django's Redis cache, made to outlast Redis going away: while Redis cannot be reached the
cache answers as an empty one instead of raising, so that what is built on it goes on.

Django's own backend raises redis-py's errors from every call, and everything built on the cache
fails with them: sessions on `cached_db` (a new session asks the cache whether its key is taken,
signing in deletes the old key), allauth's rate limits, the sessions' "last seen". With this
backend, while Redis is away, reads miss (`cached_db` then reads the database), writes are
dropped (the database keeps the truth), `add` and `touch` say they stored nothing, and `incr`
finds no key. One warning when Redis goes away, one when it is back.

A value written or deleted while Redis was away may still sit in Redis if Redis kept its data
(it was paused or cut off rather than restarted): a session that a sign-in changed, or a sign-out
ended, would read as before. So each process remembers the keys it could not write or delete,
and deletes them as its first call once Redis answers again; they are then read from the
database.

    CACHES = {"default": {"BACKEND": "telegram_login.cache.TolerantRedisCache", "LOCATION": ...}}
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, TypeAlias

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from telegram_login.outages import Outage

logger = logging.getLogger(__name__)

# As redis-py and django-stubs type them.
Key: TypeAlias = str | bytes | memoryview
Expiry: TypeAlias = int | timedelta
# What Redis being away raises (redis-py wraps the socket's errors; a Redis still loading its
# data after a restart raises BusyLoadingError, a ConnectionError).
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# Keys a process remembers to delete once Redis is back; past this many the rest expire in time.
MAX_OWED = 10_000
_MISSING = object()


class _RedisState:
    """One Redis as this process last met it: away or not, and the keys it owes a delete."""

    def __init__(self) -> None:
        self.outage = Outage("Redis (Django's cache)", logger, "the cache answers as empty")
        self.owed: set[Key] = set()
        self.lock = threading.Lock()

    def owe(self, keys: Iterable[Key]) -> None:
        with self.lock:
            for key in keys:
                if len(self.owed) >= MAX_OWED:
                    logger.warning(
                        "over %s cache entries changed while Redis was away; the rest may "
                        "read stale until they expire",
                        MAX_OWED,
                    )
                    return
                self.owed.add(key)


_states: dict[tuple[str, ...], _RedisState] = {}
_states_lock = threading.Lock()


def _state(servers: list[str]) -> _RedisState:
    key = tuple(servers)
    with _states_lock:
        return _states.setdefault(key, _RedisState())


class TolerantRedisCacheClient(RedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._state = _state(servers)

    def _run(
        self,
        call: Callable[..., Any],
        *args: Any,
        answer_when_away: Any,
        owed: Iterable[Key] = (),
    ) -> Any:
        state = self._state
        try:
            if state.outage.down:
                self._settle(state)
            return call(*args)
        except UNREACHABLE as exc:
            state.outage.failed(exc)
            state.owe(owed)
        if answer_when_away is _MISSING:
            raise ValueError("Key not found: Redis is unreachable.")
        return answer_when_away

    def _settle(self, state: _RedisState) -> None:
        """Redis was away: delete what was written or deleted meanwhile (or just ask whether
        it answers); raises while it is still away."""
        with state.lock:
            owed = list(state.owed)
        if owed:
            super().delete_many(owed)
        else:
            self.get_client(None, write=True).ping()
        with state.lock:
            state.owed.difference_update(owed)
        state.outage.answered()

    def add(self, key: Key, value: Any, timeout: Expiry | None) -> bool:
        return self._run(super().add, key, value, timeout, answer_when_away=False)

    def get(self, key: Key, default: Any) -> Any:
        return self._run(super().get, key, default, answer_when_away=default)

    def set(self, key: Key, value: Any, timeout: Expiry | None) -> None:
        self._run(super().set, key, value, timeout, answer_when_away=None, owed=[key])

    def touch(self, key: Key, timeout: Expiry) -> bool:
        return self._run(super().touch, key, timeout, answer_when_away=False)

    def delete(self, key: Key) -> bool:
        return self._run(super().delete, key, answer_when_away=False, owed=[key])

    def get_many(self, keys: Iterable[Key]) -> dict[Key, Any]:
        return self._run(super().get_many, keys, answer_when_away={})

    def has_key(self, key: Key) -> bool:
        return self._run(super().has_key, key, answer_when_away=False)

    def incr(self, key: Key, delta: int) -> Any:
        return self._run(super().incr, key, delta, answer_when_away=_MISSING)

    def set_many(self, data: Mapping[Key, Any], timeout: Expiry) -> None:
        self._run(super().set_many, data, timeout, answer_when_away=None, owed=list(data))

    def delete_many(self, keys: Iterable[Key]) -> None:
        keys = list(keys)
        self._run(super().delete_many, keys, answer_when_away=None, owed=keys)

    def clear(self) -> bool:
        return self._run(super().clear, answer_when_away=False)


class TolerantRedisCache(RedisCache):
    """Django's RedisCache that answers as an empty cache while Redis is unreachable."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
