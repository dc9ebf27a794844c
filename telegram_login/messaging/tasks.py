"""The bot's message queue as Django tasks (django-tasks, the backport of Django 6's framework).

One task sends one message (bot/outbox.py says how) and, while Telegram is down or asks to wait,
schedules its next try as a new task. With django-tasks-db's database queue the tasks are rows:
stored before anything is sent, run at once by the process that stored them, and otherwise by
`manage.py telegram_worker` (which also puts back what a dead process left half-done).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

from telegram_login.compat import TaskResultStatus, task
from telegram_login.conf import queue_keeps_tasks
from telegram_login.messaging import outbox

logger = logging.getLogger(__name__)

# A message is one Bot API call of a few seconds at most (the client's timeouts): one that has
# been running for this long has nobody running it any more.
STALLED_AFTER = timedelta(minutes=2)
# How long the queue keeps the record of a message: sent ones a day, failed ones a week (the
# admin's "Task results" shows why each failed).
SENT_KEEP = timedelta(days=1)
FAILED_KEEP = timedelta(days=7)
# Who ran a task, in the queue's record of it (the worker names itself the same way).
RUNNER_ID = f"{socket.gethostname()}:{os.getpid()}"[:64]


@task()
def send_bot_message(payload: dict[str, Any], attempt: int = 0) -> str:
    """Send one bot message (an Outgoing, as JSON); `attempt` counts the tries before this."""
    return outbox.deliver(outbox.Outgoing.from_payload(payload), attempt=attempt, queued=True)


def queue_runs_here() -> bool:
    """The queue is django-tasks-db's: any process can claim a stored task and run it."""
    try:
        from django_tasks_db import DatabaseBackend
    except ImportError:
        return False
    return isinstance(send_bot_message.get_backend(), DatabaseBackend)


def enqueue(
    payload: dict[str, Any], *, priority: int, attempt: int = 0, delay: float | None = None
) -> str:
    """Store a message in the queue (to be sent after `delay` seconds); return the task's id."""
    run_after = timezone.now() + timedelta(seconds=delay) if delay else None
    result = send_bot_message.using(priority=priority, run_after=run_after).enqueue(
        payload, attempt
    )
    return str(result.id)


def run_queued_now(queued: list[tuple[str, dict[str, Any]]]) -> None:
    """Run the messages this process has just stored ((task id, payload) pairs), each unless a
    worker took it first: the claim is one conditional UPDATE, as the worker's own is, and the
    message is sent from the payload in hand, with no query between the claim and Telegram."""
    from django_tasks_db.models import DBTaskResult

    close_old_connections()
    try:
        for result_id, payload in queued:
            task = DBTaskResult.objects.filter(pk=result_id)
            claimed = task.filter(status=TaskResultStatus.READY).update(
                status=TaskResultStatus.RUNNING,
                started_at=timezone.now(),
                worker_ids=[RUNNER_ID],
            )
            if not claimed:
                continue
            try:
                value = send_bot_message.call(payload, 0)
            except Exception as exc:
                logger.exception("bot message %s failed", result_id)
                task.get().set_failed(exc)
            else:
                task.update(
                    status=TaskResultStatus.SUCCESSFUL,
                    finished_at=timezone.now(),
                    return_value=value,
                )
    finally:
        close_old_connections()


def requeue_stalled() -> int:
    """Put back the messages whose sender died half-way (a restart, a killed worker), to be sent
    again; returns how many. One that reached Telegram just before may then arrive twice."""
    from django_tasks_db.models import DBTaskResult

    stalled = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        task_path=send_bot_message.module_path,
        started_at__lt=timezone.now() - STALLED_AFTER,
    )
    count = stalled.update(status=TaskResultStatus.READY)
    if count:
        logger.warning("%s bot message(s) left half-sent are queued again", count)
    return count


def prune_finished() -> int:
    """Delete the records of messages sent over a day ago and failed over a week ago (the
    worker does it every hour, and `manage.py telegram_cleanup`); returns how many."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    deleted, _ = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - SENT_KEEP)
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=now - FAILED_KEEP),
        task_path=send_bot_message.module_path,
    ).delete()
    return deleted


outbox.plug_in_queue(
    outbox.Queue(
        keeps_tasks=queue_keeps_tasks,
        runs_here=queue_runs_here,
        enqueue=enqueue,
        run_queued_now=run_queued_now,
    )
)
