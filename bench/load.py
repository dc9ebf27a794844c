"""Closed-loop load: a few threads, each on its own keep-alive connection, bounded in count and time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from .client import Connection


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    statuses: Counter[int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_load(
    port: int,
    requests: list[bytes],
    *,
    connections: int,
    seconds: float,
    max_requests: int,
    reuse: list[Connection] | None = None,
) -> LoadResult:
    """Send the prepared requests round-robin until `seconds` pass or `max_requests` are sent,
    each thread on a connection of its own: a new one, or `reuse`'s, left open afterwards."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    budget = [max_requests]
    barrier = threading.Barrier(connections + 1)
    deadline = [0.0]

    def worker(offset: int) -> None:
        connection = reuse[offset] if reuse is not None else Connection(port)
        local: Counter[int] = Counter()
        i = offset
        barrier.wait()
        try:
            while time.monotonic() < deadline[0]:
                with lock:
                    if budget[0] <= 0:
                        break
                    budget[0] -= 1
                local[connection.send_raw(requests[i % len(requests)]).status] += 1
                i += 1
        finally:
            if reuse is None:
                connection.close()
            with lock:
                statuses.update(local)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return LoadResult(sum(statuses.values()), elapsed, statuses)
