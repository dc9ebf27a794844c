"""The site's URLs."""

from allauth.account.decorators import secure_admin_login
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

# The admin signs in through allauth's rate-limited sign-in page, not a form of its own.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("telegram/", include("telegram_login.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if apps.is_installed("telegram_login.sandbox"):
    # The Telegram sandbox's pages, where the site installs it (settings.py: with DEBUG, or
    # TELEGRAM_SANDBOX=true); they answer 404 while it does not play Telegram.
    urlpatterns.append(path("telegram/sandbox/", include("telegram_login.sandbox.urls")))

if settings.BENCH_REFERENCE_VIEW:
    # The benchmark's bare 204 (make bench); off unless BENCH_REFERENCE_VIEW=1.
    from site_config.bench_reference import reference

    urlpatterns.append(path("bench/reference/", reference, name="bench_reference"))
