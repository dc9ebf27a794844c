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
import re
import time
from dataclasses import dataclass

from django.core.cache import cache

from .conf import get_settings
from .outages import Outage

logger = logging.getLogger(__name__)

START = "start"
BOT = "bot"
CODE = "code"
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(
    r"^\s*(?P<amount>\d+)\s*/\s*(?P<count>\d*)(?P<unit>[smhd])\s*(?:/\s*(?P<per>ip|key))?\s*$"
)


_store = Outage("the rate limits' cache", logger, "actions go through uncounted")


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str  # "ip" or "key"


def parse_rates(text: str) -> list[Rate]:
    """ "20/m/ip,10/m/key" -> two rates; "" -> none (no limit). Raises ValueError if malformed."""
    rates = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        found = RATE_RE.match(part)
        if found is None:
            raise ValueError(f"not a rate: {part!r} (write e.g. 20/m/ip or 10/5m/key)")
        seconds = PERIODS[found["unit"]] * int(found["count"] or 1)
        rates.append(Rate(int(found["amount"]), seconds, found["per"] or "key"))
    return rates


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
