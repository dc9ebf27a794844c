"""Telegram's OpenID Connect login: the trip to the issuer (PKCE, state, nonce), and one account
per Telegram user whichever way they come (connecting in settings: test_oidc_connect.py)."""

from __future__ import annotations

import base64
import hashlib
import json
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client

from telegram_login.identity import OIDC_PROVIDER_ID
from telegram_login.tests.flows import confirm_in_telegram
from telegram_login.tests.helpers import BROWSER_UA
from telegram_login.tests.oidc_support import *  # noqa: F403  the fixtures
from telegram_login.tests.oidc_support import (
    CLIENT_ID,
    LOGIN_URL,
    REDIRECT_URI,
    oidc_states,
    sign_in_with_oidc,
    signed_in_user_id,
    start_oidc,
    telegram_accounts,
)

pytestmark = pytest.mark.django_db


def test_start_sends_the_browser_to_telegram_with_pkce_s256_a_state_and_a_nonce(
    oidc_issuer, browser_client
):
    params = start_oidc(browser_client, next_url="/profile/")
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == REDIRECT_URI
    assert params["response_type"] == "code"
    assert set(params["scope"].split()) == {"openid", "profile", "telegram:bot_access"}
    assert params["code_challenge_method"] == "S256"
    # The verifier stays in this browser's session; only its S256 hash travels.
    stashed, _, provider = oidc_states(browser_client)[params["state"]]
    assert provider == OIDC_PROVIDER_ID
    digest = hashlib.sha256(stashed["pkce_code_verifier"].encode()).digest()
    assert params["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert len(stashed["pkce_code_verifier"]) >= 43
    assert params["nonce"] == stashed["nonce"]
    assert len(params["nonce"]) >= 32
    assert stashed["next"] == "/profile/"


def test_the_phone_scope_is_asked_for_only_when_a_setting_says_so(
    oidc_issuer, browser_client, settings
):
    assert "phone" not in start_oidc(browser_client)["scope"].split()
    settings.TELEGRAM_LOGIN_OIDC_REQUEST_PHONE = True
    assert "phone" in start_oidc(browser_client)["scope"].split()


def test_a_link_cannot_add_the_phone_scope_or_replace_the_redirect_uri(oidc_issuer, settings):
    settings.SOCIALACCOUNT_LOGIN_ON_GET = True
    browser = Client()
    response = browser.get(
        LOGIN_URL,
        {"scope": "phone", "auth_params": "redirect_uri=https://evil.test/&nonce=known"},
    )
    params = dict(parse_qsl(urlsplit(response["Location"]).query))
    assert params["redirect_uri"] == REDIRECT_URI
    assert "phone" not in params["scope"].split()
    assert params["nonce"] != "known"


def test_a_get_starts_nothing(oidc_issuer):
    """Link previews and prefetchers GET: the page only asks to continue."""
    browser = Client()
    response = browser.get(LOGIN_URL)
    assert response.status_code == HTTPStatus.OK
    assert 'method="post"' in response.content.decode()
    assert oidc_states(browser) == {}


def test_new_telegram_user_signs_in_to_an_account_keyed_by_the_numeric_telegram_id(
    oidc_issuer, browser_client, telegram_user
):
    alice = telegram_user(first_name="Alice", last_name="Liddell", username="alice")
    response = sign_in_with_oidc(browser_client, oidc_issuer, alice, next_url="/profile/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/profile/"
    account = SocialAccount.objects.get()
    # The deep link's provider and key: not `sub`, which differs from site to site.
    assert (account.provider, account.uid) == ("telegram_login", str(alice["id"]))
    assert account.uid != oidc_issuer.subject(alice["id"])
    assert account.extra_data["first_name"] == "Alice Liddell"
    assert account.extra_data["username"] == "alice"
    assert signed_in_user_id(browser_client) == account.user_id
    user = account.user
    assert user.username == "alice"
    assert not user.has_usable_password()


def test_returning_user_gets_the_same_account_and_names_from_this_time(
    oidc_issuer, browser_client, telegram_user
):
    bob = telegram_user(first_name="Bob", username="bob")
    sign_in_with_oidc(browser_client, oidc_issuer, bob)
    first = signed_in_user_id(browser_client)
    browser_client.post("/accounts/logout/")
    assert signed_in_user_id(browser_client) is None
    renamed = {**bob, "first_name": "Robert", "username": "robert"}
    sign_in_with_oidc(browser_client, oidc_issuer, renamed)
    assert signed_in_user_id(browser_client) == first
    account = SocialAccount.objects.get()
    assert account.extra_data["first_name"] == "Robert"
    assert account.extra_data["username"] == "robert"
    assert get_user_model().objects.count() == 1


def test_the_deep_link_then_telegrams_login_page_reach_the_same_account(
    oidc_issuer, bot_api, telegram_user, telegram_update, post_update
):
    carol = telegram_user(first_name="Carol", username="carol", language_code="ru")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, carol, telegram_update, post_update)
    by_deep_link = signed_in_user_id(browser)
    other_browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_oidc(other_browser, oidc_issuer, {**carol, "first_name": "Caroline"})
    assert signed_in_user_id(other_browser) == by_deep_link
    assert telegram_accounts() == [("telegram_login", str(carol["id"]), by_deep_link)]
    account = SocialAccount.objects.get()
    assert account.extra_data["first_name"] == "Caroline"
    # The token names no language; the bot goes on in the one the Telegram app had.
    assert account.extra_data["language_code"] == "ru"


def test_telegrams_login_page_then_the_deep_link_reach_the_same_account(
    oidc_issuer, bot_api, telegram_user, telegram_update, post_update
):
    dave = telegram_user(first_name="Dave", username="dave")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_oidc(browser, oidc_issuer, dave)
    by_oidc = signed_in_user_id(browser)
    other_browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(other_browser, {**dave, "username": "dave2"}, telegram_update, post_update)
    assert signed_in_user_id(other_browser) == by_oidc
    assert telegram_accounts() == [("telegram_login", str(dave["id"]), by_oidc)]
    assert SocialAccount.objects.get().extra_data["username"] == "dave2"


def test_the_phone_number_is_kept_when_the_site_asked_for_it(
    oidc_issuer, browser_client, telegram_user, settings
):
    settings.TELEGRAM_LOGIN_OIDC_REQUEST_PHONE = True
    erin = telegram_user(first_name="Erin")
    sign_in_with_oidc(browser_client, oidc_issuer, erin)
    assert SocialAccount.objects.get().extra_data["phone_number"].startswith("+888")


def test_a_signed_in_person_signing_in_as_another_telegram_user_changes_accounts(
    oidc_issuer, browser_client, telegram_user
):
    sign_in_with_oidc(browser_client, oidc_issuer, telegram_user(first_name="Fay"))
    first = signed_in_user_id(browser_client)
    sign_in_with_oidc(browser_client, oidc_issuer, telegram_user(first_name="Gus"))
    assert signed_in_user_id(browser_client) not in (None, first)


def test_the_issuer_is_reached_over_plain_requests_with_basic_client_authentication(
    settings, browser_client, telegram_user
):
    """The same trip with requests' own HTTPS transport (mocked by `responses`, as every test
    of an outbound call here): discovery, the token endpoint with the client's id and secret in
    HTTP Basic and the PKCE verifier in the body, then the keys."""
    from telegram_login.sandbox.oidc_issuer import FakeIssuer
    from telegram_login.tests.oidc_support import CLIENT_SECRET, ISSUER

    settings.TELEGRAM_LOGIN_OIDC_CLIENT_ID = CLIENT_ID
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.TELEGRAM_LOGIN_OIDC_ISSUER = ISSUER
    fake = FakeIssuer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)

    def token(request):
        form = dict(parse_qsl(request.body))
        assert "client_secret" not in form
        assert form["code_verifier"]
        status, body = fake.exchange(
            form, authorization=request.headers["Authorization"], issuer=ISSUER
        )
        return status, {}, json.dumps(body)

    with responses.RequestsMock() as mock:
        mock.get(f"{ISSUER}/.well-known/openid-configuration", json=fake.discovery(ISSUER))
        mock.get(f"{ISSUER}/.well-known/jwks.json", json=fake.jwks())
        mock.add_callback(responses.POST, f"{ISSUER}/token", callback=token)
        response = sign_in_with_oidc(browser_client, fake, telegram_user(first_name="Uma"))
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_user_id(browser_client) is not None


def test_a_sign_in_on_telegrams_login_page_is_told_in_telegram_with_its_buttons(
    oidc_issuer, bot_api, telegram_user, telegram_update, post_update
):
    erin = telegram_user(first_name="Erin")
    confirm_in_telegram(Client(HTTP_USER_AGENT=BROWSER_UA), erin, telegram_update, post_update)
    before = len(bot_api.calls)
    sign_in_with_oidc(Client(HTTP_USER_AGENT=BROWSER_UA), oidc_issuer, erin)
    told = [
        call.params
        for call in bot_api.calls[before:]
        if call.method == "sendMessage" and call.params["chat_id"] == erin["id"]
    ]
    assert len(told) == 1
    assert told[0]["text"].startswith("🔐 New sign-in to ")
    assert "Signed in with: Telegram's login page" in told[0]["text"]
    buttons = [row[0]["text"] for row in told[0]["reply_markup"]["inline_keyboard"]]
    assert buttons == ["Not me: sign this session out", "Sign out everywhere"]
