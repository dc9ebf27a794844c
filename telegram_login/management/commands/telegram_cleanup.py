"""Delete finished sign-in requests and old update ids (also done now and then automatically)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ...services import prune_old_records


class Command(BaseCommand):
    help = "Delete sign-in requests that ended over a day ago and update ids over two days old."

    def handle(self, *args: Any, **options: Any) -> None:
        requests_deleted, updates_deleted = prune_old_records()
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {requests_deleted} old sign-in request(s) and {updates_deleted} update id(s)."
            )
        )
