"""The deep link's endpoints for allauth.headless clients, for the site to mount beside allauth's
own, under the same prefix: `path("_allauth/", include("telegram_login.headless.urls"))` makes
/_allauth/browser/v1/auth/telegram/... and /_allauth/app/v1/auth/telegram/... (docs/headless.md).
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, include, path

if not apps.is_installed("allauth.headless"):
    raise ImproperlyConfigured(
        'telegram_login.headless.urls needs allauth.headless: add "allauth.headless" to '
        "INSTALLED_APPS and mount allauth.headless.urls (docs/headless.md)."
    )

from allauth.headless import app_settings
from allauth.headless.constants import Client

from telegram_login.headless import views

app_name = "telegram_login_headless"


def build_urlpatterns(client: Client) -> list[URLPattern | URLResolver]:
    """As allauth.headless builds its own: the same views for each client, whose session is the
    browser's cookie or the app's X-Session-Token."""
    endpoints = [
        path("config", views.ConfigView.as_api_view(client=client), name="config"),
        path("start", views.StartView.as_api_view(client=client), name="start"),
        path("<uuid:request_id>", views.StatusView.as_api_view(client=client), name="status"),
        path("<uuid:request_id>/code", views.CodeView.as_api_view(client=client), name="code"),
        path(
            "<uuid:request_id>/complete",
            views.CompleteView.as_api_view(client=client),
            name="complete",
        ),
    ]
    return [path("v1/auth/telegram/", include(endpoints))]


urlpatterns: list[URLPattern | URLResolver] = [
    path(f"{client.value}/", include((build_urlpatterns(client), app_name), namespace=client.value))
    for client in Client
    if client.value in app_settings.CLIENTS
]
