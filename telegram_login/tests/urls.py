"""The test site's URLs: README's two lines, a home page to land on, the admin, and the Telegram
sandbox (as the example site mounts it)."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where a sign-in lands: says who is signed in and shows the messages (tests read both)."""
    return render(request, "home.html")


urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("_allauth/", include("telegram_login.headless.urls")),
    path("telegram/", include("telegram_login.urls")),
    path("telegram/sandbox/", include("telegram_login.sandbox.urls")),
    path("admin/", admin.site.urls),
]
