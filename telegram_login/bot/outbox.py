"""Bot API calls sent outside the webhook's answer: after it (so Telegram's wait never includes
Telegram), or at once by the long-polling command. One path for both: a blocked bot ends the
user's waiting requests, and a delivered prompt is remembered so it can be edited later."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from .. import services
from ..conf import get_settings
from .client import BotCall, TelegramError, get_bot

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="telegram-outbox")


def send_later(calls: list[BotCall]) -> None:
    if not calls:
        return
    if get_settings().send_inline:
        send_now(calls)
    else:
        _executor.submit(send_now, calls)


def send_now(calls: list[BotCall]) -> None:
    from .prompts import prompt_delivered

    bot = get_bot()
    queue = list(calls)
    while queue:
        call = queue.pop(0)
        try:
            result = bot.send(call)
        except TelegramError as exc:
            logger.warning("%s failed: %s", call.method, exc.summary)
            chat_id = call.params.get("chat_id")
            if exc.bot_blocked and isinstance(chat_id, int) and chat_id > 0:
                services.telegram_user_blocked_bot(telegram_user_id=chat_id)
            continue
        except Exception:
            logger.exception("%s failed", call.method)
            continue
        try:
            queue.extend(prompt_delivered(call, result))
        except Exception:
            logger.exception("remembering the prompt of %s failed", call.prompt_of)
