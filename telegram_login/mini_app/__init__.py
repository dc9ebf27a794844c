"""The site as the bot's Mini App: Telegram's signed `initData` signs the person in."""
