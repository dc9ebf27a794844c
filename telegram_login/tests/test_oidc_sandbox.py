"""The sandbox's Telegram login issuer through its endpoints: what it publishes, what it refuses,
and nothing while the sandbox is off (from a site's sign-in page: the example site's tests)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox_issuer")]

ISSUER = "http://testserver/telegram/sandbox/oidc"


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
