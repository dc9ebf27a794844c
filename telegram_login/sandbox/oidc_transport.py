"""The back channel to the sandbox's OpenID Connect issuer (oidc_issuer.py): the OIDC client's
calls to it are answered in process, through Django's handler, as the Bot API client's calls reach
the fake Bot API, with no network and no second server thread."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from django.test.client import RequestFactory
from django.utils import translation
from requests.adapters import BaseAdapter

from telegram_login.sandbox.fake_api import answer_in_process


class InProcessSite(BaseAdapter):
    """A requests transport that answers from this very site through Django's handler: the
    back channel to the sandbox's issuer, without a network or a second server thread."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        from telegram_login.sandbox.views import _handler

        parts = urlsplit(request.url or "")
        body = request.body or b""
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in ("host", "content-length", "content-type")
        }
        django_request = RequestFactory().generic(
            request.method or "GET",
            f"{parts.path}?{parts.query}" if parts.query else parts.path,
            data=body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            secure=parts.scheme == "https",
            headers={**headers, "Host": parts.netloc},
        )
        # The inner request activates its own language; the outer one goes on in its own.
        with translation.override(translation.get_language()):
            answer = _handler().get_response(django_request)
        return answer_in_process(
            request, answer.status_code, getattr(answer, "content", b""), dict(answer.items())
        )

    def close(self) -> None:
        pass


def mount_for_sandbox(session: requests.Session, issuer: str) -> None:
    """The OIDC client's session hook: with the sandbox playing the issuer, calls to it are
    answered in process."""
    from django.urls import reverse

    from telegram_login.conf import get_settings

    sandbox_issuer = urlsplit(issuer).path == reverse("telegram_login_sandbox_oidc")
    if get_settings().oidc.played and sandbox_issuer:
        session.mount(issuer + "/", InProcessSite())
