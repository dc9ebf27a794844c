"""Telegram's side of the flow, for the site to mount: `path("telegram/", include(...))` makes
the webhook /telegram/webhook/ (and, where the sandbox app is installed, /telegram/sandbox/)."""

from django.apps import apps
from django.urls import include, path

from . import views

urlpatterns = [
    path("webhook/", views.webhook, name="telegram_login_webhook"),
]

if apps.is_installed("telegram_login.sandbox"):
    urlpatterns.append(path("sandbox/", include("telegram_login.sandbox.urls")))
