"""The worker of the bot's message queue: django-tasks-db's db_worker, which also puts back the
messages a process left half-sent when it died (a restart, a kill), now and every minute."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.db import close_old_connections
from django_tasks_db.management.commands import db_worker

from ...tasks import requeue_stalled

logger = logging.getLogger(__name__)

REQUEUE_EVERY = 60.0


class Command(db_worker.Command):
    help = (
        "Send the bot's queued messages (django-tasks-db's worker, all its options), and queue "
        "again those a dead process left half-sent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # db_worker itself refuses a TASKS backend that is not django-tasks-db's ("... is not a
        # database backend"): with Django's ImmediateBackend the site sends the messages.
        requeue_stalled()
        if not options["batch"]:
            threading.Thread(target=_requeue_now_and_then, daemon=True).start()
        super().handle(*args, **options)


def _requeue_now_and_then() -> None:
    while True:
        time.sleep(REQUEUE_EVERY)
        try:
            requeue_stalled()
        except Exception:
            logger.exception("queueing half-sent bot messages again failed")
        finally:
            close_old_connections()
