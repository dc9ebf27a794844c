"""The last way in can never be removed, in every combination of Telegram, password and email,
through allauth's own settings pages (the example site's tests look at its pages too).

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

    response = client.post(CONNECTIONS_URL, {"account": SocialAccount.objects.get().pk})

    assert SocialAccount.objects.filter(user=user).exists() is not allowed
    if not allowed:
        assert response.status_code == HTTPStatus.OK
        # allauth's own page does not show the form's errors; the site's page does.
        [reason] = response.context["form"].non_field_errors()
        assert reason.startswith("Telegram is your only way to sign in here:")


@pytest.mark.parametrize(
    ("telegram", "password", "primary_verified", "other_verified"),
    # Not the account with nothing at all to confirm access with (the test below).
    list(itertools.product([False, True], repeat=4))[1:],
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

    client.post(EMAIL_URL, {"action_remove": "", "email": "other@example.test"})

    still_there = EmailAddress.objects.filter(user=user, email="other@example.test").exists()
    assert still_there is not allowed
    if not allowed:
        shown = messages_on(client, EMAIL_URL)
        assert any("other@example.test" in message for message in shown), shown


def test_an_account_with_nothing_to_confirm_access_with_keeps_its_addresses(client):
    """No Telegram, no password, no verified address: allauth from 65.22 refuses the change
    outright (no way to confirm access); before, it let it through and the rule refused."""
    user = account_with(
        telegram=False,
        password=False,
        emails={"primary@example.test": False, "other@example.test": False},
    )
    grant_fresh_proof(client, user)

    response = client.post(EMAIL_URL, {"action_remove": "", "email": "other@example.test"})

    assert EmailAddress.objects.filter(user=user, email="other@example.test").exists()
    if ALLAUTH_REAUTHENTICATION_METHODS:
        assert response.status_code == HTTPStatus.FORBIDDEN
    else:
        assert any("other@example.test" in message for message in messages_on(client, EMAIL_URL))


def test_lockout_a_telegram_only_account_that_set_a_password_without_an_email_keeps_telegram(
    client,
):
    """The reported lockout: password set, no email, then "Disconnect" and signed out forever."""
    user = account_with(telegram=True, password=True, emails={})
    grant_fresh_proof(client, user)

    response = client.post(CONNECTIONS_URL, {"account": SocialAccount.objects.get().pk})

    assert response.status_code == HTTPStatus.OK
    assert SocialAccount.objects.filter(user=user).exists()
