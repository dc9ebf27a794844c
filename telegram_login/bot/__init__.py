"""Talking to Telegram: parsing updates, the Bot API client, the bot's messages, the dispatcher."""
