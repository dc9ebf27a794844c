"""The test site's URLs: README's two lines, a home page to land on, and the admin."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("telegram/", include("telegram_login.urls")),
    path("admin/", admin.site.urls),
]
