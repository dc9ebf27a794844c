"""A fresh proof before a change to the ways in: disconnecting Telegram asks the linked Telegram
again once the last confirmation is too old, and a Telegram user confirms in Telegram before
adding an email and a password (telegram_login/linking/reauthentication.py)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from telegram_login.tests.flows import (
    PASSWORD,
    age_authentication,
    confirm_access_in_telegram,
    confirm_in_telegram,
    email_user,
    grant_telegram_confirmation,
    sign_in_with_password,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
CONNECTIONS_URL = "/accounts/3rdparty/"


def test_disconnect_after_the_window_asks_telegram_again(client):
    user = email_user("fay@example.test")
    account = SocialAccount.objects.create(user=user, provider="telegram_login", uid="779")
    grant_telegram_confirmation(client, user, purpose="telegram_disconnect")
    age_authentication(client, seconds=301)

    response = client.post(CONNECTIONS_URL, {"account": account.pk})

    assert response["Location"].startswith("/accounts/telegram/reauthenticate/")
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_telegram_user_adds_an_email_and_a_password_then_signs_in_either_way(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Gleb", username="gleb_tg")
    confirm_in_telegram(browser_client, telegram, telegram_update, post_update)
    user = User.objects.get(socialaccount__uid=str(telegram["id"]))
    assert not user.has_usable_password()

    # Adding an email is asked to be confirmed in Telegram first, then goes through as typed.
    added = browser_client.post(
        "/accounts/email/", {"action_add": "", "email": "gleb@example.test"}
    )
    assert added.status_code == HTTPStatus.FOUND
    assert added["Location"] == "/accounts/telegram/reauthenticate/?next=%2Faccounts%2Femail%2F"
    assert not EmailAddress.objects.filter(user=user).exists()
    confirm_access_in_telegram(
        browser_client, telegram, telegram_update, post_update, next_url="/accounts/email/"
    )
    address = EmailAddress.objects.get(user=user, email="gleb@example.test")
    address.verified = True  # the link in the confirmation mail was followed
    address.save()
    password_set = browser_client.post(
        "/accounts/password/set/", {"password1": PASSWORD, "password2": PASSWORD}
    )
    assert password_set.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.has_usable_password()
    # Setting the password kept the person signed in.
    assert browser_client.get("/").context["user"] == user
    browser_client.post("/accounts/logout/")

    sign_in_with_password(browser_client, "gleb@example.test")
    assert browser_client.get("/").context["user"] == user
    browser_client.post("/accounts/logout/")

    confirm_in_telegram(browser_client, telegram, telegram_update, post_update)
    assert browser_client.get("/").context["user"] == user
    assert User.objects.count() == 1

    # With a password and an email, Telegram may now be disconnected (confirmed in Telegram).
    account = SocialAccount.objects.get(user=user)
    browser_client.post(CONNECTIONS_URL, {"account": account.pk})
    confirm_access_in_telegram(
        browser_client, telegram, telegram_update, post_update, next_url=CONNECTIONS_URL
    )
    assert not SocialAccount.objects.filter(user=user).exists()
