"""Attacks on linking and recovery that would give an account another way in without a proof,
each performed and shown to do no harm (docs/security.md, "Linking and recovery", after the
connect lures of test_linking.py): a pre-account takeover, a second Telegram or a new way in."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core import mail
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.flows import (
    PASSWORD,
    confirm_access_in_telegram,
    confirm_in_telegram,
    email_user,
    reauthenticate,
    sign_in_with_password,
    telegram_user_of,
)
from telegram_login.tests.helpers import START_URL, bot_reply, poll, start_sign_in

pytestmark = pytest.mark.django_db

User = get_user_model()
HTMX = {"HX-Request": "true"}


# -- 2. Pre-account takeover ------------------------------------------------------------------


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


def test_pre_account_takeover_an_unconfirmed_address_cannot_reset_an_account_telegram_holds(
    bot_api, telegram_user, telegram_update, post_update
):
    """The attacker signs up with Telegram and adds the victim's address, unconfirmed, hoping the
    victim resets the password and moves in. (The same holds for a Telegram user who mistyped
    their own address: its owner cannot take the account.)"""
    attacker_tg = telegram_user(first_name="Mal")
    attacker_browser = Client()
    confirm_in_telegram(attacker_browser, attacker_tg, telegram_update, post_update)
    account_user = User.objects.get(socialaccount__uid=str(attacker_tg["id"]))
    EmailAddress.objects.create(user=account_user, email="victim@example.test", primary=True)
    mail.outbox.clear()

    victim = Client()
    victim.post("/accounts/password/reset/", {"email": "victim@example.test"})

    [message] = mail.outbox
    assert message.to == ["victim@example.test"]
    assert "no reset link was sent" in message.body
    assert "/password/reset/key/" not in message.body
    account_user.refresh_from_db()
    assert not account_user.has_usable_password()
    assert SocialAccount.objects.filter(user=account_user).exists()


def test_password_reset_of_an_account_with_only_verified_emails_keeps_its_telegram(
    bot_api, telegram_user
):
    user = email_user("hana@example.test")
    account = telegram_user_of(user, uid=telegram_user()["id"])
    browser = Client()
    browser.post("/accounts/password/reset/", {"email": "hana@example.test"})
    link = next(
        line for line in mail.outbox[-1].body.splitlines() if "/password/reset/key/" in line
    )
    form = browser.get(link.strip(), follow=True)
    browser.post(form.redirect_chain[-1][0], {"password1": PASSWORD, "password2": PASSWORD})

    assert SocialAccount.objects.filter(pk=account.pk, user=user).exists()


# -- 3. A second Telegram, or a new way in, without a fresh proof ------------------------------


def test_unlocked_telegram_only_browser_cannot_connect_a_second_telegram(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    owner = telegram_user()
    confirm_in_telegram(browser_client, owner, telegram_update, post_update)

    # The page hides the button, so the attacker posts the form by hand.
    response = browser_client.post(START_URL, {"process": "connect"}, headers=HTMX)

    assert 'data-state="refused_has_telegram"' in response.content.decode()
    assert not LoginRequest.objects.filter(process="connect").exists()


def test_unlocked_telegram_only_browser_cannot_add_an_email_without_confirming_in_telegram(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    confirm_in_telegram(browser_client, telegram_user(), telegram_update, post_update)

    response = browser_client.post(
        "/accounts/email/", {"action_add": "", "email": "attacker@example.test"}
    )

    assert (
        response["Location"]
        == "/accounts/telegram-login/reauthenticate/?next=%2Faccounts%2Femail%2F"
    )
    assert not EmailAddress.objects.exists()


def test_unlocked_telegram_only_browser_cannot_set_a_password_without_confirming_in_telegram(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    confirm_in_telegram(browser_client, telegram_user(), telegram_update, post_update)
    user = browser_client.get("/").context["user"]

    response = browser_client.post(
        "/accounts/password/set/", {"password1": PASSWORD, "password2": PASSWORD}
    )

    assert response["Location"] == (
        "/accounts/telegram-login/reauthenticate/?next=%2Faccounts%2Fpassword%2Fset%2F"
    )
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_confirmation_names_what_it_approves_and_only_the_linked_telegram_may_give_it(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    owner = telegram_user()
    confirm_in_telegram(browser_client, owner, telegram_update, post_update)
    login_request, token, _ = start_sign_in(
        browser_client, process="reauthenticate", next_url="/accounts/password/set/"
    )

    intruder = bot_reply(post_update(telegram_update(message=(telegram_user(), f"/start {token}"))))
    assert "not for you. Nothing was changed." in intruder["text"]
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.PENDING

    prompt = bot_reply(post_update(telegram_update(message=(owner, f"/start {token}"))))
    assert "Confirming lets that browser set a password for the account, and make" in prompt["text"]
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.CLAIMED


def test_a_telegram_confirmation_lets_the_owner_set_a_password(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    owner = telegram_user()
    confirm_in_telegram(browser_client, owner, telegram_update, post_update)
    user = browser_client.get("/").context["user"]

    done = confirm_access_in_telegram(
        browser_client, owner, telegram_update, post_update, next_url="/accounts/password/set/"
    )
    assert done["HX-Redirect"] == "/accounts/password/set/"
    response = browser_client.post(
        "/accounts/password/set/", {"password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.has_usable_password()


def test_password_page_offers_confirming_in_the_linked_telegram_instead(browser_client):
    user = email_user("lev@example.test")
    telegram_user_of(user, uid=555002)
    sign_in_with_password(browser_client, "lev@example.test")

    page = browser_client.get("/accounts/reauthenticate/?next=/accounts/email/").content.decode()

    assert 'href="/accounts/telegram-login/reauthenticate/?next=%2Faccounts%2Femail%2F"' in page
    assert "Confirm in Telegram" in page


def test_two_tabs_connecting_at_once_link_only_one_telegram(
    bot_api, telegram_user, telegram_update, post_update
):
    user = email_user("tom@example.test")
    browser = Client()
    sign_in_with_password(browser, "tom@example.test")
    reauthenticate(browser)
    first, second = telegram_user(), telegram_user()
    started = [start_sign_in(browser, process="connect") for _ in range(2)]
    for (login_request, token, _), telegram in zip(started, [first, second], strict=True):
        post_update(telegram_update(message=(telegram, f"/start {token}")))
        login_request.refresh_from_db()
        data = callback_data(login_request, ACTION_CODE, login_request.match_code)
        post_update(telegram_update(callback=(telegram, data)))

    answers = [poll(browser, login_request, shown="claimed") for login_request, _, _ in started]

    assert SocialAccount.objects.filter(user=user).count() == 1
    assert 'data-state="refused_has_telegram"' in answers[1].content.decode()


def test_a_connect_finished_in_a_browser_now_signed_in_as_someone_else_links_nothing(
    bot_api, telegram_user, telegram_update, post_update
):
    email_user("uma@example.test")
    other = email_user("zed@example.test")
    browser = Client()
    sign_in_with_password(browser, "uma@example.test")
    reauthenticate(browser)
    login_request, token, _ = start_sign_in(browser, process="connect")
    telegram = telegram_user()
    post_update(telegram_update(message=(telegram, f"/start {token}")))
    login_request.refresh_from_db()
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(telegram, data)))
    # The session now belongs to someone else (without the flush a new sign-in would do).
    session = browser.session
    session[SESSION_KEY] = str(other.pk)
    session[HASH_SESSION_KEY] = other.get_session_auth_hash()
    session.save()

    answer = poll(browser, login_request, shown="claimed")

    assert 'data-state="refused_changed_account"' in answer.content.decode()
    assert not SocialAccount.objects.exists()
