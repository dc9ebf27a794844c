"""The worker of the bot's message queue: django-tasks-db's db_worker, which also puts back the
messages a process left half-sent when it died (a restart, a kill), now and every minute, and
deletes old records of sent messages every hour."""

from __future__ import annotations

import logging
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.db import close_old_connections
from django_tasks_db.management.commands import db_worker

from telegram_login.compat import DEFAULT_TASK_BACKEND_ALIAS
from telegram_login.messaging.tasks import prune_finished, queue_runs_here, requeue_stalled

logger = logging.getLogger(__name__)

REQUEUE_EVERY = 60.0
PRUNE_EVERY = 60  # rounds of REQUEUE_EVERY


class Command(db_worker.Command):
    help = (
        "Send the bot's queued messages (django-tasks-db's worker, all its options), and queue "
        "again those a dead process left half-sent."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # db_worker refuses a default backend that is not a database queue as it parses its
        # arguments; without --backend, say instead why there is nothing to do (below).
        parser.set_defaults(backend_name=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["backend_name"] is None:
            if not queue_runs_here():
                self.stdout.write(
                    "The task backend is not a database queue (the site sends the bot's "
                    "messages itself, as with DEBUG): no worker is needed."
                )
                return
            options["backend_name"] = DEFAULT_TASK_BACKEND_ALIAS
        requeue_stalled()
        if not options["batch"]:
            threading.Thread(target=_requeue_now_and_then, daemon=True).start()
        super().handle(*args, **options)


def _requeue_now_and_then() -> None:
    rounds = 0
    while True:
        time.sleep(REQUEUE_EVERY)
        rounds += 1
        try:
            requeue_stalled()
            if rounds % PRUNE_EVERY == 0:
                prune_finished()
        except Exception:
            logger.exception("looking after the bot's message queue failed")
        finally:
            close_old_connections()
