"""A fresh proof before a change to the ways in: disconnecting Telegram asks the linked Telegram
again once the last confirmation is too old, and a Telegram user confirms in Telegram before
adding an email and a password (telegram_login/linking/reauthentication.py). The confirmation
counts as allauth's own proofs do, whatever ACCOUNT_REAUTHENTICATION_METHODS (allauth 65.22 and
later) says."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

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
from telegram_login.tests.helpers import OWNER_EMAIL

pytestmark = pytest.mark.django_db

User = get_user_model()
CONNECTIONS_URL = "/accounts/3rdparty/"
SET_PASSWORD_URL = "/accounts/password/set/"
TELEGRAM_CONFIRM_URL = "/accounts/telegram-login/reauthenticate/"


@pytest.fixture(
    params=[None, ("password", "code", "mfa"), ("password",)],
    ids=["methods-unset", "password-code-mfa", "password-only"],
)
def reauthentication_methods(request: pytest.FixtureRequest, settings: Any) -> Any:
    """allauth's ACCOUNT_REAUTHENTICATION_METHODS as a site may leave or set it (allauth before
    65.22 reads no such setting)."""
    if request.param is not None:
        settings.ACCOUNT_REAUTHENTICATION_METHODS = request.param
    return request.param


def test_disconnect_after_the_window_asks_telegram_again(client):
    user = email_user("fay@example.test")
    account = SocialAccount.objects.create(user=user, provider="telegram_login", uid="779")
    grant_telegram_confirmation(client, user, purpose="telegram_disconnect")
    age_authentication(client, seconds=301)

    response = client.post(CONNECTIONS_URL, {"account": account.pk})

    assert response["Location"].startswith("/accounts/telegram-login/reauthenticate/")
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
    assert (
        added["Location"] == "/accounts/telegram-login/reauthenticate/?next=%2Faccounts%2Femail%2F"
    )
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


def test_a_telegram_only_account_sets_a_password_after_confirming_in_telegram(
    reauthentication_methods, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user()
    confirm_in_telegram(browser_client, telegram, telegram_update, post_update)
    user = User.objects.get(socialaccount__uid=str(telegram["id"]))

    # "Confirm in Telegram", as the password page offers it to an account without one.
    done = confirm_access_in_telegram(
        browser_client, telegram, telegram_update, post_update, next_url=SET_PASSWORD_URL
    )

    # The confirmation is the fresh proof allauth asks for: the form opens and takes the password.
    assert done["HX-Redirect"] == SET_PASSWORD_URL
    assert browser_client.get(SET_PASSWORD_URL).status_code == HTTPStatus.OK
    set_password = browser_client.post(
        SET_PASSWORD_URL, {"password1": PASSWORD, "password2": PASSWORD}
    )
    assert set_password["Location"] == CONNECTIONS_URL
    user.refresh_from_db()
    assert user.has_usable_password()


def test_the_owner_disconnects_telegram_after_confirming_in_telegram(
    reauthentication_methods, owner, browser_client, telegram_update, post_update
):
    user, telegram = owner
    sign_in_with_password(browser_client, OWNER_EMAIL)
    account = SocialAccount.objects.get(user=user)
    asked = browser_client.post(CONNECTIONS_URL, {"account": account.pk})
    assert asked["Location"] == f"{TELEGRAM_CONFIRM_URL}?next=%2Faccounts%2F3rdparty%2F"

    done = confirm_access_in_telegram(
        browser_client, telegram, telegram_update, post_update, next_url=CONNECTIONS_URL
    )

    assert done["HX-Redirect"] == CONNECTIONS_URL
    assert not SocialAccount.objects.filter(pk=account.pk).exists()


def test_an_account_without_a_password_is_sent_to_telegram_first(
    reauthentication_methods, browser_client, telegram_user, telegram_update, post_update
):
    """allauth (65.22 on) would send it for a code by email first; Telegram is its own key."""
    telegram = telegram_user()
    confirm_in_telegram(browser_client, telegram, telegram_update, post_update)
    user = User.objects.get(socialaccount__uid=str(telegram["id"]))
    EmailAddress.objects.create(user=user, email="vera@example.test", verified=True, primary=True)
    age_authentication(browser_client, seconds=301)

    asked = browser_client.post("/accounts/email/", {"action_add": "", "email": "v@example.test"})

    assert asked["Location"] == f"{TELEGRAM_CONFIRM_URL}?next=%2Faccounts%2Femail%2F"
    assert not EmailAddress.objects.filter(email="v@example.test").exists()


def test_a_telegram_confirmation_lapses_with_allauths_window(
    reauthentication_methods, browser_client, telegram_user, telegram_update, post_update
):
    telegram = telegram_user()
    confirm_in_telegram(browser_client, telegram, telegram_update, post_update)
    confirm_access_in_telegram(
        browser_client, telegram, telegram_update, post_update, next_url=SET_PASSWORD_URL
    )
    age_authentication(browser_client, seconds=301)

    asked = browser_client.post(SET_PASSWORD_URL, {"password1": PASSWORD, "password2": PASSWORD})

    assert asked["Location"] == f"{TELEGRAM_CONFIRM_URL}?next=%2Faccounts%2Fpassword%2Fset%2F"
    assert not User.objects.get(socialaccount__uid=str(telegram["id"])).has_usable_password()


@pytest.mark.parametrize(
    ("next_url", "unlocks"),
    [
        (SET_PASSWORD_URL, "To set a password, first confirm that it is you."),
        ("/accounts/email/", "To change your email addresses, first confirm that it is you."),
        ("/accounts/password/change/", "To change your password, first confirm that it is you."),
        ("/somewhere/else/", "To change how your account is protected, first confirm that it is"),
    ],
)
def test_the_confirm_in_telegram_page_says_what_it_unlocks(
    next_url, unlocks, browser_client, telegram_user, telegram_update, post_update
):
    telegram = telegram_user()
    confirm_in_telegram(browser_client, telegram, telegram_update, post_update)

    page = browser_client.get(TELEGRAM_CONFIRM_URL, {"next": next_url}).content.decode()

    assert unlocks in page
    assert "Once you confirm, you are not asked again for 5 minutes." in page


def test_the_page_for_disconnecting_telegram_names_it_and_no_time_window(owner, browser_client):
    sign_in_with_password(browser_client, OWNER_EMAIL)
    asked = browser_client.post(CONNECTIONS_URL, {"account": SocialAccount.objects.get().pk})

    page = browser_client.get(asked["Location"]).content.decode()

    assert "To disconnect Telegram from your account, first confirm that it is you." in page
    assert 'data-testid="key-change"' in page
    # That confirmation is for this change alone.
    assert "not asked again" not in page


def test_an_account_with_telegram_is_offered_its_telegram_first_and_the_password_beside_it(
    owner, browser_client
):
    sign_in_with_password(browser_client, OWNER_EMAIL)
    age_authentication(browser_client, seconds=301)

    asked = browser_client.post("/accounts/email/", {"action_add": "", "email": "o2@example.test"})

    assert asked["Location"] == f"{TELEGRAM_CONFIRM_URL}?next=%2Faccounts%2Femail%2F"
    page = browser_client.get(asked["Location"]).content.decode()
    assert 'data-testid="telegram-start"' in page
    assert "To change your email addresses, first confirm that it is you." in page
    assert 'href="/accounts/reauthenticate/?next=%2Faccounts%2Femail%2F"' in page


def test_a_password_sign_in_a_moment_ago_lets_the_change_through_without_asking(
    owner, browser_client
):
    user, _ = owner
    sign_in_with_password(browser_client, OWNER_EMAIL)

    added = browser_client.post("/accounts/email/", {"action_add": "", "email": "o3@example.test"})

    assert added["Location"] == "/accounts/email/"
    assert EmailAddress.objects.filter(user=user, email="o3@example.test").exists()
