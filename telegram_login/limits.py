"""Rate limits of the sign-in flow, with defaults of their own (a site that configures nothing
still has them): starting a sign-in per client address and per browser session, the bot per
Telegram user, and typed codes per request.

Rates are written as allauth writes them ("20/m/ip,10/m/key": per minute, per address and per
key), and kept in Django's cache: a shared cache (Redis) counts for the whole site. While that
cache cannot be reached every action goes through uncounted (said once in the log): what the
limits guard is also capped in the database (live requests per address and in all, typed codes
per request, and a wrong code ends a request), and nobody's sign-in should fail with Redis.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

from telegram_login.conf import get_settings
from telegram_login.outages import Outage
from telegram_login.rates import parse_rates

logger = logging.getLogger(__name__)

START = "start"
BOT = "bot"
CODE = "code"

_store = Outage("the rate limits' cache", logger, "actions go through uncounted")


def consume(action: str, *, ip: str | None = None, key: str | None = None) -> bool:
    """Count one attempt at `action`; False if any of its rates is used up (nothing counted).

    Each rate keeps the times of the attempts in its window (a sliding window, as allauth's):
    a burst cannot slip through at a window's edge.
    """
    rates = parse_rates(get_settings().rate_limits.get(action, ""))
    now = time.time()
    logs = []
    try:
        for rate in rates:
            who = ip if rate.per == "ip" else key
            if not who:
                continue
            cache_key = f"telegram_login:rl:{action}:{rate.amount}-{rate.seconds}-{rate.per}:{who}"
            recent = [at for at in cache.get(cache_key, []) if at > now - rate.seconds]
            if len(recent) >= rate.amount:
                return False
            logs.append((cache_key, rate, recent))
        for cache_key, rate, recent in logs:
            cache.set(cache_key, [*recent, now], timeout=rate.seconds)
    except Exception as exc:
        # Whatever the cache is (Redis, memcached, a database table), its being away must not
        # fail the action it counts.
        _store.failed(exc)
        return True
    if rates:
        _store.answered()
    return True
