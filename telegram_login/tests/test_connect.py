"""Linking Telegram to an existing account from settings: reauthentication, conflicts, updates."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.account import app_settings as account_settings
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from accounts.tests.flows import (
    age_authentication,
    confirm_in_telegram,
    email_user,
    messages_on,
    reauthenticate,
    sign_in_with_password,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
CONNECTIONS_URL = "/accounts/3rdparty/"
REAUTHENTICATE_URL = "/accounts/reauthenticate/"
CONNECTED = "The third-party account has been connected."


def test_email_user_who_just_confirmed_the_password_connects_telegram_straight_away(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    user = email_user("ann@example.test")
    sign_in_with_password(browser_client, "ann@example.test")
    reauthenticate(browser_client)
    telegram = telegram_user(first_name="Ann", username="ann_tg")

    done = confirm_in_telegram(
        browser_client, telegram, telegram_update, post_update, process="connect"
    )

    assert done["HX-Redirect"] == CONNECTIONS_URL
    account = SocialAccount.objects.get(provider="telegram", uid=str(telegram["id"]))
    assert account.user == user
    assert account.extra_data["username"] == "ann_tg"
    assert CONNECTED in messages_on(browser_client, CONNECTIONS_URL)
    # Still the same person in the same session, not a new Telegram user.
    assert browser_client.get("/").context["user"] == user
    assert User.objects.count() == 1


def test_connecting_after_the_reauthentication_window_asks_for_the_password_first(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    user = email_user("ben@example.test")
    sign_in_with_password(browser_client, "ben@example.test")
    reauthenticate(browser_client)
    age_authentication(browser_client, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    telegram = telegram_user(first_name="Ben")

    done = confirm_in_telegram(
        browser_client, telegram, telegram_update, post_update, process="connect"
    )

    assert done["HX-Redirect"] == REAUTHENTICATE_URL
    assert not SocialAccount.objects.filter(user=user).exists()
    page = browser_client.get(REAUTHENTICATE_URL)
    assert page.status_code == HTTPStatus.OK
    assert 'type="password"' in page.content.decode()

    wrong = browser_client.post(REAUTHENTICATE_URL, {"password": "not-the-password"})
    assert wrong.status_code == HTTPStatus.OK
    assert not SocialAccount.objects.filter(user=user).exists()

    resumed = browser_client.post(
        REAUTHENTICATE_URL, {"password": "a-long-Passw0rd-nobody-guesses"}
    )
    assert resumed.status_code == HTTPStatus.FOUND
    assert resumed["Location"] == CONNECTIONS_URL
    account = SocialAccount.objects.get(provider="telegram", uid=str(telegram["id"]))
    assert account.user == user
    assert CONNECTED in messages_on(browser_client, CONNECTIONS_URL)


def test_a_fresh_password_sign_in_is_not_a_reauthentication(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    # allauth 65.x counts only an explicit password check, so even a minute-old sign-in asks.
    user = email_user("cat@example.test")
    sign_in_with_password(browser_client, "cat@example.test")

    done = confirm_in_telegram(
        browser_client, telegram_user(), telegram_update, post_update, process="connect"
    )

    assert done["HX-Redirect"] == REAUTHENTICATE_URL
    assert not SocialAccount.objects.filter(user=user).exists()


def test_user_without_a_password_is_not_asked_to_reauthenticate(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    # No password sign-in recorded in this session at all: a password user would be asked.
    user = User.objects.create_user(username="nopass", email="np@example.test")
    assert not user.has_usable_password()
    browser_client.force_login(user)
    telegram = telegram_user(first_name="Noa")

    done = confirm_in_telegram(
        browser_client, telegram, telegram_update, post_update, process="connect"
    )

    assert done["HX-Redirect"] == CONNECTIONS_URL
    assert SocialAccount.objects.get(uid=str(telegram["id"])).user == user


def test_telegram_account_linked_to_another_user_is_not_reassigned(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Olga", username="olga_tg")
    owner = User.objects.create_user(username="olga")
    SocialAccount.objects.create(
        user=owner, provider="telegram", uid=str(telegram["id"]), extra_data=dict(telegram)
    )
    other = email_user("pavel@example.test")
    sign_in_with_password(browser_client, "pavel@example.test")
    reauthenticate(browser_client)

    done = confirm_in_telegram(
        browser_client, telegram, telegram_update, post_update, process="connect"
    )

    assert done["HX-Redirect"] == CONNECTIONS_URL
    shown = messages_on(browser_client, CONNECTIONS_URL)
    assert any("already linked to another account" in message for message in shown), shown
    assert CONNECTED not in shown
    account = SocialAccount.objects.get(provider="telegram", uid=str(telegram["id"]))
    assert account.user == owner
    assert not SocialAccount.objects.filter(user=other).exists()
    # The browser is still signed in as the person who asked, not as the Telegram account's owner.
    assert browser_client.get("/").context["user"] == other


def test_connecting_the_telegram_account_already_linked_here_keeps_one_link(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    user = email_user("rita@example.test")
    telegram = telegram_user(first_name="Rita", username="rita_new")
    SocialAccount.objects.create(
        user=user,
        provider="telegram",
        uid=str(telegram["id"]),
        extra_data={"id": telegram["id"], "first_name": "Rita", "username": "rita_old"},
    )
    sign_in_with_password(browser_client, "rita@example.test")
    reauthenticate(browser_client)

    done = confirm_in_telegram(
        browser_client, telegram, telegram_update, post_update, process="connect"
    )

    assert done["HX-Redirect"] == CONNECTIONS_URL
    account = SocialAccount.objects.get(user=user)
    assert account.extra_data["username"] == "rita_new"


def test_returning_telegram_user_with_a_new_name_and_username_keeps_the_account(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Sasha", last_name="Old", username="sasha_old")
    confirm_in_telegram(browser_client, telegram, telegram_update, post_update)
    user = User.objects.get(socialaccount__uid=str(telegram["id"]))
    browser_client.post("/accounts/logout/")

    renamed = {**telegram, "first_name": "Alexandra", "last_name": "New", "username": "sasha_new"}
    confirm_in_telegram(browser_client, renamed, telegram_update, post_update)

    assert browser_client.get("/").context["user"] == user
    assert User.objects.count() == 1
    account = SocialAccount.objects.get(user=user)
    assert account.uid == str(telegram["id"])
    assert account.extra_data["first_name"] == "Alexandra"
    assert account.extra_data["last_name"] == "New"
    assert account.extra_data["username"] == "sasha_new"
    profile = browser_client.get("/accounts/profile/").content.decode()
    assert 'data-testid="telegram-name">Alexandra New<' in profile
    assert 'data-testid="telegram-username">@sasha_new<' in profile
    assert "@sasha_old" not in profile
    # The username on this site was made once, at sign-up; it does not follow Telegram.
    assert 'data-testid="site-username">sasha_old<' in profile


def test_returning_telegram_user_who_dropped_the_username_keeps_the_account(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Tim", username="tim_tg")
    confirm_in_telegram(browser_client, telegram, telegram_update, post_update)
    user = User.objects.get(socialaccount__uid=str(telegram["id"]))
    browser_client.post("/accounts/logout/")

    confirm_in_telegram(
        browser_client, {**telegram, "username": None}, telegram_update, post_update
    )

    assert browser_client.get("/").context["user"] == user
    assert "username" not in SocialAccount.objects.get(user=user).extra_data
    user.refresh_from_db()
    assert user.username == "tim_tg"
