"""What the bot does about one update: a reply for the webhook's answer, calls for later, or a
request to be sent the update again."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram_login.messaging.client import BotCall


@dataclass
class Reactions:
    # At most one Bot API call, sent in the webhook's answer (never waiting on Telegram).
    reply: BotCall | None = None
    # Sent after the answer (bot/outbox.py).
    later: list[BotCall] = field(default_factory=list)
    # Nothing was done, for a failure of ours that may pass (the database or Redis away): the
    # update is to come again (the webhook answers 503, and Telegram sends it again).
    retry: bool = False
