"""Reads of login requests: by session for the browser."""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase

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
