"""What a browser's session remembers of its sign-ins: {request id: allauth state id}.

The poll finds its request only through this, never through the token: another browser holding
the link or the poll URL gets nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "telegram_login_requests"


def session_login_requests(*, session: SessionBase) -> dict[str, str]:
    value: Any = session.get(SESSION_KEY)
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def session_remember_request(
    *, session: SessionBase, request_id: Any, state_id: str, keep: int
) -> None:
    """Remember a request this browser started, with the newest `keep` (a person may have two
    tabs; dicts keep insertion order)."""
    recent = session_login_requests(session=session)
    recent[str(request_id)] = state_id
    session[SESSION_KEY] = dict(list(recent.items())[-keep:])
