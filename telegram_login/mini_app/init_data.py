"""Telegram's `initData`, the signed statement of who opened a Mini App, checked as Telegram
documents it (core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):

- `hash`: HMAC-SHA-256 of the data-check-string (every field but `hash`, sorted, `key=value`
  lines) under HMAC-SHA-256("WebAppData", bot token). Only Telegram and the site know the token,
  so it proves Telegram made the data for this bot.
- `signature`, where present: Ed25519 over "<bot id>:WebAppData" and the fields but `hash` and
  `signature`, under Telegram's published public keys: proves the same without the token, and
  that the data names this bot.
- `auth_date`: when Telegram made it; older than `max_age` seconds (or from the future) is refused.

What it proves: Telegram's client, signed in as `user`, opened this bot's Mini App at
`auth_date`. It does not prove who holds the data now: the site uses each one once
(views.py), soon after it was made.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

# Telegram's Ed25519 keys for third-party validation (production, then the test environment).
TELEGRAM_PUBLIC_KEYS = (
    "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d",
    "40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec",
)
# A clock a little ahead of Telegram's is not a forgery.
CLOCK_SKEW = 30
MAX_LENGTH = 4096


class Refusal(StrEnum):
    MALFORMED = "malformed"
    FORGED = "forged"
    WRONG_BOT = "wrong_bot"
    EXPIRED = "expired"
    REPLAYED = "replayed"
    NO_BOT = "no_bot"


class InitDataRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class InitData:
    """Checked `initData`: the Telegram user (as the Bot API names one), when Telegram made it,
    and its `hash` (the key for using it once)."""

    user: dict[str, Any]
    auth_date: int
    hash: str
    signed: bool


def data_check_string(fields: dict[str, str], *, leave_out: tuple[str, ...]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key not in leave_out)


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The `hash` Telegram gives `fields` for this bot."""
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    message = data_check_string(fields, leave_out=("hash",))
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def _hash_matches(fields: dict[str, str], bot_token: str) -> bool:
    given = fields.get("hash", "")
    if hmac.compare_digest(sign(fields, bot_token), given):
        return True
    # Some clients leave `signature` out of what `hash` covers.
    without = {key: value for key, value in fields.items() if key != "signature"}
    return "signature" in fields and hmac.compare_digest(sign(without, bot_token), given)


def _signature_matches(fields: dict[str, str], bot_id: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    encoded = fields["signature"]
    try:
        signature = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return False
    message = f"{bot_id}:WebAppData\n" + data_check_string(fields, leave_out=("hash", "signature"))
    for key in TELEGRAM_PUBLIC_KEYS:
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(key)).verify(
                signature, message.encode()
            )
            return True
        except InvalidSignature:
            continue
    return False


def _fields(raw: str) -> dict[str, str]:
    if not raw or len(raw) > MAX_LENGTH:
        raise InitDataRefused(Refusal.MALFORMED)
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataRefused(Refusal.MALFORMED) from None
    fields = dict(pairs)
    if len(fields) != len(pairs) or not fields.get("hash") or "auth_date" not in fields:
        raise InitDataRefused(Refusal.MALFORMED)
    return fields


def _user(fields: dict[str, str]) -> dict[str, Any]:
    try:
        user = json.loads(fields.get("user", ""))
    except ValueError:
        raise InitDataRefused(Refusal.MALFORMED) from None
    if not (
        isinstance(user, dict)
        and isinstance(user.get("id"), int)
        and not isinstance(user.get("id"), bool)
        and user["id"] > 0
        and isinstance(user.get("first_name"), str)
        and not user.get("is_bot")
    ):
        raise InitDataRefused(Refusal.MALFORMED)
    keep = ("id", "first_name", "last_name", "username", "language_code")
    return {key: user[key] for key in keep if isinstance(user.get(key), (int, str))}


def check(raw: str, *, bot_token: str, max_age: int, now: float | None = None) -> InitData:
    """The checked data, or InitDataRefused saying why not."""
    if not bot_token:
        raise InitDataRefused(Refusal.NO_BOT)
    fields = _fields(raw)
    if not _hash_matches(fields, bot_token):
        raise InitDataRefused(Refusal.FORGED)
    signed = "signature" in fields
    if signed and not _signature_matches(fields, bot_token.split(":", 1)[0]):
        raise InitDataRefused(Refusal.WRONG_BOT)
    try:
        auth_date = int(fields["auth_date"])
    except ValueError:
        raise InitDataRefused(Refusal.MALFORMED) from None
    age = (time.time() if now is None else now) - auth_date
    if not -CLOCK_SKEW <= age <= max_age:
        raise InitDataRefused(Refusal.EXPIRED)
    return InitData(user=_user(fields), auth_date=auth_date, hash=fields["hash"], signed=signed)
