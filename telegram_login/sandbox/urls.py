"""URLs of the Telegram sandbox (they answer 404 unless the sandbox is on)."""

from django.urls import include, path

from telegram_login.sandbox import mini_app, qa, views

urlpatterns = [
    path("", views.chat, name="telegram_login_sandbox"),
    path("identity/", views.identity, name="telegram_login_sandbox_identity"),
    path("forget/", views.forget, name="telegram_login_sandbox_forget"),
    path("send/", views.send, name="telegram_login_sandbox_send"),
    path("press/", views.press, name="telegram_login_sandbox_press"),
    path("block/", views.block, name="telegram_login_sandbox_block"),
    path("restart/", views.restart, name="telegram_login_sandbox_restart"),
    path("mini-app/", mini_app.open_mini_app, name="telegram_login_sandbox_mini_app"),
    # For the browser suite against a running site (docs/qa.md).
    path("qa/reset/", qa.reset, name="telegram_login_sandbox_qa_reset"),
    path("qa/expire/", qa.expire, name="telegram_login_sandbox_qa_expire"),
    path("qa/email-account/", qa.email_account, name="telegram_login_sandbox_qa_email_account"),
    path("qa/age-sign-in/", qa.age_sign_in, name="telegram_login_sandbox_qa_age_sign_in"),
    # Telegram's login page and its issuer (OpenID Connect), played as well.
    path("", include("telegram_login.sandbox.oidc_urls")),
]
