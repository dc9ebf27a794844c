"""Connecting Telegram in settings on Telegram's login page (OpenID Connect), under the same
linking rules as the deep link: the password first, one Telegram per account, none beside an
unverified address, and never someone else's."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client

from telegram_login.allauth_internals import STATES_SESSION_KEY
from telegram_login.tests.flows import (
    PASSWORD,
    age_authentication,
    email_user,
    reauthenticate,
    sign_in_with_password,
)
from telegram_login.tests.helpers import BROWSER_UA
from telegram_login.tests.oidc_support import *  # noqa: F403  the fixtures
from telegram_login.tests.oidc_support import (
    ISSUER,
    LOGIN_URL,
    answer_in_telegram,
    oidc_states,
    sign_in_with_oidc,
    signed_in_user_id,
    start_oidc,
    telegram_accounts,
)

pytestmark = pytest.mark.django_db


def test_email_user_connects_telegram_on_telegrams_login_page_and_both_sides_hear_of_it(
    oidc_issuer, bot_api, telegram_user
):
    user = email_user("hana@example.test")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, "hana@example.test")
    reauthenticate(browser)
    hana = telegram_user(first_name="Hana")
    response = sign_in_with_oidc(browser, oidc_issuer, hana, process="connect")
    assert response.status_code == HTTPStatus.FOUND
    assert telegram_accounts() == [("telegram_login", str(hana["id"]), user.pk)]
    assert signed_in_user_id(browser) == user.pk
    # The bot tells the Telegram user, with a way to undo it; the mailbox hears of it too.
    notice = [call for call in bot_api.calls if call.method == "sendMessage"][-1]
    assert notice.params["chat_id"] == hana["id"]
    assert "hana@example.test" in notice.params["text"]
    assert any("hana@example.test" in message.to for message in mail.outbox)


def test_connect_asks_for_the_password_before_going_to_telegram(oidc_issuer):
    email_user("ivy@example.test")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, "ivy@example.test")
    age_authentication(browser, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    response = browser.post(LOGIN_URL, {"process": "connect"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert oidc_states(browser) == {}


def test_after_the_password_the_browser_goes_on_to_telegrams_page_by_itself(
    oidc_issuer, telegram_user
):
    user = email_user("ivo@example.test")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, "ivo@example.test")
    age_authentication(browser, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    asked = browser.post(LOGIN_URL, {"process": "connect"})

    resumed = browser.post(asked["Location"], {"password": PASSWORD})

    location = urlsplit(resumed["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/auth"
    params = dict(parse_qsl(location.query))
    ivo = telegram_user(first_name="Ivo")
    browser.get(answer_in_telegram(oidc_issuer, params, ivo))
    assert telegram_accounts() == [("telegram_login", str(ivo["id"]), user.pk)]


def test_connect_is_refused_to_an_account_that_already_has_telegram(
    oidc_issuer, browser_client, telegram_user
):
    sign_in_with_oidc(browser_client, oidc_issuer, telegram_user(first_name="Jo"))
    response = browser_client.post(LOGIN_URL, {"process": "connect"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert 'data-problem="has_telegram"' in response.content.decode()
    assert SocialAccount.objects.count() == 1


def test_connect_is_refused_beside_an_unverified_email(oidc_issuer):
    user = email_user("kim@example.test")
    EmailAddress.objects.create(user=user, email="kim2@example.test", verified=False)
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, "kim@example.test")
    response = browser.post(LOGIN_URL, {"process": "connect"})
    assert 'data-problem="unverified_email"' in response.content.decode()


def test_connect_of_a_telegram_linked_to_someone_else_leaves_it_theirs(
    oidc_issuer, bot_api, telegram_user
):
    lee = telegram_user(first_name="Lee")
    owner = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_oidc(owner, oidc_issuer, lee)
    owner_id = signed_in_user_id(owner)
    email_user("mallory@example.test")
    mallory = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(mallory, "mallory@example.test")
    reauthenticate(mallory)
    response = sign_in_with_oidc(mallory, oidc_issuer, lee, process="connect")
    assert response.status_code == HTTPStatus.FOUND
    assert telegram_accounts() == [("telegram_login", str(lee["id"]), owner_id)]


def test_connect_confirmed_after_the_password_check_lapsed_links_nothing(
    oidc_issuer, bot_api, telegram_user
):
    email_user("noa@example.test")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, "noa@example.test")
    reauthenticate(browser)
    params = start_oidc(browser, process="connect")
    age_authentication(browser, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    response = browser.get(answer_in_telegram(oidc_issuer, params, telegram_user()))
    assert 'data-problem="proof_lapsed"' in response.content.decode()
    assert SocialAccount.objects.count() == 0


def test_a_connect_finished_in_a_browser_now_signed_in_as_someone_else_links_nothing(
    oidc_issuer, bot_api, telegram_user
):
    email_user("olga@example.test")
    email_user("pete@example.test")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, "olga@example.test")
    reauthenticate(browser)
    params = start_oidc(browser, process="connect")
    # Signing out ends the session and its states; carry them over anyway (as a copied
    # session would) and the connect still refuses.
    states = dict(browser.session[STATES_SESSION_KEY])
    browser.post("/accounts/logout/")
    sign_in_with_password(browser, "pete@example.test")
    session = browser.session
    session[STATES_SESSION_KEY] = states
    session.save()
    response = browser.get(answer_in_telegram(oidc_issuer, params, telegram_user()))
    assert 'data-problem="changed_account"' in response.content.decode()
    assert SocialAccount.objects.count() == 0
