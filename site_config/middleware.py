"""Content-Security-Policy with a per-request nonce (only our own scripts run), and a
Permissions-Policy that turns off the browser features the site never uses."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from telegram_login.conf import get_settings

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'{login_origin}; frame-ancestors 'none'"
)


PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), "
    "browsing-topics=(), clipboard-read=(), clipboard-write=(self), fullscreen=(self)"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # django-htmx's {% htmx_script %} reads `csp_nonce` from the template context.
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        # Browsers apply form-action to the redirect after a form, so the button to Telegram's
        # login page needs its origin here.
        origin = get_settings().oidc.issuer_origin
        policy = POLICY.format(nonce=nonce, login_origin=f" {origin}" if origin else "")
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def csp_nonce(request: HttpRequest) -> dict[str, str]:
    """Template context processor for the nonce."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
