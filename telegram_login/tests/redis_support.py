"""The tests' own Redis: the waiting poll's status mirror on a Redis that answers, and a
redis-server a test starts and stops, for the site as production runs it on Redis."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The fixtures and what the example site's scale-out test takes (fixtures.py passes them on).
__all__ = [
    "REDIS_TEST_URL",
    "RedisServer",
    "redis_mirror",
    "redis_server",
    "redis_server_binary",
    "site_on_redis",
]

REDIS_TEST_URL = os.environ.get("TELEGRAM_LOGIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture
def redis_mirror(settings: Any) -> Iterator[Any]:
    """The waiting poll's status mirror on a real Redis (skipped where none answers, unless
    TELEGRAM_LOGIN_REQUIRE_REDIS is set, as CI sets it)."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("TELEGRAM_LOGIN_REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")
    settings.TELEGRAM_LOGIN_REDIS_URL = REDIS_TEST_URL
    yield client
    client.close()


class RedisServer:
    """A redis-server of a test's own on a free loopback port, that the test stops and starts
    (keeping nothing across a restart, as a Redis without persistence)."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                *(self.binary, "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def redis_server_binary() -> str:
    """redis-server, where installed: a test that needs one skips without it, unless
    TELEGRAM_LOGIN_REQUIRE_REDIS is set (CI), where it fails."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("TELEGRAM_LOGIN_REQUIRE_REDIS"):
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        pytest.skip("redis-server is not installed")
    return binary


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, running; `stop()` and `start()` it."""
    server = RedisServer(redis_server_binary(), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site_on_redis(settings: Any, redis_server: RedisServer) -> RedisServer:
    """The site as production runs it on that Redis: the cache (TolerantRedisCache), sessions on
    cached_db and the waiting poll's status mirror."""
    settings.CACHES = {
        "default": {
            "BACKEND": "telegram_login.cache.TolerantRedisCache",
            "LOCATION": redis_server.url,
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    return redis_server
