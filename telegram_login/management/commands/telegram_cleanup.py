"""Delete finished sign-in requests, old update ids and expired sessions (also done now and then
automatically)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ...upkeep import prune_old_records


class Command(BaseCommand):
    help = (
        "Delete sign-in requests that ended over a day ago, update ids over two days old and "
        "expired sessions."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        pruned = prune_old_records()
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {pruned.requests} old sign-in request(s) and {pruned.updates} update "
                "id(s), and expired sessions."
            )
        )
