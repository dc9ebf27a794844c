"""Linking Telegram to an existing account from settings: reauthentication, conflicts, updates.

The messages are allauth's own; the example site's tests check its wording and profile page."""

from __future__ import annotations

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core import signing

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.signin.widget import RESUME_COOKIE, RESUME_SALT
from telegram_login.tests.flows import (
    PASSWORD,
    age_authentication,
    confirm_in_telegram,
    email_user,
    messages_on,
    reauthenticate,
    sign_in_with_password,
)
from telegram_login.tests.helpers import DEEP_LINK_RE, START_URL, poll, start_sign_in

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}

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
    account = SocialAccount.objects.get(provider="telegram_login", uid=str(telegram["id"]))
    assert account.user == user
    assert account.extra_data["username"] == "ann_tg"
    assert any(CONNECTED in m for m in messages_on(browser_client, CONNECTIONS_URL))
    # Still the same person in the same session, not a new Telegram user.
    assert browser_client.get("/").context["user"] == user
    assert User.objects.count() == 1


def test_connect_asks_for_the_password_before_a_request_is_made(browser_client):
    """Reauthentication comes first: nothing happens in Telegram until the password is given."""
    email_user("ben@example.test")
    sign_in_with_password(browser_client, "ben@example.test")
    age_authentication(browser_client, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)

    response = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    assert response["HX-Redirect"] == f"{REAUTHENTICATE_URL}?next=%2Faccounts%2F3rdparty%2F"
    assert not LoginRequest.objects.exists()
    page = browser_client.get(response["HX-Redirect"])
    assert 'type="password"' in page.content.decode()


def test_connect_goes_on_by_itself_after_the_password(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    """One press of "Connect Telegram": after the password the connect is under way, its link
    and code waiting on the settings page, without pressing Connect again."""
    user = email_user("bob@example.test")
    sign_in_with_password(browser_client, "bob@example.test")
    age_authentication(browser_client, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    asked = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    resumed = browser_client.post(asked["HX-Redirect"], {"password": PASSWORD})

    assert resumed["Location"] == CONNECTIONS_URL
    login_request = LoginRequest.objects.get()
    assert (login_request.process, login_request.status) == ("connect", "pending")
    assert login_request.user == user
    # The page it goes back to picks it up: the link and the code, polling at once.
    token = signing.loads(resumed.cookies[RESUME_COOKIE].value, salt=RESUME_SALT)["token"]
    page = browser_client.get(f"{START_URL}?process=connect").content.decode()
    assert 'data-state="pending"' in page
    assert f'data-testid="match-code">{login_request.match_code}<' in page
    assert DEEP_LINK_RE.search(page).group(1) == token
    telegram = telegram_user(first_name="Bob")
    post_update(telegram_update(message=(telegram, f"/start {token}")))
    login_request.refresh_from_db()
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(telegram, data)))
    done = poll(browser_client, login_request, shown="claimed")
    assert done["HX-Redirect"] == CONNECTIONS_URL
    assert SocialAccount.objects.get(uid=str(telegram["id"])).user == user


def test_a_password_sign_in_a_moment_ago_is_a_fresh_proof(browser_client):
    """Not asked again seconds after typing the password to sign in: that was the proof."""
    user = email_user("cat@example.test")
    sign_in_with_password(browser_client, "cat@example.test")

    response = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    assert 'data-state="pending"' in response.content.decode()
    assert LoginRequest.objects.get().user == user


def test_a_connect_left_waiting_does_not_start_after_a_proof_for_another_change(browser_client):
    email_user("cid@example.test")
    sign_in_with_password(browser_client, "cid@example.test")
    age_authentication(browser_client, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    # The person went to change their email addresses instead, and gave the password there.
    done = browser_client.post(
        f"{REAUTHENTICATE_URL}?next=%2Faccounts%2Femail%2F", {"password": PASSWORD}
    )

    assert done["Location"] == "/accounts/email/"
    assert not LoginRequest.objects.exists()


def test_connect_confirmed_after_the_password_check_lapsed_links_nothing(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    """The password is asked before the Telegram step, never after it: a confirmation that
    arrives once the check is too old ends the request (allauth would otherwise ask again and
    finish the link later, past the one-Telegram and verified-email checks)."""
    user = email_user("dan@example.test")
    sign_in_with_password(browser_client, "dan@example.test")
    reauthenticate(browser_client)
    telegram = telegram_user(first_name="Dan")
    login_request, token, _ = start_sign_in(browser_client, process="connect")
    age_authentication(browser_client, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    post_update(telegram_update(message=(telegram, f"/start {token}")))
    login_request.refresh_from_db()
    post_update(
        telegram_update(
            callback=(telegram, callback_data(login_request, ACTION_CODE, login_request.match_code))
        )
    )

    done = poll(browser_client, login_request, shown="claimed")

    assert 'data-state="refused_proof_lapsed"' in done.content.decode()
    assert not done.has_header("HX-Redirect")
    assert "account_reauthentication_state" not in browser_client.session
    assert not SocialAccount.objects.filter(user=user).exists()
    # The bot says nothing was changed.
    assert bot_api.chat(telegram["id"])[-1].text.startswith("✖ The browser could not finish")
    # The password, then the whole connect again, links it.
    reauthenticate(browser_client)
    confirm_in_telegram(browser_client, telegram, telegram_update, post_update, process="connect")
    assert SocialAccount.objects.get(uid=str(telegram["id"])).user == user


def test_account_without_a_password_is_asked_to_set_one_before_connecting(browser_client):
    user = User.objects.create_user(username="nopass", email="np@example.test")
    EmailAddress.objects.create(user=user, email="np@example.test", verified=True, primary=True)
    browser_client.force_login(user)

    response = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    assert 'data-state="refused_no_password"' in response.content.decode()
    assert "Set a password first" in response.content.decode()
    assert not LoginRequest.objects.exists()


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
    assert any("already connected to a different account" in message for message in shown), shown
    assert not any(CONNECTED in m for m in shown)
    account = SocialAccount.objects.get(provider="telegram_login", uid=str(telegram["id"]))
    assert account.user == owner
    assert not SocialAccount.objects.filter(user=other).exists()
    # The browser is still signed in as the person who asked, not as the Telegram account's owner.
    assert browser_client.get("/").context["user"] == other


def test_an_account_with_telegram_cannot_connect_another(browser_client):
    user = email_user("rita@example.test")
    SocialAccount.objects.create(
        user=user,
        provider="telegram_login",
        uid="31337",
        extra_data={"id": 31337, "first_name": "R"},
    )
    sign_in_with_password(browser_client, "rita@example.test")
    reauthenticate(browser_client)

    response = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    assert 'data-state="refused_has_telegram"' in response.content.decode()
    assert not LoginRequest.objects.exists()
    assert SocialAccount.objects.filter(user=user).count() == 1


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
    # The username on this site was made once, at sign-up; it does not follow Telegram.
    user.refresh_from_db()
    assert user.username == "sasha_old"


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
