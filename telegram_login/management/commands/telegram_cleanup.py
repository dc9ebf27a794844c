"""Delete finished sign-in requests, old update ids and expired sessions (also done now and then
automatically), and the queue's old records of the bot's messages (also done by the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from telegram_login import upkeep
from telegram_login.messaging.tasks import prune_finished, queue_runs_here


class Command(BaseCommand):
    help = (
        "Delete sign-in requests that ended over a day ago, update ids over two days old, "
        "expired sessions, and records of bot messages sent over a day ago."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        requests = updates = 0
        # In batches, each its own short statement, however large the backlog.
        while True:
            pruned = upkeep.prune_old_records(batch=upkeep.PRUNE_BATCH)
            requests += pruned.requests
            updates += pruned.updates
            if max(pruned.requests, pruned.updates) < upkeep.PRUNE_BATCH:
                break
        if queue_runs_here():
            self.stdout.write(f"Deleted {prune_finished()} old record(s) of bot messages.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {requests} old sign-in request(s) and {updates} update "
                "id(s), and expired sessions."
            )
        )
