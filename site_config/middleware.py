"""What the site adds to the Content-Security-Policy of settings.py (sent by Django's own middleware
on Django 6, by django-csp on 5.2): the origin of Telegram's login page in form-action; and a
Permissions-Policy that turns off the browser features the site never uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from telegram_login.conf import get_settings

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), "
    "browsing-topics=(), clipboard-read=(), clipboard-write=(self), fullscreen=(self)"
)


def _allow_form_action(response: HttpResponse, origin: str) -> None:
    """Adds `origin` to the response's form-action the way each CSP middleware takes a view's own
    policy: Django's from what its @csp_override sets, django-csp's from what its @csp_update
    sets."""
    if django.VERSION >= (6, 0):
        policy: dict[str, Any] = getattr(response, "_csp_config", settings.SECURE_CSP)
        form_action = [*policy.get("form-action", []), origin]
        response._csp_config = {**policy, "form-action": form_action}  # type: ignore[attr-defined]
    else:
        update: dict[str, Any] = getattr(response, "_csp_update", None) or {}
        form_action = [*update.get("form-action", []), origin]
        response._csp_update = {**update, "form-action": form_action}  # type: ignore[attr-defined]


class SiteHeadersMiddleware:
    """Placed right after the CSP middleware, so that the policy it sends includes what this
    adds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Browsers apply form-action to the redirect after a form, so the button to Telegram's
        # login page needs its origin here.
        origin = get_settings().oidc.issuer_origin
        if origin:
            _allow_form_action(response, origin)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def csp_nonce(request: HttpRequest) -> dict[str, Any]:
    """The nonce as `csp_nonce` in templates on Django 5.2, where django-htmx's
    {% htmx_script %} reads it (django-csp's own context processor calls it CSP_NONCE, Django 6's
    calls it csp_nonce)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
