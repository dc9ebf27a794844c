"""Linking Telegram as the example site shows it: its messages on the settings pages, the profile
after Telegram changes, its mail about a new link, and the connect widget on its settings page."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.account import app_settings as account_settings
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core import mail

from telegram_login.models import LoginRequest
from telegram_login.tests.flows import (
    CONNECTIONS_URL,
    PASSWORD,
    age_authentication,
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
    # The username on this site was made once, at sign-up; it does not follow Telegram (and
    # the profile does not show it).
    user.refresh_from_db()
    assert user.username == "sasha_old"
    assert ">sasha_old<" not in profile


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


def test_connect_in_one_press_after_the_password_shows_the_code_on_the_settings_page(
    browser_client,
):
    """Connect Telegram, the password on our own proof page that says what it unlocks, and
    straight back to the settings page with the link and the code: Connect is pressed once."""
    email_user("once@example.test")
    sign_in_with_password(browser_client, "once@example.test")
    age_authentication(browser_client, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    asked = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    page = browser_client.get(asked["HX-Redirect"]).content.decode()
    assert "<h1>Confirm it's you</h1>" in page
    assert "To connect Telegram to your account, first confirm that it is you." in page
    assert "Once you confirm, you are not asked again for 5 minutes." in page
    assert "reauthenticate to safeguard" not in page
    assert '<label for="id_password">' in page
    resumed = browser_client.post(asked["HX-Redirect"], {"password": PASSWORD})

    assert resumed["Location"] == CONNECTIONS_URL
    settings_page = browser_client.get(CONNECTIONS_URL).content.decode()
    login_request = LoginRequest.objects.get()
    assert 'data-state="pending"' in settings_page
    assert "Connect your Telegram account" in settings_page
    assert f'data-testid="match-code">{login_request.match_code}<' in settings_page


def test_the_proof_page_in_russian_says_what_it_unlocks_with_yo(browser_client):
    email_user("yo@example.test")
    sign_in_with_password(browser_client, "yo@example.test")
    age_authentication(browser_client, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    asked = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    page = browser_client.get(asked["HX-Redirect"], HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "Подтвердите, что это вы" in page
    assert "Чтобы привязать Telegram к учётной записи, сначала подтвердите, что это вы." in page
    assert "учетн" not in page
    assert "Подтвердите доступ" not in page


def test_an_account_with_telegram_is_offered_it_first_and_the_password_as_a_link(
    browser_client, telegram_user, telegram_update, post_update
):
    user = email_user("both@example.test")
    SocialAccount.objects.create(user=user, provider="telegram_login", uid="5150")
    sign_in_with_password(browser_client, "both@example.test")
    age_authentication(browser_client, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)

    asked = browser_client.post("/accounts/email/", {"action_add": "", "email": "b2@example.test"})
    telegram_page = browser_client.get(asked["Location"]).content.decode()
    password_page = browser_client.get(
        "/accounts/reauthenticate/?next=%2Faccounts%2Femail%2F"
    ).content.decode()

    assert asked["Location"].startswith("/accounts/telegram-login/reauthenticate/")
    assert telegram_page.count("To change your email addresses, first confirm that it is you.") == 1
    assert telegram_page.index('data-testid="telegram-start"') < telegram_page.index(
        "Use your password instead"
    )
    # Reached by that link, the password page offers Telegram back, first among the other ways.
    alternatives = password_page[password_page.index('data-testid="proof-alternatives"') :]
    assert alternatives.index("Confirm in Telegram instead") < alternatives.index(
        "Email me a code instead"
    )
