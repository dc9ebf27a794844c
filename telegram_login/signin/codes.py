"""The codes a person matches or types to say that the waiting browser is theirs."""

from __future__ import annotations

import secrets

from telegram_login.conf import get_settings

CODE_ALPHABET = "0123456789"
CODE_LENGTH = 2
CODE_CHOICES = 3
TYPED_CODE_LENGTH = 6
TYPED_CODE_ATTEMPTS = 3


def new_codes() -> tuple[str, list[str]]:
    if get_settings().confirm_mode == "browser_code":
        # Typed by the person into the browser: no choices, and long enough not to be guessed
        # in the few attempts allowed.
        return "".join(secrets.choice(CODE_ALPHABET) for _ in range(TYPED_CODE_LENGTH)), []
    choices: list[str] = []
    while len(choices) < CODE_CHOICES:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in choices:
            choices.append(code)
    return choices[secrets.randbelow(CODE_CHOICES)], choices
