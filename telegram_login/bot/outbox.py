"""Bot API calls sent after the webhook has answered, so Telegram's wait never includes Telegram."""

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
        _send(calls)
    else:
        _executor.submit(_send, calls)


def _send(calls: list[BotCall]) -> None:
    bot = get_bot()
    for call in calls:
        try:
            bot.send(call)
        except TelegramError as exc:
            logger.warning(
                "%s failed: %s %s", call.method, exc.error_code or "unreachable", exc.description
            )
            chat_id = call.params.get("chat_id")
            if exc.bot_blocked and isinstance(chat_id, int) and chat_id > 0:
                services.telegram_user_blocked_bot(telegram_user_id=chat_id)
        except Exception:
            logger.exception("%s failed", call.method)
