"""The built-in Telegram sandbox: a fake Bot API and a page that plays the Telegram user."""
