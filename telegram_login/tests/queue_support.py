"""What the tests of the bot's messages on the database queue share (django-tasks-db, as a site
runs it with DEBUG off): the queue with the site's after-the-answer threads in the test's own
thread, a worker run, and Telegram answering as a test tells it to."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from telegram_login.compat import TaskResultStatus
from telegram_login.messaging import outbox
from telegram_login.sandbox.fake_api import FakeBotApi
from telegram_login.tests.flows import email_user, telegram_user_of

# The fixtures, for `from .queue_support import *` (the helpers are imported by name).
__all__ = ["owner", "queue"]

EMAIL = "queued@example.test"
ALERT = "🔐 New sign-in to telegram-login as queued@example.test"


class AfterTheAnswer:
    """The site's after-the-answer threads, run in the test's own thread. `dead` drops what is
    submitted, as a process that died right after storing its messages never sends them."""

    def __init__(self) -> None:
        self.dead = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if not self.dead:
            fn(*args)


@pytest.fixture
def queue(settings: Any, monkeypatch: pytest.MonkeyPatch) -> AfterTheAnswer:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TELEGRAM_LOGIN_SEND_INLINE = False
    runner = AfterTheAnswer()
    monkeypatch.setattr(outbox, "_executor", runner)
    return runner


@pytest.fixture
def owner(bot_api: FakeBotApi, telegram_user: Any) -> dict[str, Any]:
    user = email_user(EMAIL)
    telegram = telegram_user(first_name="Queued")
    telegram_user_of(user, uid=telegram["id"])
    bot_api.users[telegram["id"]] = telegram
    return telegram


def run_worker() -> str:
    out = StringIO()
    call_command(
        "telegram_worker", batch=True, startup_delay=False, reload=False, stdout=out, stderr=out
    )
    return out.getvalue()


def delivered(bot_api: FakeBotApi, telegram: dict[str, Any]) -> list[str]:
    return [m.text for m in bot_api.chat(telegram["id"]) if m.from_bot]


def rows() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.order_by("enqueued_at"))


def telegram_answers(
    bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch, method: str, answers: list[Any]
) -> None:
    """Telegram answers `method` with each of `answers` in turn (an exception is raised as the
    client would meet it), then as usual."""
    original = bot_api.handle
    pending = list(answers)

    def handle(called: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if called == method and pending:
            answer = pending.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return original(called, params)

    monkeypatch.setattr(bot_api, "handle", handle)


def due_now() -> None:
    """As if the time each queued message waits for had passed."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
