"""Reads of login requests: by session for the browser, and the waiting poll's quick look."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.contrib.sessions.backends.base import SessionBase
from django.db import connections, router
from django.utils import timezone

from . import status_mirror
from .browser_session import session_login_requests
from .models import LoginRequest


def login_request_for_session(
    *, session: SessionBase, request_id: uuid.UUID
) -> tuple[LoginRequest, str] | None:
    """The request with this id and its allauth state id, if this session started it."""
    state_id = session_login_requests(session=session).get(str(request_id))
    if state_id is None:
        return None
    login_request = LoginRequest.objects.filter(pk=request_id).first()
    if login_request is None:
        return None
    return login_request, state_id


def login_request_unchanged(
    *, request_id: uuid.UUID, shown: str, glance: status_mirror.Glance
) -> bool:
    """True if the request is still in the live state `shown`: from the mirror where it has an
    entry, else from the database (one query), which then writes the entry."""
    if glance.status is not None and not glance.truth_check_due:
        return glance.status == shown
    if not status_mirror.enabled():
        return _live_status(request_id) == shown
    row = _status_row(request_id)
    if row is None:
        return False
    status, expires_at = row
    if status != glance.status:
        status_mirror.mirror_write(statuses=[(request_id, status, expires_at)])
    return status == shown and expires_at > timezone.now()


def _status_row(request_id: uuid.UUID) -> tuple[str, datetime] | None:
    """The request's status and end, in plain SQL (the mirror's truth check, one poll in 30:
    the ORM's building of the query cost it three times the query), the end converted as the
    ORM would."""
    connection = connections[router.db_for_read(LoginRequest)]
    table = connection.ops.quote_name(LoginRequest._meta.db_table)
    pk = LoginRequest._meta.pk.get_db_prep_value(request_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status, expires_at FROM {table} WHERE id = %s", [pk])  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    status, expires_at = row
    field = LoginRequest._meta.get_field("expires_at")
    column = field.get_col(LoginRequest._meta.db_table)
    for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
        expires_at = convert(expires_at, column, connection)
    return status, expires_at


def _live_status(request_id: uuid.UUID) -> str | None:
    """The request's status while its time lasts, else None. Plain SQL: on the hot path the
    ORM's building of this query costs several times the query itself."""
    connection = connections[router.db_for_read(LoginRequest)]
    table = connection.ops.quote_name(LoginRequest._meta.db_table)
    pk = LoginRequest._meta.pk.get_db_prep_value(request_id, connection)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status FROM {table} WHERE id = %s AND expires_at > %s",  # noqa: S608
            [pk, now],
        )
        row = cursor.fetchone()
    return row[0] if row else None
