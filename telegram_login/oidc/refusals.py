"""Why Telegram's ID token was refused: tokens.py and claims.py raise these, views.py names each."""

from __future__ import annotations

import enum


class Refusal(enum.Enum):
    SIGNATURE = "signature"  # not signed with one of the issuer's keys, or with another algorithm
    AUDIENCE = "audience"  # issued to another site (another client id)
    EXPIRED = "expired"  # past `exp`, or issued too long ago
    CLOCK = "clock"  # issued in the future
    ISSUER = "issuer"  # `iss` is not the issuer we asked
    NONCE = "nonce"  # not minted for this browser's sign-in
    MALFORMED = "malformed"  # a claim is missing or not what it must be


class TokenRefused(Exception):
    def __init__(self, refusal: Refusal, detail: str = "") -> None:
        super().__init__(f"{refusal.value}: {detail}" if detail else refusal.value)
        self.refusal = refusal
        self.detail = detail
