"""The Telegram test kit (telegram_login.sandbox.testing) in process: its fixtures sign a test
client in through the real flow, link Telegram, read the bot's messages as data, play a
refusal, and refuse Bot API calls that do not match the published API. Here the site has a real
bot configured (the app's test settings); test_testing_kit_sandbox.py runs it on the sandbox."""

from __future__ import annotations

from http import HTTPStatus

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client

from telegram_login.sandbox.testing import TelegramUser
from telegram_login.sandbox.testing.page_reading import TelegramKitError
from telegram_login.tests.flows import email_user, sign_in_with_password
from telegram_login.tests.helpers import API_BASE_URL, BOT_TOKEN

pytestmark = pytest.mark.django_db


def test_sign_in_signs_a_client_in_as_a_new_telegram_user_through_the_real_flow(telegram, client):
    user = telegram.user(first_name="Ada", last_name="Lovelace", username="ada")

    signed_in = telegram.sign_in(client, user)

    assert client.session["_auth_user_id"] == str(signed_in.pk)
    assert SocialAccount.objects.get(user=signed_in).uid == str(user.id)
    assert client.get("/accounts/email/").status_code == HTTPStatus.OK
    # The bot's prompt, as the chat shows it after the sign-in (edited to say it is done).
    said = telegram.messages(user)
    assert "Signed in" in said[-1].text
    assert said[-1].message_id == said[0].message_id


def test_the_same_telegram_user_signs_in_to_the_same_account_in_another_browser(telegram):
    user = telegram.user()
    first = telegram.sign_in(Client(), user)
    again = telegram.sign_in(Client(), user)
    assert again == first
    assert get_user_model().objects.count() == 1


def test_the_bots_messages_are_data_in_the_telegram_users_language(telegram, client):
    user = telegram.user(first_name="Борис", language_code="ru")
    sign_in = telegram.start(client)

    prompt = telegram.open_link(user, sign_in)

    assert "нажмите код, который показывает ваш браузер" in prompt.text, prompt.text
    assert sign_in.code in prompt.button_texts
    assert prompt.buttons[-1] == ["✖ Отмена, это не я"]
    assert len(prompt.button_texts) == 4


def test_cancel_in_telegram_ends_the_sign_in_and_the_browser_says_so(telegram, client):
    user = telegram.user()
    sign_in = telegram.start(client)
    telegram.open_link(user, sign_in)

    telegram.cancel(user)
    page = telegram.finish(client, sign_in)

    assert 'data-state="denied"' in page.content.decode()
    assert "_auth_user_id" not in client.session
    with pytest.raises(TelegramKitError, match="not signed in"):
        telegram.signed_in_user(client, page)


def test_connect_links_telegram_to_the_account_signed_in_with_its_password(telegram, client):
    account = email_user("grace@example.test")
    sign_in_with_password(client, "grace@example.test")
    user = telegram.user(first_name="Grace")

    telegram.connect(client, user)

    assert SocialAccount.objects.get(provider="telegram_login", uid=str(user.id)).user == account
    # A new way in is told in Telegram with a way to undo it.
    assert any("Disconnect" in message.button_texts for message in telegram.messages(user))


def test_not_me_under_a_sign_in_signs_that_browser_out_and_no_other(telegram):
    user = telegram.user()
    first, second = Client(), Client()
    telegram.sign_in(first, user)
    telegram.sign_in(second, user)

    alert = telegram.last_message(user)
    assert "Signed in" in alert.text, alert.text
    not_me = next(text for text in alert.button_texts if text.startswith("Not me"))
    telegram.press(user, not_me, message=alert)

    assert "_auth_user_id" not in second.session
    assert "_auth_user_id" in first.session


@pytest.mark.parametrize("mode", ["button", "browser_code"])
def test_sign_in_follows_the_sites_confirm_mode(telegram, client, settings, mode):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = mode
    user = telegram.user()
    signed_in = telegram.sign_in(client, user)
    assert SocialAccount.objects.get(user=signed_in).uid == str(user.id)


def test_the_fake_bot_api_refuses_a_call_the_published_api_does_not_allow(telegram_bot_api):
    answer = requests.post(
        f"{API_BASE_URL}/bot{BOT_TOKEN}/sendMessage", json={"chat_id": 1}, timeout=5
    )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert "text" in answer.json()["description"]
    assert telegram_bot_api.calls[-1].problems


def test_pressing_a_button_the_chat_does_not_have_says_what_it_has(telegram, client):
    user = telegram.user()
    telegram.open_link(user, telegram.start(client))
    with pytest.raises(TelegramKitError, match="No button 'Confirm'"):
        telegram.press(user, "Confirm")


def test_mini_app_sign_in_signs_the_client_in_as_the_bots_mini_app_would(telegram, client):
    user = telegram.user(first_name="Mira")
    by_deep_link = telegram.sign_in(Client(), user)

    page = telegram.mini_app_sign_in(client, user, next_url="/accounts/email/")

    assert page.redirect_chain[-1][0] == "/accounts/email/"
    assert telegram.signed_in_user(client) == by_deep_link
    assert "Signed in with: Telegram Mini App" in telegram.last_message(user).text


def test_mini_app_data_made_too_long_ago_is_refused(telegram, client):
    user = telegram.user()
    page = client.post(
        "/accounts/telegram-login/mini-app/",
        {"init_data": telegram.mini_app_init_data(user, age=3600)},
        follow=True,
    )
    assert "too old" in page.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.fixture
def email_required(settings):
    """A site whose sign-up needs an address: allauth asks a new Telegram user for one."""
    settings.SOCIALACCOUNT_EMAIL_REQUIRED = True


def test_where_the_site_asks_for_an_address_the_kit_says_to_give_one(
    telegram, client, email_required
):
    with pytest.raises(TelegramKitError, match="pass email="):
        telegram.sign_in(client, telegram.user())
    assert "_auth_user_id" not in client.session


def test_sign_in_gives_the_address_on_allauths_sign_up_form(telegram, client, email_required):
    user = telegram.user(first_name="Ann")
    signed_in = telegram.sign_in(client, user, email="ann@example.com")
    assert signed_in.email == "ann@example.com"
    # Back another day: straight in, no form.
    assert telegram.sign_in(Client(), user) == signed_in


@pytest.mark.parametrize("on_confirmation", [True, False], ids=["by-the-link", "then-telegram"])
def test_under_mandatory_verification_the_mailed_link_is_followed_and_the_person_is_in(
    telegram, client, email_required, settings, on_confirmation
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = on_confirmation
    signed_in = telegram.sign_in(client, telegram.user(), email="neo@example.com")
    assert signed_in.emailaddress_set.get().verified
    assert client.session["_auth_user_id"] == str(signed_in.pk)


@pytest.fixture
def spent_rate_limits(db):
    """What earlier tests of a suite leave behind: every start this address may make in a
    minute, spent."""
    for _ in range(12):
        Client().post("/accounts/telegram-login/login/", {"process": "login"})
    refused = Client().post("/accounts/telegram-login/login/", {"process": "login"})
    assert "Too many sign-in attempts" in refused.content.decode()


def test_the_rate_limits_start_afresh_for_each_test_of_the_kit(spent_rate_limits, telegram):
    assert telegram.sign_in(Client())


def test_users_get_ids_of_their_own():
    assert len({TelegramUser().id for _ in range(100)}) == 100


def test_expire_runs_a_sign_ins_minutes_out(telegram, client):
    sign_in = telegram.start(client)
    telegram.expire(sign_in)
    page = telegram.finish(client, sign_in)
    assert 'data-state="expired"' in page.content.decode()
    assert "_auth_user_id" not in client.session
