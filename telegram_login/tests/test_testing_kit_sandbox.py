"""The test kit on a site whose tests run with the sandbox on (no bot configured): the same
calls sign in through the sandbox's own fake Bot API, fresh for each test."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from telegram_login.sandbox import fake_api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_bot(settings: Any) -> None:
    """A site's test settings with the sandbox installed and no bot; tests run with DEBUG off,
    and the site leaves TELEGRAM_SANDBOX unset (the sandbox then waits to be switched on)."""
    settings.DEBUG = False
    settings.TELEGRAM_SANDBOX = None
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    settings.TELEGRAM_LOGIN_BOT_USERNAME = ""
    settings.TELEGRAM_LOGIN_WEBHOOK_SECRET = ""


def test_the_kit_switches_the_sandbox_on_and_signs_in_through_its_bot(telegram, client, settings):
    assert settings.TELEGRAM_SANDBOX is True
    user = telegram.user(first_name="Sandy")
    signed_in = telegram.sign_in(client, user)
    assert SocialAccount.objects.get(user=signed_in).uid == str(user.id)
    assert telegram.api is fake_api.fake_bot_api()
    assert "Signed in" in telegram.last_message(user).text


def test_each_test_gets_a_fresh_chat(telegram):
    # The user of the test above had a chat; none is left over here.
    assert all(not chat for chat in telegram.api.messages.values())
    user = telegram.user()
    telegram.sign_in(Client(), user)
    assert telegram.messages(user)
