"""Linking Telegram as the example site shows it: its messages on the settings pages, the profile
after Telegram changes, its mail about a new link, and the connect widget on its settings page."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core import mail

from telegram_login.models import LoginRequest
from telegram_login.tests.flows import (
    CONNECTIONS_URL,
    PASSWORD,
    attacker_starts_connect,
    confirm_in_telegram,
    email_user,
    linked_by_victim,
    messages_on,
    reauthenticate,
    sign_in_with_password,
)
from telegram_login.tests.helpers import DEEP_LINK_RE, START_URL, start_sign_in

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}

User = get_user_model()
CONNECTED = "is connected: you can sign in with it from now on."


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
    account = SocialAccount.objects.get(provider="telegram_login", uid=str(telegram["id"]))
    assert account.user == user
    assert account.extra_data["username"] == "ann_tg"
    assert any(CONNECTED in m for m in messages_on(browser_client, CONNECTIONS_URL))
    # Still the same person in the same session, not a new Telegram user.
    assert browser_client.get("/").context["user"] == user
    assert User.objects.count() == 1


def test_telegram_account_linked_to_another_user_is_not_reassigned(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Olga", username="olga_tg")
    owner = User.objects.create_user(username="olga")
    SocialAccount.objects.create(
        user=owner, provider="telegram_login", uid=str(telegram["id"]), extra_data=dict(telegram)
    )
    other = email_user("pavel@example.test")
    sign_in_with_password(browser_client, "pavel@example.test")
    reauthenticate(browser_client)

    done = confirm_in_telegram(
        browser_client, telegram, telegram_update, post_update, process="connect"
    )

    assert done["HX-Redirect"] == CONNECTIONS_URL
    shown = messages_on(browser_client, CONNECTIONS_URL)
    assert any("already signs in to another account" in message for message in shown), shown
    assert not any(CONNECTED in m for m in shown)
    account = SocialAccount.objects.get(provider="telegram_login", uid=str(telegram["id"]))
    assert account.user == owner
    assert not SocialAccount.objects.filter(user=other).exists()
    # The browser is still signed in as the person who asked, not as the Telegram account's owner.
    assert browser_client.get("/").context["user"] == other


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


def test_a_new_link_is_mailed_to_the_accounts_verified_address_with_the_way_to_undo_it(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    _, login_request, token = attacker_starts_connect(browser_client, "owner@example.test")
    telegram = telegram_user(first_name="Olga")
    linked_by_victim(browser_client, telegram, telegram_update, post_update, login_request, token)

    [message] = [m for m in mail.outbox if "owner@example.test" in m.to]
    assert f"The Telegram account Olga (id {telegram['id']}) was connected" in message.body
    assert "http://testserver/accounts/3rdparty/" in message.body


def test_pre_account_takeover_telegram_cannot_be_linked_beside_an_unverified_email(
    browser_client, bot_api
):
    # The attacker signs up with the victim's address, which they cannot confirm.
    response = browser_client.post(
        "/accounts/signup/",
        {"email": "victim@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == HTTPStatus.FOUND
    reauthenticate(browser_client)

    started = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    assert 'data-state="refused_unverified_email"' in started.content.decode()
    assert not LoginRequest.objects.exists()
    page = browser_client.get(CONNECTIONS_URL).content.decode()
    assert 'data-testid="connect-refused"' in page
    assert 'data-testid="telegram-start"' not in page


def test_the_settings_page_resumes_a_connect(browser_client):
    email_user("resume@example.test")
    sign_in_with_password(browser_client, "resume@example.test")
    reauthenticate(browser_client)
    _, token, _ = start_sign_in(browser_client, process="connect")

    page = browser_client.get("/accounts/3rdparty/").content.decode()

    assert 'data-state="pending"' in page
    assert DEEP_LINK_RE.search(page).group(1) == token
    assert "Connect your Telegram account" in page
    # The sign-in widget (here, its own page) does not pick up the connect.
    sign_in_widget = browser_client.get("/accounts/telegram-login/login/").content.decode()
    assert token not in sign_in_widget
