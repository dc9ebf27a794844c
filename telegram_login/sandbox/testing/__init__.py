"""A test kit for sites that sign in with Telegram: their tests play Telegram users beside
Django's test client or a Playwright page (docs/testing.md). Its pytest plugin is `plugin`."""

from telegram_login.sandbox.testing.page_reading import SignIn, TelegramKitError
from telegram_login.sandbox.testing.people import BotMessage, TelegramUser

__all__ = ["BotMessage", "SignIn", "TelegramKitError", "TelegramUser"]
