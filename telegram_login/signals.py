"""Signals of the sign-in flow."""

from django.dispatch import Signal

# A login request left the waiting states (approved, denied, expired or failed), or its browser
# finished a link or a confirmation; `login_request` is the instance, up to date. The bot edits
# its prompts to say how the request ended.
login_request_settled = Signal()

# A sign-in through the bot completed and its session's record is kept (alerts.py): the prompt
# now says which browser signed in, with the buttons that end it.
login_request_signed_in = Signal()

# A Telegram user pressed "Unlink" under the bot's link notice and their Telegram no longer signs
# in to the account; `social_account` is the removed link. The account's owner is told by email.
telegram_unlinked_in_bot = Signal()

# Telegram refused a message because the user blocked the bot: it cannot ask them anything, so
# their waiting sign-ins end (signin/services.py); `telegram_user_id` is the chat.
telegram_user_blocked_bot = Signal()
