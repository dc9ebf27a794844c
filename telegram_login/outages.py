"""The stores the app leans on going away for a while (Redis, the database): which failures a
second try may get past, and one log line when a store goes away and one when it is back,
rather than one per call."""

from __future__ import annotations

import logging
import threading

from django.db import InterfaceError, OperationalError


def transient(exc: BaseException) -> bool:
    """A failure that a second try may get past: the database or Redis unreachable, a dropped
    connection, a timeout, a deadlock or a locked database. Anything else is a bug, and trying
    again would meet it again."""
    if isinstance(exc, OperationalError | InterfaceError | OSError):
        return True
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:
        return False
    return isinstance(exc, RedisConnectionError | RedisTimeoutError)


class Outage:
    """Whether a store was away when this process last used it; says so once when it goes away
    (with its error) and once when it answers again."""

    def __init__(self, store: str, logger: logging.Logger, consequence: str) -> None:
        self.store = store
        self.logger = logger
        self.consequence = consequence
        self.down = False
        self._lock = threading.Lock()

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            if self.down:
                return
            self.down = True
        self.logger.warning(
            "%s unreachable (%s: %s); %s until it is back",
            self.store,
            type(exc).__name__,
            exc,
            self.consequence,
        )

    def answered(self) -> bool:
        """Note a call that worked; True if the store was away until now."""
        if not self.down:
            return False
        with self._lock:
            if not self.down:
                return False
            self.down = False
        self.logger.warning("%s reachable again", self.store)
        return True
