"""The sandbox's Telegram login issuer: /telegram/sandbox/oidc is its issuer URL (the site's
OIDC client is pointed at it while the sandbox is on and no real client is configured)."""

from django.urls import path

from telegram_login.sandbox import oidc_views

urlpatterns = [
    path("oidc", oidc_views.home, name="telegram_login_sandbox_oidc"),
    path(
        "oidc/.well-known/openid-configuration",
        oidc_views.discovery,
        name="telegram_login_sandbox_oidc_discovery",
    ),
    path("oidc/.well-known/jwks.json", oidc_views.jwks, name="telegram_login_sandbox_oidc_jwks"),
    path("oidc/auth", oidc_views.authorize, name="telegram_login_sandbox_oidc_auth"),
    path("oidc/token", oidc_views.token, name="telegram_login_sandbox_oidc_token"),
]
