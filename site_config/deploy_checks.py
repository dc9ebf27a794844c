"""Checks on how the site is served that Django cannot make itself (it does not know the workers)."""

from __future__ import annotations

from typing import Any

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def per_process_cache_problem(
    *, caches: dict[str, Any], workers: int, debug: bool, allowed: bool
) -> str | None:
    """Rate limits and poll caps live in the cache: a cache per worker process multiplies every
    limit by the number of workers. Say so, unless DEBUG is on, one worker serves, or the
    operator chose it (ALLOW_PER_PROCESS_CACHE=true)."""
    backend = caches.get("default", {}).get("BACKEND", "")
    if debug or workers <= 1 or allowed or backend not in PER_PROCESS_CACHES:
        return None
    return (
        f"{workers} gunicorn workers would each keep their own cache ({backend.rsplit('.', 1)[-1]}), "
        "so every rate limit would be multiplied by the number of workers. Set REDIS_URL to a "
        "shared Redis, or WEB_CONCURRENCY=1, or ALLOW_PER_PROCESS_CACHE=true to accept it."
    )


def sandbox_problem(*, sandbox: bool, workers: int) -> str | None:
    """The sandbox keeps Telegram's side (chats, users) in one process's memory."""
    if not sandbox or workers <= 1:
        return None
    return (
        f"The Telegram sandbox is on, and {workers} gunicorn workers would each play a Telegram "
        "of their own. Run a sandbox site with WEB_CONCURRENCY=1."
    )
