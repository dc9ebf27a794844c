"""Reads of login requests: by token for the bot, by session for the browser."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from .models import LoginRequest

# The browser's session remembers the requests it started: {request id: allauth state id}.
SESSION_KEY = "telegram_login_requests"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_login_requests(*, session: SessionBase) -> dict[str, str]:
    value: Any = session.get(SESSION_KEY)
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


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
