"""What the bot does about one update: a reply for the webhook's answer, and calls for later."""

from __future__ import annotations

from dataclasses import dataclass, field

from .client import BotCall


@dataclass
class Reactions:
    # At most one Bot API call, sent in the webhook's answer (never waiting on Telegram).
    reply: BotCall | None = None
    # Sent after the answer (bot/outbox.py).
    later: list[BotCall] = field(default_factory=list)
