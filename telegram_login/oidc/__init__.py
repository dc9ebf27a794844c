"""Telegram's own "Log in with Telegram" (OpenID Connect at oauth.telegram.org) as a second way
in beside the bot's deep link, signing in to the same account (docs/architecture.md)."""
