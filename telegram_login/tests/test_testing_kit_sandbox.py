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
def _sandbox_on(settings: Any) -> None:
    """As `make run` has it: the sandbox plays Telegram; no bot of the site's own."""
    settings.TELEGRAM_SANDBOX = True
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    settings.TELEGRAM_LOGIN_BOT_USERNAME = ""
    settings.TELEGRAM_LOGIN_WEBHOOK_SECRET = ""


def test_the_kit_signs_in_through_the_sandboxs_bot(telegram, client):
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
