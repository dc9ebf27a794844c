"""Telegram's side of the flow, for the site to mount: `path("telegram/", include(...))` makes
the webhook /telegram/webhook/ and the widget's poll /telegram/poll/<id>/."""

from django.urls import URLPattern, URLResolver, path

from telegram_login.bot.webhook import webhook
from telegram_login.signin import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("webhook/", webhook, name="telegram_login_webhook"),
    # The waiting widget's poll, every 2 s from every waiting browser: here rather than among
    # allauth's pages, whose long list of URL patterns would be tried before it on each poll.
    path("poll/<uuid:request_id>/", views.poll, name="telegram_login_poll"),
]
