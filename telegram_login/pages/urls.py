"""The pages allauth mounts under accounts/ with the other providers' (provider.py names this
package): the sign-in and the confirmation in Telegram, a lost Telegram, the alert switch."""

from django.urls import path

from telegram_login.security import recovery_views
from telegram_login.security import views as settings_views
from telegram_login.signin import reauthentication_views, views

urlpatterns = [
    path("telegram/login/", views.start, name="telegram_login_start"),
    path("telegram/login/<uuid:request_id>/code/", views.enter_code, name="telegram_login_code"),
    path(
        "telegram/reauthenticate/",
        reauthentication_views.reauthenticate,
        name="telegram_login_reauthenticate",
    ),
    path("telegram/alerts/", settings_views.sign_in_alerts, name="telegram_login_alerts"),
    path("telegram/lost/", recovery_views.lost, name="telegram_login_lost"),
    path("telegram/lost/request/", recovery_views.lost_request, name="telegram_login_lost_request"),
    path("telegram/lost/remove/", recovery_views.lost_remove, name="telegram_login_lost_remove"),
    path(
        "telegram/lost/<str:token>/",
        recovery_views.lost_confirm,
        name="telegram_login_lost_confirm",
    ),
]
