"""Reads of login requests: by session for the browser, and the waiting poll's quick look."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import connections, router
from django.utils import timezone

from telegram_login.models import LoginRequest
from telegram_login.poll import status_mirror
from telegram_login.poll.browser_session import session_login_requests


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


def _row(request_id: uuid.UUID, columns: str, *, live_only: bool = False) -> tuple[Any, ...] | None:
    """The request's `columns` by primary key (only while its time lasts, with `live_only`), in
    plain SQL: on the hot path the ORM's building of the query costs several times the query."""
    connection = connections[router.db_for_read(LoginRequest)]
    table = connection.ops.quote_name(LoginRequest._meta.db_table)
    sql = f"SELECT {columns} FROM {table} WHERE id = %s"  # noqa: S608
    params = [LoginRequest._meta.pk.get_db_prep_value(request_id, connection)]
    if live_only:
        sql += " AND expires_at > %s"
        params.append(connection.ops.adapt_datetimefield_value(timezone.now()))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
    return row


def _status_row(request_id: uuid.UUID) -> tuple[str, datetime] | None:
    """The request's status and end (the mirror's truth check), the end converted as the ORM
    would."""
    row = _row(request_id, "status, expires_at")
    if row is None:
        return None
    status, expires_at = row
    connection = connections[router.db_for_read(LoginRequest)]
    column = LoginRequest._meta.get_field("expires_at").get_col(LoginRequest._meta.db_table)
    for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
        expires_at = convert(expires_at, column, connection)
    return status, expires_at


def _live_status(request_id: uuid.UUID) -> str | None:
    """The request's status while its time lasts, else None."""
    row = _row(request_id, "status", live_only=True)
    return row[0] if row else None
