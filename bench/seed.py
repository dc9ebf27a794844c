"""Fill the LoginRequest table with finished requests, as weeks of traffic leave it.

Run by bench/stack.py as `python -m bench.seed <total rows>` with the site's environment.
"""

from __future__ import annotations

import hashlib
import secrets
import sys
import uuid
from datetime import timedelta

import django


def main(total: int) -> None:
    django.setup()
    from django.db import connection
    from django.utils import timezone

    from telegram_login.models import LoginRequest

    Status = LoginRequest.Status
    missing = total - LoginRequest.objects.count()
    now = timezone.now()
    statuses = [Status.COMPLETED, Status.EXPIRED, Status.DENIED]
    batch: list[LoginRequest] = []
    for n in range(max(missing, 0)):
        created = now - timedelta(seconds=30 + n * 7)
        batch.append(
            LoginRequest(
                id=uuid.uuid4(),
                token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
                status=statuses[n % 3],
                match_code=f"{n % 100:02d}",
                code_choices=[f"{n % 100:02d}", "11", "22"],
                created_at=created,
                expires_at=created + timedelta(minutes=5),
                requester_ip="127.0.0.1",
                requester_browser="Chrome 121",
                requester_os="Linux",
                telegram_user_id=5_000_000 + n,
                telegram_user={"id": 5_000_000 + n, "is_bot": False, "first_name": f"Seed{n}"},
            )
        )
        if len(batch) == 5000:
            LoginRequest.objects.bulk_create(batch)
            batch.clear()
    LoginRequest.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        # A table that grew over weeks has statistics and no pending checkpoint: settle it.
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE telegram_login_loginrequest")
            cursor.execute("CHECKPOINT")


if __name__ == "__main__":
    main(int(sys.argv[1]))
