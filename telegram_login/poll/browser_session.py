"""What a browser's session remembers of its sign-ins: {request id: allauth state id}.

The poll finds its request only through this, never through the token: another browser holding
the link or the poll URL gets nothing. The poll URL also carries a keyed MAC of (request id,
session key), so that a waiting poll can show it comes from the browser that asked by its
session cookie alone, without loading the session; when the two disagree (the key was cycled,
or it is another browser) the poll falls back to the session itself.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

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


_BINDING_SALT = "telegram_login.poll-binding"


@lru_cache(maxsize=4)
def _binding_mac(secret: str) -> hmac.HMAC:
    # Django's salted_hmac(_BINDING_SALT, ..., algorithm="sha256"), with the key derived once
    # per process instead of on every poll.
    key = hashlib.sha256((_BINDING_SALT + secret).encode()).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def poll_binding(*, request_id: Any, session_key: str) -> str:
    """The MAC that ties a request's poll URL to the session that started it."""
    mac = _binding_mac(settings.SECRET_KEY).copy()
    mac.update(f"{request_id}:{session_key}".encode())
    return mac.hexdigest()[:32]


def poll_bound_by_cookie(request: HttpRequest, *, request_id: Any, binding: str) -> bool:
    """True if the poll URL's MAC matches this request's session cookie (the session itself
    is not loaded)."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if not session_key or not binding:
        return False
    return hmac.compare_digest(
        binding.encode(), poll_binding(request_id=request_id, session_key=session_key).encode()
    )
