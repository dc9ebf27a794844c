"""The pages allauth mounts under accounts/ with the other providers' (provider.py names this
package): the sign-in and the confirmation in Telegram, a lost Telegram, the alert switch. All
under telegram-login/: allauth's own Telegram provider (Telegram's older login widget) claims
telegram/login/, and a site may have both installed."""

from django.urls import path

from telegram_login.mini_app import views as mini_app_views
from telegram_login.security import recovery_views
from telegram_login.security import views as settings_views
from telegram_login.signin import cancel_views, reauthentication_views, views

urlpatterns = [
    path("telegram-login/login/", views.start, name="telegram_login_start"),
    path(
        "telegram-login/login/<uuid:request_id>/code/", views.enter_code, name="telegram_login_code"
    ),
    path("telegram-login/mini-app/", mini_app_views.sign_in, name="telegram_login_mini_app"),
    path(
        "telegram-login/login/<uuid:request_id>/cancel/",
        cancel_views.cancel,
        name="telegram_login_cancel",
    ),
    path(
        "telegram-login/reauthenticate/",
        reauthentication_views.reauthenticate,
        name="telegram_login_reauthenticate",
    ),
    path("telegram-login/alerts/", settings_views.sign_in_alerts, name="telegram_login_alerts"),
    path("telegram-login/lost/", recovery_views.lost, name="telegram_login_lost"),
    path(
        "telegram-login/lost/request/",
        recovery_views.lost_request,
        name="telegram_login_lost_request",
    ),
    path(
        "telegram-login/lost/remove/", recovery_views.lost_remove, name="telegram_login_lost_remove"
    ),
    path(
        "telegram-login/lost/<str:token>/",
        recovery_views.lost_confirm,
        name="telegram_login_lost_confirm",
    ),
]
