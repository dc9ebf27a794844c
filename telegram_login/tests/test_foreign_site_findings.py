"""What a site that is not ours ran into when it added README's lines ("Add it to your site"):
a cookiecutter-django project (a user model with email as USERNAME_FIELD and no username,
mandatory email verification, its own adapters extending the app's, allauth.mfa). Each test
reproduces one finding on the package's own test settings, changing only the setting that site
has differently."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

from telegram_login.tests.flows import confirm_in_telegram
from telegram_login.tests.helpers import BROWSER_UA, signed_in

pytestmark = pytest.mark.django_db


def test_the_owner_signs_in_with_telegram_on_a_site_without_usernames(
    owner, settings, telegram_update, post_update
):
    settings.ACCOUNT_USER_MODEL_USERNAME_FIELD = None
    _, telegram = owner  # no @username: the names and the id are tried
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)

    confirm_in_telegram(browser, telegram, telegram_update, post_update)

    assert signed_in(browser)


def test_the_sessions_page_renders_with_readmes_lines(owner):
    user, _ = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    browser.force_login(user)

    response = browser.get("/accounts/sessions/")

    assert response.status_code == HTTPStatus.OK


@pytest.mark.xfail(
    strict=True,
    reason=(
        "With ACCOUNT_EMAIL_VERIFICATION = 'mandatory' (cookiecutter-django's default) a new "
        "Telegram user's account is made without an email and the browser is sent to "
        "/accounts/confirm-email/, never signed in; README names SOCIALACCOUNT_EMAIL_REQUIRED "
        "for such sites but not SOCIALACCOUNT_EMAIL_VERIFICATION, and no check says so"
    ),
)
def test_a_new_telegram_user_is_signed_in_on_a_site_with_mandatory_email_verification(
    bot_api, settings, telegram_user, telegram_update, post_update
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    telegram = telegram_user(first_name="Neo")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)

    done = confirm_in_telegram(browser, telegram, telegram_update, post_update)

    assert done["HX-Redirect"] != "/accounts/confirm-email/"
    assert signed_in(browser)
