"""The last way in can never be removed, as the example site's settings pages show it: Disconnect
offered only when it would work, the reason otherwise, and the profile's list of ways in.

A way in is a linked Telegram account, or a verified email address with a password.
"""

from __future__ import annotations

import itertools
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from telegram_login.tests.flows import (
    ALLAUTH_REAUTHENTICATION_METHODS,
    account_with,
    grant_fresh_proof,
    grant_telegram_confirmation,
    messages_on,
)

pytestmark = pytest.mark.django_db

CONNECTIONS_URL = "/accounts/3rdparty/"
EMAIL_URL = "/accounts/email/"


@pytest.mark.parametrize(
    ("password", "email"),
    list(itertools.product([False, True], ["none", "unverified", "verified"])),
)
def test_telegram_can_be_disconnected_only_when_a_verified_email_and_password_remain(
    client, password, email
):
    emails = {} if email == "none" else {"a@example.test": email == "verified"}
    user = account_with(telegram=True, password=password, emails=emails)
    # Confirmed in the linked Telegram: the only proof that lets Telegram go.
    grant_telegram_confirmation(client, user, purpose="telegram_disconnect")
    allowed = password and email == "verified"

    page = client.get(CONNECTIONS_URL).content.decode()
    response = client.post(CONNECTIONS_URL, {"account": SocialAccount.objects.get().pk})

    assert SocialAccount.objects.filter(user=user).exists() is not allowed
    assert ('data-testid="disconnect"' in page) is allowed
    assert ('data-testid="disconnect-unavailable"' in page) is not allowed
    if not allowed:
        assert response.status_code == HTTPStatus.OK
        assert "Telegram is your only way to sign in here:" in response.content.decode()


@pytest.mark.parametrize(
    ("telegram", "password", "primary_verified", "other_verified"),
    list(itertools.product([False, True], repeat=4)),
)
def test_an_email_address_can_be_removed_only_when_a_way_in_remains(
    client, telegram, password, primary_verified, other_verified
):
    user = account_with(
        telegram=telegram,
        password=password,
        emails={"primary@example.test": primary_verified, "other@example.test": other_verified},
    )
    grant_fresh_proof(client, user)
    allowed = telegram or (password and primary_verified)

    response = client.post(EMAIL_URL, {"action_remove": "", "email": "other@example.test"})

    still_there = EmailAddress.objects.filter(user=user, email="other@example.test").exists()
    assert still_there is not allowed
    if ALLAUTH_REAUTHENTICATION_METHODS and not any(
        (telegram, password, primary_verified, other_verified)
    ):
        # Nothing to confirm access with: allauth refuses before the rule is asked.
        assert response.status_code == HTTPStatus.FORBIDDEN
    elif not allowed:
        shown = messages_on(client, EMAIL_URL)
        assert any("other@example.test cannot be removed" in message for message in shown)


def test_lockout_a_telegram_only_account_that_set_a_password_without_an_email_keeps_telegram(
    client,
):
    """The reported lockout: password set, no email, then "Disconnect" and signed out forever."""
    user = account_with(telegram=True, password=True, emails={})
    grant_fresh_proof(client, user)

    page = client.get(CONNECTIONS_URL).content.decode()
    response = client.post(CONNECTIONS_URL, {"account": SocialAccount.objects.get().pk})

    assert "then you can also sign in with" not in page
    assert 'data-testid="disconnect-unavailable"' in page
    assert response.status_code == HTTPStatus.OK
    assert SocialAccount.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("telegram", "password", "email", "promised"),
    [
        (True, False, "none", ["Telegram"]),
        (True, False, "verified", ["Telegram"]),
        (True, True, "unverified", ["Telegram"]),
        (True, True, "verified", ["Telegram", "Email and password"]),
        (False, True, "unverified", []),
        (False, True, "verified", ["Email and password"]),
    ],
)
def test_the_profile_lists_only_the_ways_in_the_account_has(
    client, telegram, password, email, promised
):
    emails = {} if email == "none" else {"a@example.test": email == "verified"}
    user = account_with(telegram=telegram, password=password, emails=emails)
    client.force_login(user)

    content = client.get("/accounts/profile/").content.decode()
    methods = content.split('data-testid="sign-in-methods">', 1)[1].split("</ul>", 1)[0]
    listed = [way for way in ["Telegram", "Email and password"] if f"<li>{way}</li>" in methods]
    assert listed == promised
