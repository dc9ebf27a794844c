"""What the bot does about one update: a reply for the webhook's answer, calls for later, or a
request to be sent the update again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from telegram_login.messaging.client import BotCall
from telegram_login.messaging.texts import answer_callback


@dataclass
class Reactions:
    # At most one Bot API call, sent in the webhook's answer (never waiting on Telegram).
    reply: BotCall | None = None
    # Sent after the answer (messaging/outbox.py).
    later: list[BotCall] = field(default_factory=list)
    # Nothing was done, for a failure of ours that may pass (the database or Redis away): the
    # update is to come again (the webhook answers 503, and Telegram sends it again).
    retry: bool = False


def answerer(callback_query_id: str) -> Callable[..., BotCall]:
    """The answer to a button press, for the webhook's answer: the user's client stops spinning
    whatever else happens; a message edit goes afterwards and may fail without harm."""

    def answer(text: str, *, alert: bool = False) -> BotCall:
        return answer_callback(callback_query_id=callback_query_id, text=text, alert=alert)

    return answer
