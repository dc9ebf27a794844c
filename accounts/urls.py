from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # Beside allauth's own settings pages (/accounts/email/, /accounts/3rdparty/, ...).
    path("accounts/profile/", views.profile, name="profile"),
]
