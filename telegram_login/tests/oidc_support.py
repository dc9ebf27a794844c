"""What the tests of Telegram's OpenID Connect login share: a fake issuer at https://oidc.test
behind the OIDC client's session hook (never the network), and the steps a browser and the
Telegram user take."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from requests.adapters import BaseAdapter

from telegram_login.allauth_internals import STATES_SESSION_KEY
from telegram_login.oidc import issuer as issuer_client
from telegram_login.sandbox.oidc_issuer import FakeIssuer
from telegram_login.tests.helpers import BOT_TOKEN

# The fixtures, for `from .oidc_support import *` (the helpers are imported by name).
__all__ = ["oidc_issuer", "oidc_transport"]

ISSUER = "https://oidc.test"
# The client id is the bot's id: the test bot's token is "4242:...".
CLIENT_ID = BOT_TOKEN.split(":")[0]
CLIENT_SECRET = "oidc-test-client-secret"
LOGIN_URL = "/accounts/telegram/oidc/login/"
CALLBACK_URL = "/accounts/telegram/oidc/callback/"
REDIRECT_URI = f"http://testserver{CALLBACK_URL}"


class IssuerTransport(BaseAdapter):
    """Answers the OIDC client's requests to https://oidc.test from a FakeIssuer, and keeps them."""

    def __init__(self, fake: FakeIssuer) -> None:
        super().__init__()
        self.fake = fake
        self.calls: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(request)
        if self.fake.faults.down:
            raise requests.ConnectionError("oidc.test is down")
        path = urlsplit(request.url or "").path
        if path == "/.well-known/openid-configuration":
            status, body = 200, self.fake.discovery(ISSUER)
        elif path == "/.well-known/jwks.json":
            status, body = 200, self.fake.jwks()
        elif path == "/token" and request.method == "POST":
            raw = request.body or ""
            form = dict(parse_qsl(raw.decode() if isinstance(raw, bytes) else raw))
            status, body = self.fake.exchange(
                form, authorization=request.headers.get("Authorization", ""), issuer=ISSUER
            )
        else:
            status, body = 404, {"error": "not_found"}
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response._content_consumed = True
        response.headers["Content-Type"] = "application/json"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def oidc_transport(settings: Any) -> Iterator[IssuerTransport]:
    """Telegram's login configured (client id, secret, issuer) with a fake issuer answering."""
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_ID = CLIENT_ID
    settings.TELEGRAM_LOGIN_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.TELEGRAM_LOGIN_OIDC_ISSUER = ISSUER
    transport = IssuerTransport(FakeIssuer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET))

    def mount(session: requests.Session, issuer: str) -> None:
        if issuer == ISSUER:
            session.mount(ISSUER + "/", transport)

    issuer_client.session_hooks.append(mount)
    yield transport
    issuer_client.session_hooks.remove(mount)


@pytest.fixture
def oidc_issuer(oidc_transport: IssuerTransport) -> FakeIssuer:
    return oidc_transport.fake


def start_oidc(browser: Client, *, process: str = "login", next_url: str = "") -> dict[str, str]:
    """Press the button to Telegram's login page; the authorization request's parameters."""
    data = {"process": process}
    if next_url:
        data["next"] = next_url
    response = browser.post(LOGIN_URL, data)
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/auth"
    return dict(parse_qsl(location.query))


def answer_in_telegram(
    fake: FakeIssuer,
    params: dict[str, str],
    telegram: dict[str, Any],
    *,
    decline: bool = False,
) -> str:
    """The Telegram user answers on Telegram's page; the callback path the browser goes to."""
    consent = fake.ask(params, allowed_redirect_uris=[REDIRECT_URI])
    back = fake.decide(
        consent.id,
        user=telegram,
        picked="" if decline else consent.match_code,
        bot_access=True,
    )
    assert back is not None
    return back.removeprefix("http://testserver")


def sign_in_with_oidc(
    browser: Client,
    fake: FakeIssuer,
    telegram: dict[str, Any],
    *,
    process: str = "login",
    next_url: str = "",
) -> Any:
    """The whole trip: start, answer in Telegram, come back; the callback's response."""
    params = start_oidc(browser, process=process, next_url=next_url)
    return browser.get(answer_in_telegram(fake, params, telegram))


def telegram_accounts() -> list[tuple[str, str, int]]:
    """Every linked account as (provider, uid, user id)."""
    return list(SocialAccount.objects.values_list("provider", "uid", "user_id"))


def oidc_states(browser: Client) -> dict:
    """The browser's trips to Telegram's login page under way (allauth's states)."""
    return browser.session.get(STATES_SESSION_KEY, {})


def signed_in_user_id(browser: Client) -> int | None:
    from django.contrib.auth import SESSION_KEY

    value = browser.session.get(SESSION_KEY)
    return int(value) if value is not None else None
