"""The sandbox's Telegram login issuer through its endpoints: what it publishes, what it refuses,
and nothing while the sandbox is off (from a site's sign-in page: the example site's tests)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client

from telegram_login.sandbox import fake_api, oidc_issuer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox_issuer")]

ISSUER = "http://testserver/telegram/sandbox/oidc"
CALLBACK = "http://testserver/accounts/telegram/oidc/callback/"


def test_the_sandbox_issuer_publishes_its_discovery_and_keys():
    browser = Client()
    discovery = browser.get("/telegram/sandbox/oidc/.well-known/openid-configuration").json()
    assert discovery["issuer"] == ISSUER
    assert discovery["authorization_endpoint"] == f"{ISSUER}/auth"
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    keys = browser.get("/telegram/sandbox/oidc/.well-known/jwks.json").json()["keys"]
    assert sorted(key["alg"] for key in keys) == ["ES256", "EdDSA", "RS256"]
    assert all("d" not in key for key in keys)  # public halves only


def test_the_sandbox_refuses_a_redirect_uri_the_bot_does_not_allow_without_redirecting():
    browser = Client()
    response = browser.get(
        "/telegram/sandbox/oidc/auth",
        {
            "client_id": "123456",
            "redirect_uri": "https://evil.test/callback",
            "response_type": "code",
            "scope": "openid",
            "code_challenge": "x" * 43,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'data-testid="oidc-consent-refused"' in response.content.decode()


def test_the_sandbox_issuer_answers_404_while_the_sandbox_is_off(settings):
    settings.TELEGRAM_SANDBOX = False
    settings.DEBUG = False
    browser = Client()
    assert browser.get("/telegram/sandbox/oidc/.well-known/jwks.json").status_code == 404


def _authorization(**overrides: str) -> dict[str, str]:
    return {
        "client_id": oidc_issuer.fake_issuer().client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile telegram:bot_access",
        "state": "a-state",
        "nonce": "a-nonce",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
        **overrides,
    }


def _send(chat_id: int) -> tuple[int, dict[str, Any]]:
    return fake_api.fake_bot_api().handle("sendMessage", {"chat_id": chat_id, "text": "Signed in"})


@pytest.mark.usefixtures("sandbox")
def test_bot_access_allowed_on_telegrams_login_page_lets_the_bot_write_to_that_user():
    issuer = oidc_issuer.fake_issuer()
    consent = issuer.ask(_authorization(), allowed_redirect_uris=[CALLBACK])
    user = {"id": 5551001, "is_bot": False, "first_name": "Ola"}
    assert _send(user["id"])[0] == HTTPStatus.BAD_REQUEST  # no chat yet, as in Telegram
    back = issuer.decide(consent.id, user=user, picked=consent.match_code, bot_access=True)
    assert back is not None
    assert "code=" in back
    status, body = _send(user["id"])
    assert status == HTTPStatus.OK, body
    assert [m.text for m in fake_api.fake_bot_api().chat(user["id"])] == ["Signed in"]


@pytest.mark.usefixtures("sandbox")
@pytest.mark.parametrize(
    ("scope", "allowed", "picked_right"),
    [
        ("openid profile telegram:bot_access", False, True),  # the box unticked
        ("openid profile", True, True),  # the site did not ask for it
        ("openid profile telegram:bot_access", True, False),  # declined
    ],
)
def test_without_bot_access_granted_the_bot_still_cannot_write(scope, allowed, picked_right):
    issuer = oidc_issuer.fake_issuer()
    consent = issuer.ask(_authorization(scope=scope), allowed_redirect_uris=[CALLBACK])
    user = {"id": 5551002, "is_bot": False, "first_name": "Per"}
    picked = consent.match_code if picked_right else ""
    issuer.decide(consent.id, user=user, picked=picked, bot_access=allowed)
    status, body = _send(user["id"])
    assert (status, body["description"]) == (HTTPStatus.BAD_REQUEST, "Bad Request: chat not found")


def test_the_same_authorization_request_again_keeps_its_code():
    """A reload of Telegram's page, or coming back to it from "who are you on Telegram?", shows
    the code the browser already showed; another request gets its own."""
    issuer = oidc_issuer.fake_issuer()
    first = issuer.ask(_authorization(), allowed_redirect_uris=[CALLBACK])
    again = issuer.ask(_authorization(), allowed_redirect_uris=[CALLBACK])
    assert (again.id, again.match_code, again.choices) == (
        first.id,
        first.match_code,
        first.choices,
    )
    other = issuer.ask(_authorization(state="another-state"), allowed_redirect_uris=[CALLBACK])
    assert other.id != first.id
    issuer.decide(first.id, user=None, picked="", bot_access=False)
    assert issuer.ask(_authorization(), allowed_redirect_uris=[CALLBACK]).id != first.id
