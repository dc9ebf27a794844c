"""The Telegram app as the sandbox plays it, and the Telegram users it plays: the test kit's own
(telegram_login.sandbox.testing, docs/testing.md), so that every run of this suite exercises
what a site's QA is given."""

from __future__ import annotations

from telegram_login.sandbox.testing.browser import CANCEL_BUTTONS, TelegramApp
from telegram_login.sandbox.testing.people import TelegramUser

CANCEL_BUTTON = CANCEL_BUTTONS["en"]

__all__ = ["CANCEL_BUTTON", "CANCEL_BUTTONS", "TelegramApp", "TelegramUser"]
