"""The browser's side of the flow; allauth mounts these under accounts/ with the other providers."""

from django.urls import path

from .. import settings_views, views

urlpatterns = [
    path("telegram/login/", views.start, name="telegram_login_start"),
    path("telegram/login/<uuid:request_id>/code/", views.enter_code, name="telegram_login_code"),
    path("telegram/reauthenticate/", views.reauthenticate, name="telegram_login_reauthenticate"),
    path("telegram/alerts/", settings_views.sign_in_alerts, name="telegram_login_alerts"),
]
