"""The sandbox's Telegram login issuer from the example site's sign-in page: what `make run` offers
and the browser suite drives, with the site's back channel answered in process (its endpoints on
their own: telegram_login's tests)."""

from __future__ import annotations

import base64
import hashlib
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from telegram_login.sandbox import oidc_issuer
from telegram_login.sandbox.fake_api import fake_bot_api
from telegram_login.tests.helpers import BROWSER_UA
from telegram_login.tests.oidc_support import CALLBACK_URL, LOGIN_URL, signed_in_user_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox_issuer")]

ISSUER = "http://testserver/telegram/sandbox/oidc"


def _consent_page(browser: Client, *, identity: dict[str, str] | None = None) -> tuple[str, str]:
    """Press the button on the sign-in page; Telegram's page (as this Telegram user) and its URL."""
    page = browser.get("/accounts/login/").content.decode()
    assert 'data-testid="telegram-oidc-start"' in page
    started = browser.post(LOGIN_URL, {"process": "login", "next": "/profile/"})
    assert started.status_code == HTTPStatus.FOUND
    auth_url = started["Location"]
    assert auth_url.startswith(f"{ISSUER}/auth?")
    path = auth_url.removeprefix("http://testserver")
    consent = browser.get(path).content.decode()
    if identity is not None:
        assert 'data-testid="sandbox-identity"' in consent
        chosen = browser.post(
            "/telegram/sandbox/identity/", {**identity, "language_code": "en", "next": path}
        )
        assert chosen["Location"] == path
        consent = browser.get(path).content.decode()
    return consent, path


def _answer(browser: Client, consent: str, *, pick_right: bool = True) -> Any:
    code = re.search(r'data-testid="oidc-match-code">(\d+)<', consent).group(1)
    choices = re.findall(r'name="picked" value="(\d+)" data-testid="oidc-choice"', consent)
    assert code in choices
    assert len(choices) == 3
    picked = code if pick_right else next(c for c in choices if c != code)
    consent_id = re.search(r'name="consent" value="([^"]+)"', consent).group(1)
    return browser.post(
        "/telegram/sandbox/oidc/auth",
        {"consent": consent_id, "picked": picked, "bot_access": "on"},
    )


def test_the_sandbox_plays_telegrams_login_page_and_signs_in_its_telegram_user():
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    consent, _ = _consent_page(
        browser, identity={"id": "5550001", "first_name": "Sandy", "username": "sandy"}
    )
    # Telegram's manner: the site, the browser and platform that asked, its IP and region.
    assert "Log in to testserver" in consent
    assert "Chrome 120" in consent
    assert "Windows 10" in consent
    assert "127.0.0.1" in consent
    assert "Local network" in consent
    assert 'data-testid="oidc-bot-access"' in consent
    assert "(id 5550001)" in consent
    back = _answer(browser, consent)
    assert back["Location"].startswith(f"http://testserver{CALLBACK_URL}?code=")
    signed_in = browser.get(back["Location"])
    assert signed_in["Location"] == "/profile/"
    account = SocialAccount.objects.get()
    assert (account.provider, account.uid) == ("telegram_login", "5550001")
    assert signed_in_user_id(browser) == account.user_id


def test_picking_another_code_on_the_sandbox_page_declines():
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    consent, _ = _consent_page(browser, identity={"id": "5550002", "first_name": "Wes"})
    back = _answer(browser, consent, pick_right=False)
    assert "error=access_denied" in back["Location"]
    refused = browser.get(back["Location"].removeprefix("http://testserver"))
    assert 'data-problem="denied"' in refused.content.decode()
    assert SocialAccount.objects.count() == 0


def test_the_sandbox_token_endpoint_wants_the_pkce_verifier_and_takes_a_code_once():
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    consent, path = _consent_page(browser, identity={"id": "5550003", "first_name": "Pia"})
    params = dict(parse_qsl(urlsplit(path).query))
    code = dict(parse_qsl(urlsplit(_answer(browser, consent)["Location"]).query))["code"]
    issuer = oidc_issuer.fake_issuer()
    basic = base64.b64encode(f"{issuer.client_id}:{issuer.client_secret}".encode()).decode()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": params["redirect_uri"],
        "code_verifier": "a-verifier-that-is-not-the-one" * 2,
    }
    server = Client()
    wrong = server.post(
        "/telegram/sandbox/oidc/token", form, headers={"Authorization": f"Basic {basic}"}
    )
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    # The code was spent on the wrong verifier: the right one comes too late.
    verifier = browser.session["socialaccount_states"][params["state"]][0]["pkce_code_verifier"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert params["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    again = server.post(
        "/telegram/sandbox/oidc/token",
        {**form, "code_verifier": verifier},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert again.json()["error"] == "invalid_grant"


def test_the_sandbox_page_speaks_russian():
    browser = Client(HTTP_USER_AGENT=BROWSER_UA, HTTP_ACCEPT_LANGUAGE="ru")
    consent, _ = _consent_page(browser, identity={"id": "5550004", "first_name": "Ира"})
    assert "Выберите код, который показывает ваш браузер" in consent
    assert "Отклонить" in consent


def test_choosing_who_you_are_on_the_sandbox_page_keeps_the_code_the_browser_showed():
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    first, path = _consent_page(browser)
    shown = re.search(r'data-testid="oidc-match-code">(\d+)<', first).group(1)
    browser.post("/telegram/sandbox/identity/", {"id": "5550005", "first_name": "Lu", "next": path})
    consent = browser.get(path).content.decode()
    assert re.search(r'data-testid="oidc-match-code">(\d+)<', consent).group(1) == shown
    assert _answer(browser, consent)["Location"].startswith(
        f"http://testserver{CALLBACK_URL}?code="
    )


def test_with_bot_access_allowed_the_bot_writes_to_the_sandbox_chat_after_the_sign_in():
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    consent, _ = _consent_page(browser, identity={"id": "5550006", "first_name": "Bo"})
    browser.get(_answer(browser, consent)["Location"])
    assert SocialAccount.objects.filter(uid="5550006").exists()
    assert fake_bot_api().chat(5550006) != []
    chat = browser.get("/telegram/sandbox/").content.decode()
    assert 'data-testid="bot-message"' in chat
