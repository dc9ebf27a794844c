"""URLs of the Telegram sandbox (they answer 404 unless the sandbox is on)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.chat, name="telegram_login_sandbox"),
    path("identity/", views.identity, name="telegram_login_sandbox_identity"),
    path("forget/", views.forget, name="telegram_login_sandbox_forget"),
    path("send/", views.send, name="telegram_login_sandbox_send"),
    path("press/", views.press, name="telegram_login_sandbox_press"),
    path("block/", views.block, name="telegram_login_sandbox_block"),
    path("restart/", views.restart, name="telegram_login_sandbox_restart"),
]
