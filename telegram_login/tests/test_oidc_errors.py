"""Every way a sign-in through Telegram's login page must be refused: a page that says why (in
English and Russian), nobody signed in, no account made, never a 500."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from telegram_login.tests.helpers import BROWSER_UA
from telegram_login.tests.oidc_support import *  # noqa: F403  the fixtures
from telegram_login.tests.oidc_support import (
    CALLBACK_URL,
    answer_in_telegram,
    sign_in_with_oidc,
    signed_in_user_id,
    start_oidc,
)

pytestmark = pytest.mark.django_db


def assert_refused(response: Any, browser: Client, problem: str, status: int) -> str:
    page = response.content.decode()
    assert response.status_code == status, page
    assert f'data-problem="{problem}"' in page
    assert signed_in_user_id(browser) is None
    assert SocialAccount.objects.count() == 0
    return page


def test_consent_denied_in_telegram_signs_nobody_in(oidc_issuer, browser_client, telegram_user):
    params = start_oidc(browser_client)
    back = answer_in_telegram(oidc_issuer, params, telegram_user(), decline=True)
    page = assert_refused(browser_client.get(back), browser_client, "denied", HTTPStatus.OK)
    assert "You declined in Telegram" in page
    assert 'href="/accounts/login/"' in page


def test_another_error_from_telegram_signs_nobody_in(oidc_issuer, browser_client):
    params = start_oidc(browser_client)
    response = browser_client.get(CALLBACK_URL, {"error": "server_error", "state": params["state"]})
    assert_refused(response, browser_client, "refused", HTTPStatus.BAD_REQUEST)


def test_state_mismatch_a_callback_from_another_browser_signs_nobody_in(oidc_issuer, telegram_user):
    """Login CSRF: the attacker consents as themselves and lures the victim to the callback URL
    with their code; the victim's browser never started that sign-in."""
    attacker = Client(HTTP_USER_AGENT=BROWSER_UA)
    back = answer_in_telegram(oidc_issuer, start_oidc(attacker), telegram_user(first_name="Eve"))
    victim = Client(HTTP_USER_AGENT=BROWSER_UA)
    page = assert_refused(victim.get(back), victim, "state", HTTPStatus.BAD_REQUEST)
    assert "not belong to a sign-in started in this browser" in page


def test_state_mismatch_a_callback_with_a_state_of_its_own_signs_nobody_in(
    oidc_issuer, browser_client, telegram_user
):
    params = start_oidc(browser_client)
    back = answer_in_telegram(oidc_issuer, params, telegram_user())
    forged = back.replace(f"state={params['state']}", "state=forged-state-value")
    assert_refused(browser_client.get(forged), browser_client, "state", HTTPStatus.BAD_REQUEST)


def test_state_mismatch_a_callback_used_twice_signs_in_once(
    oidc_issuer, browser_client, telegram_user
):
    params = start_oidc(browser_client)
    back = answer_in_telegram(oidc_issuer, params, telegram_user())
    assert browser_client.get(back).status_code == HTTPStatus.FOUND
    browser_client.post("/accounts/logout/")
    again = browser_client.get(back)
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert 'data-problem="state"' in again.content.decode()
    assert signed_in_user_id(browser_client) is None


@pytest.mark.parametrize(
    ("fault", "value", "problem"),
    [
        ("foreign_key", True, "signature"),
        ("algorithm", "none", "signature"),
        ("algorithm", "HS256", "signature"),
        ("audience", "999999", "audience"),
        ("expired", True, "expired"),
        ("issued_in_future", True, "clock"),
        ("issuer", "https://evil.test", "issuer"),
        ("nonce", "another-sign-ins-nonce", "nonce"),
        ("claims", {"id": "not-a-number"}, "malformed"),
        ("claims", {"id": None}, "malformed"),
    ],
)
def test_a_token_that_fails_a_check_signs_nobody_in(
    oidc_issuer, browser_client, telegram_user, fault, value, problem
):
    setattr(oidc_issuer.faults, fault, value)
    response = sign_in_with_oidc(browser_client, oidc_issuer, telegram_user())
    assert_refused(response, browser_client, problem, HTTPStatus.BAD_REQUEST)


def test_a_token_signed_by_another_key_is_refused_and_said_so(
    oidc_issuer, browser_client, telegram_user
):
    oidc_issuer.faults.foreign_key = True
    response = sign_in_with_oidc(browser_client, oidc_issuer, telegram_user())
    page = assert_refused(response, browser_client, "signature", HTTPStatus.BAD_REQUEST)
    assert "not signed with Telegram's keys" in page


def test_a_token_for_another_audience_is_refused_and_said_so(
    oidc_issuer, browser_client, telegram_user
):
    oidc_issuer.faults.audience = "777"
    response = sign_in_with_oidc(browser_client, oidc_issuer, telegram_user())
    page = assert_refused(response, browser_client, "audience", HTTPStatus.BAD_REQUEST)
    assert "issued for another site" in page


def test_an_expired_token_is_refused_and_said_so(oidc_issuer, browser_client, telegram_user):
    oidc_issuer.faults.expired = True
    response = sign_in_with_oidc(browser_client, oidc_issuer, telegram_user())
    page = assert_refused(response, browser_client, "expired", HTTPStatus.BAD_REQUEST)
    assert "has expired" in page


def test_a_code_traded_without_this_browsers_pkce_verifier_is_refused(
    oidc_issuer, browser_client, telegram_user
):
    params = start_oidc(browser_client)
    back = answer_in_telegram(oidc_issuer, params, telegram_user())
    session = browser_client.session
    states = session["socialaccount_states"]
    states[params["state"]][0]["pkce_code_verifier"] = "x" * 64
    session["socialaccount_states"] = states
    session.save()
    assert_refused(browser_client.get(back), browser_client, "refused", HTTPStatus.BAD_REQUEST)


def test_an_issuer_that_is_down_at_the_start_is_a_page_not_a_500(oidc_issuer, browser_client):
    oidc_issuer.faults.down = True
    response = browser_client.post("/accounts/telegram/oidc/login/", {"process": "login"})
    page = assert_refused(response, browser_client, "issuer_down", HTTPStatus.BAD_GATEWAY)
    assert "did not answer" in page


def test_an_issuer_that_goes_down_before_the_callback_is_a_page_not_a_500(
    oidc_issuer, browser_client, telegram_user
):
    params = start_oidc(browser_client)
    back = answer_in_telegram(oidc_issuer, params, telegram_user())
    oidc_issuer.faults.down = True
    assert_refused(browser_client.get(back), browser_client, "issuer_down", HTTPStatus.BAD_GATEWAY)


def test_an_issuer_answering_5xx_or_garbage_is_down(oidc_transport, browser_client, monkeypatch):
    import requests

    def broken(request: Any, *args: Any, **kwargs: Any) -> Any:
        response = requests.Response()
        response.status_code = 200
        response._content = b"<html>maintenance</html>"
        response._content_consumed = True
        response.request = request
        return response

    monkeypatch.setattr(oidc_transport, "send", broken)
    response = browser_client.post("/accounts/telegram/oidc/login/", {"process": "login"})
    assert_refused(response, browser_client, "issuer_down", HTTPStatus.BAD_GATEWAY)


def test_an_issuer_answering_without_end_is_cut_off(oidc_transport, browser_client, monkeypatch):
    import requests

    from telegram_login.oidc.issuer import MAX_RESPONSE_BYTES

    def endless(request: Any, *args: Any, **kwargs: Any) -> Any:
        response = requests.Response()
        response.status_code = 200
        response._content = b"[" * (MAX_RESPONSE_BYTES + 1)
        response._content_consumed = True
        response.request = request
        return response

    monkeypatch.setattr(oidc_transport, "send", endless)
    response = browser_client.post("/accounts/telegram/oidc/login/", {"process": "login"})
    assert_refused(response, browser_client, "issuer_down", HTTPStatus.BAD_GATEWAY)


def test_a_discovery_document_naming_another_issuer_is_not_trusted(
    oidc_transport, browser_client, monkeypatch
):
    fake = oidc_transport.fake
    real = fake.discovery
    monkeypatch.setattr(fake, "discovery", lambda issuer: real("https://evil.test"))
    response = browser_client.post("/accounts/telegram/oidc/login/", {"process": "login"})
    assert_refused(response, browser_client, "issuer_down", HTTPStatus.BAD_GATEWAY)


@pytest.mark.parametrize("algorithm", ["ES256", "EdDSA"])
def test_tokens_signed_with_es256_or_eddsa_sign_in_when_the_bot_chose_them(
    oidc_issuer, browser_client, telegram_user, settings, algorithm
):
    settings.TELEGRAM_LOGIN_OIDC_SIGNING_ALGORITHM = algorithm
    oidc_issuer.algorithm = algorithm
    response = sign_in_with_oidc(browser_client, oidc_issuer, telegram_user())
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_user_id(browser_client) is not None


def test_a_token_in_another_algorithm_than_the_bot_chose_is_refused(
    oidc_issuer, browser_client, telegram_user, settings
):
    settings.TELEGRAM_LOGIN_OIDC_SIGNING_ALGORITHM = "ES256"
    response = sign_in_with_oidc(browser_client, oidc_issuer, telegram_user())  # signed RS256
    assert_refused(response, browser_client, "signature", HTTPStatus.BAD_REQUEST)


def test_rotated_keys_are_fetched_again_once(oidc_transport, browser_client, telegram_user):
    fake = oidc_transport.fake
    sign_in_with_oidc(browser_client, fake, telegram_user())
    browser_client.post("/accounts/logout/")
    from telegram_login.sandbox.oidc_issuer import SigningKey

    fake.keys["RS256"] = SigningKey.make("RS256")
    before = len(oidc_transport.calls)
    response = sign_in_with_oidc(browser_client, fake, telegram_user())
    assert response.status_code == HTTPStatus.FOUND
    fetched = [c.url for c in oidc_transport.calls[before:] if c.url.endswith("jwks.json")]
    assert len(fetched) == 1


@pytest.mark.parametrize(
    ("fault", "value", "russian"),
    [
        ("foreign_key", True, "не подписано ключами Telegram"),
        ("audience", "777", "выдано другому сайту"),
        ("expired", True, "истёк"),
    ],
)
def test_the_refusal_pages_speak_russian(oidc_issuer, telegram_user, fault, value, russian):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA, HTTP_ACCEPT_LANGUAGE="ru")
    setattr(oidc_issuer.faults, fault, value)
    page = sign_in_with_oidc(browser, oidc_issuer, telegram_user()).content.decode()
    assert russian in page
    assert "Вернуться ко входу" in page


def test_a_declined_consent_speaks_russian(oidc_issuer, telegram_user):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA, HTTP_ACCEPT_LANGUAGE="ru")
    params = start_oidc(browser)
    back = answer_in_telegram(oidc_issuer, params, telegram_user(), decline=True)
    assert "Вы отказались в Telegram" in browser.get(back).content.decode()


def test_an_issuer_that_is_down_speaks_russian(oidc_issuer):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA, HTTP_ACCEPT_LANGUAGE="ru")
    oidc_issuer.faults.down = True
    down = browser.post("/accounts/telegram/oidc/login/", {"process": "login"})
    assert "Telegram недоступен" in down.content.decode()
