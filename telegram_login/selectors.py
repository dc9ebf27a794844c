"""Reads of login requests: by session for the browser, and the waiting poll's quick look."""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase
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
    row = LoginRequest.objects.filter(pk=request_id).values_list("status", "expires_at").first()
    if row is None:
        return False
    status, expires_at = row
    if status != glance.status:
        status_mirror.mirror_write(statuses=[(request_id, status, expires_at)])
    return status == shown and expires_at > timezone.now()
