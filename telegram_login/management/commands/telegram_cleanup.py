"""Delete finished sign-in requests, old update ids and expired sessions (also done now and then
automatically), and the queue's old records of the bot's messages (also done by the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ...tasks import prune_finished, queue_runs_here
from ...upkeep import prune_old_records


class Command(BaseCommand):
    help = (
        "Delete sign-in requests that ended over a day ago, update ids over two days old, "
        "expired sessions, and records of bot messages sent over a day ago."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        pruned = prune_old_records()
        if queue_runs_here():
            self.stdout.write(f"Deleted {prune_finished()} old record(s) of bot messages.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {pruned.requests} old sign-in request(s) and {pruned.updates} update "
                "id(s), and expired sessions."
            )
        )
