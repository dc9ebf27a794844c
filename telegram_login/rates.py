"""Rates as allauth writes them ("20/m/ip,10/m/key": 20 a minute per address, 10 per key),
parsed: read by the rate limits (limits.py) and checked at start-up (conf.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(
    r"^\s*(?P<amount>\d+)\s*/\s*(?P<count>\d*)(?P<unit>[smhd])\s*(?:/\s*(?P<per>ip|key))?\s*$"
)


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
