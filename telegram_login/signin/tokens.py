"""The one-time token of a sign-in: made here, shaped like this, stored only as its SHA-256."""

from __future__ import annotations

import hashlib
import re
import secrets

# secrets.token_urlsafe(32): 43 characters, within Telegram's 64 for a /start payload.
TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"  # noqa: S105  a shape, not a secret
TOKEN_RE = re.compile(rf"^{TOKEN_PATTERN}$")
# A token anywhere in a text: people paste the link or the command into the chat by hand.
TOKEN_IN_TEXT_RE = re.compile(rf"(?<![A-Za-z0-9_-])(?P<token>{TOKEN_PATTERN})(?![A-Za-z0-9_-])")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
