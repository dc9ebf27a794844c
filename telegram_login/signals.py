"""Signals of the sign-in flow."""

from django.dispatch import Signal

# A login request left the waiting states (approved, denied, expired or failed); `login_request`
# is the instance, up to date. The bot edits its prompts to say how the request ended.
login_request_settled = Signal()
