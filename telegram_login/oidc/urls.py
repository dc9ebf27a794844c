"""The URLs allauth mounts with its providers (under accounts/): the redirect URI to allow in
BotFather is https://<host>/accounts/telegram/oidc/callback/."""

from django.urls import path

from telegram_login.oidc import views

urlpatterns = [
    path("telegram/oidc/login/", views.login, name="telegram_oidc_login"),
    path("telegram/oidc/callback/", views.callback, name="telegram_oidc_callback"),
]
