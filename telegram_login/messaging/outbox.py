"""Bot API calls sent outside the webhook's answer: consent prompts, their edits, sign-in alerts,
link notices. One path for all: a blocked bot ends the user's waiting requests, a delivered
prompt is remembered so it can be edited later, and Telegram's refusals are told apart.

How they travel depends on the site's task backend (Django's tasks framework, tasks.py):

- a queue that keeps tasks, such as django-tasks-db's database queue: each message is stored
  before anything is sent, so a restart loses nothing; this process tries it at once after the
  answer (nobody waits for a worker to look), and the worker (manage.py telegram_worker) sends
  whatever is left, retrying while Telegram asks to wait (429), fails (5xx) or is silent;
- Django's ImmediateBackend (no queue configured, and DEBUG here): this process sends them after
  the answer, with the client's few quick retries, and a restart may lose them;
- at once in the calling thread: the long-polling command (send_now) and the tests
  (TELEGRAM_LOGIN_SEND_INLINE).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from django.db import close_old_connections, transaction
from django.utils import translation

from telegram_login.conf import get_settings
from telegram_login.messaging.client import BotCall, TelegramError, get_bot
from telegram_login.messaging.language import bot_language_code
from telegram_login.signals import telegram_user_blocked_bot

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="telegram-outbox")

# Someone is looking at Telegram waiting for the consent prompt: it goes before the rest.
PROMPT_PRIORITY = 10
OTHER_PRIORITY = 0
# A queued message is tried this many times over about a quarter of an hour.
MAX_ATTEMPTS = 10
FIRST_BACKOFF = 2.0
MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class Outgoing:
    """One message to send: a call as it is, or the edit of a consent prompt (`prompt_id`, a
    BotPrompt) to how its request ended, written when it is sent, so that edits sent late or
    out of order all say the latest."""

    call: BotCall | None = None
    prompt_id: int | None = None

    @property
    def priority(self) -> int:
        if self.call is not None and self.call.prompt_of is not None:
            return PROMPT_PRIORITY
        return OTHER_PRIORITY

    def as_payload(self) -> dict[str, Any]:
        """The task's argument (JSON)."""
        if self.call is None:
            return {"prompt": self.prompt_id}
        call = {"method": self.call.method, "params": self.call.params}
        if self.call.prompt_of is not None:
            call["prompt_of"] = self.call.prompt_of.hex
        return {"call": call}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Outgoing:
        if "prompt" in payload:
            return cls(prompt_id=int(payload["prompt"]))
        call = payload["call"]
        prompt_of = call.get("prompt_of")
        return cls(
            call=BotCall(
                call["method"],
                call.get("params", {}),
                prompt_of=UUID(hex=prompt_of) if prompt_of else None,
            )
        )


@dataclass(frozen=True)
class Queue:
    """The queue that keeps messages (tasks.py), as this module uses it: whether it keeps them,
    whether this process may run what it stored, storing one, and running what was stored."""

    keeps_tasks: Callable[[], bool]
    runs_here: Callable[[], bool]
    enqueue: Callable[..., str]
    run_queued_now: Callable[[list[tuple[str, dict[str, Any]]]], None]


@dataclass(frozen=True)
class PromptHooks:
    """What sending asks of the consent prompts (bot/prompts.py): a prompt's edit written when
    it is sent, the edits a delivered prompt brings along, and whether its request still
    waits."""

    outcome_edit: Callable[..., BotCall | None]
    prompt_delivered: Callable[[BotCall, Any], list[Outgoing]]
    request_waits: Callable[..., bool]


# Plugged in by the modules above this one when they load (tasks.py, bot/prompts.py; both are
# loaded by the app's ready()), so that sending imports neither.
_queue: Queue | None = None
_prompts: PromptHooks | None = None


def plug_in_queue(queue: Queue) -> None:
    global _queue
    _queue = queue


def plug_in_prompts(hooks: PromptHooks) -> None:
    global _prompts
    _prompts = hooks


def _prompt_hooks() -> PromptHooks:
    if _prompts is None:
        raise RuntimeError("security/prompts.py is not loaded: the app's ready() loads it")
    return _prompts


def send_later(calls: list[BotCall]) -> None:
    dispatch([Outgoing(call=call) for call in calls])


def tell(language_code: str | None, message: Callable[[], BotCall]) -> None:
    """Build `message` in the Telegram user's language (their client's, where the bot speaks
    it) and send it later."""
    with translation.override(bot_language_code(language_code)):
        call = message()
    send_later([call])


def edit_prompts_later(*, prompt_ids: list[int]) -> None:
    dispatch([Outgoing(prompt_id=prompt_id) for prompt_id in prompt_ids])


def send_now(calls: list[BotCall]) -> None:
    """Send in this thread, now (the long-polling command, which has no answer to wait for)."""
    for call in calls:
        _deliver_here(Outgoing(call=call))


def dispatch(items: list[Outgoing]) -> None:
    if not items:
        return
    if get_settings().send_inline:
        for item in items:
            _deliver_here(item)
        return
    queue = _queue
    if queue is None or not queue.keeps_tasks():
        # Nothing would keep them: this process sends them, beside the answer, as written now
        # (what they read may not be committed yet where the thread looks).
        _executor.submit(_deliver_in_background, [_written_now(item) for item in items])
        return
    payloads = [item.as_payload() for item in items]
    queued = [
        (queue.enqueue(payload, priority=item.priority), payload)
        for item, payload in zip(items, payloads, strict=True)
    ]
    if queue.runs_here():
        # Stored first (with the transaction that asked for them, so they are visible once it
        # commits); then tried at once by this process instead of waiting for the worker.
        transaction.on_commit(partial(_executor.submit, queue.run_queued_now, queued))


def _written_now(item: Outgoing) -> Outgoing:
    if item.call is not None:
        return item
    return Outgoing(call=_prompt_hooks().outcome_edit(prompt_id=item.prompt_id))


def _deliver_in_background(items: list[Outgoing]) -> None:
    close_old_connections()
    try:
        for item in items:
            _deliver_here(item)
    finally:
        close_old_connections()


def _deliver_here(item: Outgoing) -> None:
    """Deliver without a queue behind: the client retries briefly; anything else is logged."""
    try:
        deliver(item, attempt=0, queued=False)
    except Exception:
        logger.exception("sending a bot message failed")


def deliver(item: Outgoing, *, attempt: int, queued: bool) -> str:
    """Send one message; return what became of it. `queued`: a queue keeps this message, so a
    failure worth another try is rescheduled there (tasks.py) instead of retried in place."""
    prompts = _prompt_hooks()
    if item.call is None and item.prompt_id is None:
        return "nothing to send"
    call = item.call if item.call is not None else prompts.outcome_edit(prompt_id=item.prompt_id)
    if call is None:
        return "nothing to send"
    prompt_of = call.prompt_of if item.call is not None and attempt > 0 else None
    if prompt_of is not None and not prompts.request_waits(request_id=prompt_of):
        # A prompt whose request ended while it waited for its next try would only be edited
        # away.
        return "request ended"
    try:
        result = get_bot().send(call, retry=not queued)
    except TelegramError as exc:
        return _refused(item, call, exc, attempt=attempt, queued=queued)
    follow_ups = prompts.prompt_delivered(call, result)
    if queued:
        dispatch(follow_ups)
    else:
        for follow_up in follow_ups:
            deliver(follow_up, attempt=0, queued=False)
    return "sent"


class DeliveryFailed(Exception):
    """Telegram refused a message for good, or kept failing past the last try."""


def _refused(
    item: Outgoing, call: BotCall, exc: TelegramError, *, attempt: int, queued: bool
) -> str:
    chat_id = call.params.get("chat_id")
    if exc.not_modified:
        return "already so"
    if exc.bot_blocked:
        # A normal event, not a failure: nothing more goes to this chat until they come back.
        logger.info("%s to chat %s: %s", call.method, chat_id, exc.summary)
        if isinstance(chat_id, int) and chat_id > 0:
            telegram_user_blocked_bot.send(sender=Outgoing, telegram_user_id=chat_id)
        return "blocked"
    delay = retry_delay(exc, attempt=attempt) if queued else None
    if delay is not None and _queue is not None:
        logger.info(
            "%s to chat %s: %s; try %s in %.0f s",
            call.method,
            chat_id,
            exc.summary,
            attempt + 2,
            delay,
        )
        _queue.enqueue(item.as_payload(), priority=item.priority, attempt=attempt + 1, delay=delay)
        return "retry scheduled"
    logger.warning("%s failed: %s (chat %s)", call.method, exc.summary, chat_id)
    if queued:
        # Recorded as a failed task, with the reason.
        raise DeliveryFailed(f"{call.method}: {exc.summary} (try {attempt + 1})") from None
    return "failed"


def retry_delay(exc: TelegramError, *, attempt: int) -> float | None:
    """Seconds until the next try of a queued message, or None if trying again is no use.

    Telegram's flood control says how long to wait (429); its own failures (5xx), timeouts and
    no connection are tried again with a doubling wait. A sendMessage that timed out may have
    arrived, so it may arrive twice: a security alert twice is better than none.
    """
    if attempt + 1 >= MAX_ATTEMPTS:
        return None
    if exc.rate_limited:
        return float(max(exc.retry_after or 1, 1))
    if exc.error_code is None or exc.error_code >= 500:
        return min(FIRST_BACKOFF * 2**attempt, MAX_BACKOFF)
    return None
